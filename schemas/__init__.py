"""Marshmallow schemas: the API contract. Imports nothing from server/."""
