"""Districts and health."""

from __future__ import annotations

from marshmallow import Schema, fields


class DistrictSchema(Schema):
    """A district with its outline (WGS-84) and where the outline came from."""

    code = fields.String(required=True, metadata={"example": "310115"})
    name = fields.String(required=True)
    name_en = fields.String(required=True)
    geometry = fields.Dict(required=True)
    source = fields.String(required=True)


class HealthSchema(Schema):
    """Liveness of the server's dependencies."""

    status = fields.String(required=True, metadata={"example": "ok"})
    database = fields.String(required=True)
    evidence_store = fields.String(required=True)
