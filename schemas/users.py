"""User accounts as administrators maintain them (never a password hash or a token)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from schemas.common import Day, Moment, PageQuerySchema, PageSchema
from schemas.enterprise import DISTRICT_CODE

ROLES = ("inspector", "supervisor", "legal", "admin")
ROLE = validate.OneOf(ROLES)
GENERATED = ("Shown once, only in this response: the server keeps no copy (a replay of the "
             "request with the same Idempotency-Key answers null). Null when you chose it.")


# the username validator's message (the console says it in its language: schema_messages)
USERNAME_CHARACTERS = "1-80 letters, digits, '.', '_' or '-'"


def _username(value: str) -> None:
    if not value.replace("_", "").replace(".", "").replace("-", "").isalnum():
        raise ValidationError(USERNAME_CHARACTERS)


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("must not be blank")


class AccountFields(Schema):
    """What an administrator sets on an account."""

    display_name = fields.String(validate=[validate.Length(min=1, max=120), _not_blank])
    role = fields.String(validate=ROLE)
    district = fields.String(validate=DISTRICT_CODE,
                             metadata={"description": "District code, or 310000 for the city"})
    certificate_no = fields.String(allow_none=True,
                                   validate=[validate.Length(min=1, max=40), _not_blank],
                                   metadata={"description": "Enforcement certificate (执法证号); "
                                                            "inspectors must have one"})
    certificate_expires = Day(allow_none=True)


class UserCreateSchema(AccountFields):
    """Body of POST /users; without `password` the server generates one."""

    username = fields.String(required=True, validate=[validate.Length(min=1, max=80), _username])
    role = fields.String(required=True, validate=ROLE)
    district = fields.String(required=True, validate=DISTRICT_CODE)
    password = fields.String(load_only=True, validate=validate.Length(min=1, max=1024),
                             metadata={"description": "At least 12 characters, no leading or "
                                                      "trailing space; omit to have one "
                                                      "generated"})


class UserUpdateSchema(AccountFields):
    """Body of PATCH /users/<id>: any subset of the fields plus the version read. A disable, a
    role change or a district move ends every token the user holds."""

    active = fields.Boolean(metadata={"description": "false disables the account"})
    version = fields.Integer(required=True, validate=validate.Range(min=1),
                             metadata={"description": "The version you read (optimistic lock)"})


class PasswordResetRequestSchema(Schema):
    """Body of POST /users/<id>/password: a chosen password, or none to have one generated."""

    password = fields.String(load_only=True, validate=validate.Length(min=1, max=1024),
                             metadata={"description": "At least 12 characters, no leading or "
                                                      "trailing space"})


class UserAccountSchema(Schema):
    """An account as administrators and supervisors read it."""

    id = fields.UUID(required=True)
    username = fields.String(required=True)
    display_name = fields.String(required=True)
    role = fields.String(required=True)
    district = fields.String(required=True)
    certificate_no = fields.String(required=True, allow_none=True)
    certificate_expires = Day(required=True, allow_none=True)
    active = fields.Boolean(required=True)
    password_must_change = fields.Boolean(
        required=True, metadata={"description": "The password was set by an administrator "
                                                "and its user has not yet chosen their own"})
    version = fields.Integer(required=True)
    created_at = Moment(required=True)


class UserCreatedSchema(UserAccountSchema):
    """The account just created, with its generated password."""

    generated_password = fields.String(required=True, allow_none=True,
                                       metadata={"description": GENERATED})


class PasswordResetSchema(Schema):
    """What a password reset did."""

    id = fields.UUID(required=True)
    generated_password = fields.String(required=True, allow_none=True,
                                       metadata={"description": GENERATED})
    revoked_tokens = fields.Integer(required=True,
                                    metadata={"description": "Live tokens the reset ended"})


class UserListQuerySchema(PageQuerySchema):
    """Filters of GET /users."""

    role = fields.String(validate=ROLE)
    district = fields.String(validate=DISTRICT_CODE)
    active = fields.Boolean()
    name = fields.String(validate=validate.Length(min=1, max=80),
                         metadata={"description": "Username or display name contains "
                                                  "(case-insensitive)"})


class UserPageSchema(PageSchema):
    """A page of accounts."""

    items = fields.List(fields.Nested(UserAccountSchema), required=True)
