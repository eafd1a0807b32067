"""Sign-in, tokens and devices."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from schemas.common import Day, Moment

DEVICE_ID = validate.Regexp(r"^[A-Za-z0-9._:\-]{1,100}$",
                            error="1-100 letters, digits or . _ : -")


class TokenRequestSchema(Schema):
    """Credentials and the device that will hold the token."""

    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(required=True, load_only=True,
                             validate=validate.Length(min=1, max=1024))
    device_id = fields.String(required=True, validate=DEVICE_ID,
                              metadata={"description": "Stable id of the tablet or browser"})


class PasswordChangeSchema(TokenRequestSchema):
    """The current password (temporary or not), a new one of the user's own, and the device
    that will hold the token the change gives."""

    new_password = fields.String(required=True, load_only=True,
                                 validate=validate.Length(min=1, max=1024),
                                 metadata={"description": "At least 12 characters, no leading "
                                                          "or trailing space, not the current "
                                                          "password"})


class UserSchema(Schema):
    """A user as others see them."""

    id = fields.UUID(required=True)
    username = fields.String(required=True)
    display_name = fields.String(required=True)
    role = fields.String(required=True)
    district = fields.String(required=True, metadata={"description": "Scope: district or 310000"})
    certificate_no = fields.String(allow_none=True)
    certificate_expires = Day(allow_none=True)


class TokenSchema(Schema):
    """A bearer token bound to one device."""

    access_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    expires_at = Moment(required=True)
    device_id = fields.String(required=True)
    user = fields.Nested(UserSchema, required=True)


class DeviceSchema(Schema):
    """A device holding a live token."""

    device_id = fields.String(required=True)
    issued_at = Moment(required=True)
    expires_at = Moment(required=True)


class RevocationSchema(Schema):
    """How many tokens a revocation ended."""

    device_id = fields.String(required=True)
    revoked = fields.Integer(required=True)
