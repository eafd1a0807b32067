"""Shapes shared by every endpoint: problems, pagination."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class ProblemSchema(Schema):
    """An RFC 9457 problem details object."""

    type = fields.String(required=True, metadata={"description": "Stable problem type URI"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    instance = fields.String(allow_none=True)
    errors = fields.Dict(
        metadata={"description": "Field-level messages keyed by field name (validation)"}
    )
    error_id = fields.String(metadata={"description": "Log reference of an internal error"})


class PageQuerySchema(Schema):
    """Page selection for list endpoints."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class PageSchema(Schema):
    """The envelope of a list response."""

    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
