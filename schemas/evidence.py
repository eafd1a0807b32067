"""Evidence and its tus uploads: what clients get back."""

from __future__ import annotations

from marshmallow import Schema, fields

from schemas.common import Moment

KINDS = ("photo", "signature", "audio", "video", "document")
FLAGS = {
    "undecodable": "an image whose pixels cannot be decoded (e.g. truncated); kept, no thumbnail",
    "gps_invalid": "the GPS block is malformed; gps is null",
    "no_gps": "a photo without a usable position",
    "time_zone_assumed": "DateTimeOriginal had no offset; Asia/Shanghai was assumed",
    "time_invalid": "DateTimeOriginal is malformed; captured_at is null",
    "exif_invalid": "the EXIF block cannot be read",
}


class GpsSchema(Schema):
    """A position from the photo's EXIF, WGS-84 decimal degrees (south and west negative)."""

    lat = fields.Float(required=True, metadata={"example": 31.22475})
    lon = fields.Float(required=True, metadata={"example": 121.485836})
    alt = fields.Float(allow_none=True, metadata={"description": "metres above sea level"})


class EvidenceSchema(Schema):
    """One original file, addressed by its SHA-256; write-once."""

    sha256 = fields.String(required=True)
    size = fields.Integer(required=True, metadata={"description": "bytes"})
    mime = fields.String(required=True, metadata={"example": "image/jpeg"})
    kind = fields.String(required=True, metadata={"enum": list(KINDS)})
    filename = fields.String(allow_none=True)
    uploaded_by = fields.UUID(required=True)
    device_id = fields.String(allow_none=True)
    uploaded_at = Moment(required=True)
    captured_at = Moment(allow_none=True, metadata={
        "description": "EXIF DateTimeOriginal with OffsetTimeOriginal, as UTC"})
    captured_offset = fields.String(allow_none=True, metadata={
        "description": "the camera's UTC offset, e.g. +08:00, when it recorded one"})
    gps = fields.Nested(GpsSchema, allow_none=True)
    orientation = fields.Integer(allow_none=True, metadata={"description": "EXIF 1-8"})
    make = fields.String(allow_none=True)
    model = fields.String(allow_none=True)
    width = fields.Integer(allow_none=True)
    height = fields.Integer(allow_none=True)
    flags = fields.List(fields.String(), required=True, metadata={
        "description": "; ".join(f"{k}: {v}" for k, v in FLAGS.items())})
    thumbnail = fields.Boolean(required=True, metadata={
        "description": "whether /thumbnail and /preview are available"})


class UploadSchema(Schema):
    """A tus upload just created (the Location header has its URL)."""

    id = fields.UUID(required=True)
    length = fields.Integer(required=True)
    offset = fields.Integer(required=True)
    expires_at = Moment(required=True)
    sha256 = fields.String(required=True, metadata={"description": "as declared"})
