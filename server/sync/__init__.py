"""Tablet sync: the change log, pull with safe cursors, push of offline mutations, conflicts."""
