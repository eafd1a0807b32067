"""Users, roles, district scope, devices and tokens."""
