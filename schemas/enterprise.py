"""The enterprise register (监管对象): what clients send and get back."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from schemas.common import Day, Moment, PageQuerySchema, PageSchema

PERMIT_CLASSES = ("key", "simplified", "registration")
DISTRICT_CODE = validate.Regexp(r"^\d{6}$", error="must be a 6-digit division code")
PHONE_CHARACTERS = "digits, spaces, + - ( ) only; at most 20"


class ContactSchema(Schema):
    """A contact person at the enterprise."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    role = fields.String(load_default="", validate=validate.Length(max=60))
    phone = fields.String(load_default="", validate=validate.Regexp(
        r"^[0-9+\-() ]{0,20}$", error=PHONE_CHARACTERS))


class GeometrySchema(Schema):
    """A GeoJSON geometry (checked in depth by the server)."""

    type = fields.String(required=True)
    coordinates = fields.Raw(required=True)


class EnterpriseFields(Schema):
    """Fields a client may set."""

    credit_code = fields.String(required=True, metadata={
        "description": "Unified social credit code, 18 characters, GB 32100-2015",
        "example": "91310115MA1H7XXX0X"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    address = fields.String(load_default="", validate=validate.Length(max=300))
    district = fields.String(required=True, validate=DISTRICT_CODE)
    industry = fields.String(load_default="", validate=validate.Length(max=100))
    permit_class = fields.String(required=True, validate=validate.OneOf(PERMIT_CLASSES),
                                 metadata={"description": "key 重点 / simplified 简化 / "
                                           "registration 登记"})
    permit_number = fields.String(load_default=None, allow_none=True,
                                  validate=validate.Length(max=40))
    positive_list = fields.Boolean(load_default=False,
                                   metadata={"description": "On the positive list (正面清单)"})
    positive_list_from = Day(load_default=None, allow_none=True)
    positive_list_until = Day(load_default=None, allow_none=True)
    credit_rating = fields.String(load_default=None, allow_none=True,
                                  validate=validate.Length(max=20))
    contacts = fields.List(fields.Nested(ContactSchema), load_default=list,
                           validate=validate.Length(max=20))
    site = fields.Nested(GeometrySchema, load_default=None, allow_none=True, metadata={
        "description": "GeoJSON Polygon or MultiPolygon, WGS-84 [lon, lat]"})


class EnterpriseCreateSchema(EnterpriseFields):
    """Body of POST /enterprises."""


class EnterpriseUpdateSchema(EnterpriseFields):
    """Body of PATCH /enterprises/<id>: any subset of the fields plus the version read."""

    version = fields.Integer(required=True, validate=validate.Range(min=1),
                             metadata={"description": "The version you read (optimistic lock)"})


class EnterpriseSchema(EnterpriseFields):
    """An enterprise as returned."""

    id = fields.UUID(dump_only=True)
    site = fields.Dict(allow_none=True)
    site_area_m2 = fields.Float(dump_only=True, allow_none=True)
    centroid = fields.List(fields.Float(), dump_only=True, allow_none=True,
                           metadata={"description": "[lon, lat] in the requested crs"})
    positive_list_active = fields.Boolean(dump_only=True)
    crs = fields.String(dump_only=True, metadata={"description": "wgs84 or gcj02"})
    version = fields.Integer(dump_only=True)
    created_at = Moment(dump_only=True)
    updated_at = Moment(dump_only=True)


class CrsQuerySchema(Schema):
    """Coordinate system for geometries in the response."""

    crs = fields.String(load_default="wgs84", validate=validate.OneOf(("wgs84", "gcj02")))


class EnterpriseListQuerySchema(PageQuerySchema, CrsQuerySchema):
    """Filters of GET /enterprises."""

    district = fields.String(validate=DISTRICT_CODE)
    permit_class = fields.String(validate=validate.OneOf(PERMIT_CLASSES))
    positive_list = fields.Boolean()
    industry = fields.String(validate=validate.Length(max=100))
    name = fields.String(validate=validate.Length(min=1, max=100),
                         metadata={"description": "Name contains (case-insensitive)"})


class DeleteQuerySchema(Schema):
    """Version for DELETE (optimistic lock)."""

    version = fields.Integer(required=True, validate=validate.Range(min=1))


class EnterprisePageSchema(PageSchema):
    """A page of enterprises."""

    items = fields.List(fields.Nested(EnterpriseSchema), required=True)


class ImportQuerySchema(Schema):
    """How to treat a file with bad rows."""

    mode = fields.String(load_default="all_or_nothing",
                         validate=validate.OneOf(("all_or_nothing", "valid_only")))
    dry_run = fields.Boolean(load_default=False)


class ImportRowErrorSchema(Schema):
    """One refused row."""

    line = fields.Integer(required=True, metadata={"description": "CSV line or feature number"})
    credit_code = fields.String(allow_none=True)
    errors = fields.Dict(required=True)


class ImportReportSchema(Schema):
    """The outcome of an import."""

    total = fields.Integer(required=True)
    imported = fields.Integer(required=True)
    rejected = fields.List(fields.Nested(ImportRowErrorSchema), required=True)
    mode = fields.String(required=True)
    dry_run = fields.Boolean(required=True)


class NearQuerySchema(CrsQuerySchema):
    """A WGS-84 point and a radius."""

    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(required=True, validate=validate.Range(min=-180, max=180))
    radius_m = fields.Float(load_default=200, validate=validate.Range(min=0, max=50_000))


class NearbyEnterpriseSchema(Schema):
    """An enterprise near the point and how far its site is (0 inside)."""

    distance_m = fields.Float(required=True)
    enterprise = fields.Nested(EnterpriseSchema, required=True)
