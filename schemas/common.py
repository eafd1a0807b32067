"""Shapes shared by every endpoint: problems, pagination, dates within a working range."""

from __future__ import annotations

from typing import Any

from marshmallow import INCLUDE, Schema, ValidationError, fields, validate

# Dates a request may carry: wide enough for any record of the bureau, and far enough from
# years 1 and 9999 that the date arithmetic of deadlines, terms and time zones cannot overflow.
FIRST_YEAR, LAST_YEAR = 1900, 2999


def _in_years(value: Any) -> bool:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(f"must be in the years {FIRST_YEAR} to {LAST_YEAR}.")
    return True


class Day(fields.Date):
    """An ISO 8601 date in the years FIRST_YEAR to LAST_YEAR."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.validators.insert(0, _in_years)


class Moment(fields.DateTime):
    """An ISO 8601 date-time in the years FIRST_YEAR to LAST_YEAR."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.validators.insert(0, _in_years)


class AwareMoment(fields.AwareDateTime):
    """An ISO 8601 date-time with its UTC offset, in the years FIRST_YEAR to LAST_YEAR."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.validators.insert(0, _in_years)


def check_signed_or_refused(data: dict[str, Any]) -> None:
    """A signature image, or a refusal to sign noted with its reason and no image (SPC evidence
    rules Art. 15); a reason of only spaces is none."""
    if data["refused"]:
        if not (data.get("refusal_reason") or "").strip():
            raise ValidationError("a refusal to sign needs its reason", "refusal_reason")
        if data.get("evidence_sha256"):
            raise ValidationError("a refused signature has no image", "evidence_sha256")
    elif not data.get("evidence_sha256"):
        raise ValidationError("the signature image (evidence sha256) is missing",
                              "evidence_sha256")


class ProblemSchema(Schema):
    """An RFC 9457 problem details object; it may carry extension members (RFC 9457 §3.2)."""

    class Meta:
        unknown = INCLUDE  # described as additionalProperties: true

    type = fields.String(required=True, metadata={"description": "Stable problem type URI"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    instance = fields.String(allow_none=True)
    errors = fields.Dict(
        metadata={"description": "Field-level messages keyed by field name (validation)"}
    )
    error_id = fields.String(metadata={"description": "Log reference of an internal error"})
    current_version = fields.Integer(
        metadata={"description": "The record's version now (on a version conflict)"})


class PageQuerySchema(Schema):
    """Page selection for list endpoints."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class PageSchema(Schema):
    """The envelope of a list response."""

    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
