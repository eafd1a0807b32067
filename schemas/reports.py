"""Statistics: the query of a summary and the figures it returns."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from schemas.common import Day


class ReportQuerySchema(Schema):
    """Period (inclusive legal dates), district and violation code."""

    from_ = Day(data_key="from", attribute="from", load_default=None)
    to = Day(load_default=None)
    district = fields.String(load_default=None, validate=validate.Regexp(r"^31\d{4}$"))
    code = fields.String(load_default=None, validate=validate.Length(min=1, max=40))


class ReportFiguresSchema(Schema):
    """Counts and amounts (fen) of a period."""

    cases_filed = fields.Integer(required=True)
    decisions = fields.Integer(required=True)
    fines_fen = fields.Integer(required=True)
    waived_cases = fields.Integer(required=True)
    not_levied_fen = fields.Integer(required=True)
    daily_penalty_cases = fields.Integer(required=True)
    daily_penalty_fen = fields.Integer(required=True)


class ReportChangeSchema(Schema):
    """Year-on-year change in % (null when the year before had nothing)."""

    cases_filed = fields.Float(allow_none=True)
    decisions = fields.Float(allow_none=True)
    fines_fen = fields.Float(allow_none=True)
    waived_cases = fields.Float(allow_none=True)
    not_levied_fen = fields.Float(allow_none=True)
    daily_penalty_cases = fields.Float(allow_none=True)
    daily_penalty_fen = fields.Float(allow_none=True)


class ReportDistrictSchema(ReportFiguresSchema):
    """The figures of one district."""

    district = fields.String(required=True)
    name = fields.String(allow_none=True)


class ReportCodeSchema(ReportFiguresSchema):
    """The figures of one violation type (a case counts under each of its types)."""

    code = fields.String(required=True)


class ReportPeriodSchema(Schema):
    """Inclusive legal dates."""

    from_ = Day(data_key="from", attribute="from", required=True)
    to = Day(required=True)


class ReportSummarySchema(Schema):
    """The bureau's figures for a period, with the same period a year earlier."""

    from_ = Day(data_key="from", attribute="from", required=True)
    to = Day(required=True)
    district = fields.String(allow_none=True)
    code = fields.String(allow_none=True)
    current = fields.Nested(ReportFiguresSchema, required=True)
    previous_year = fields.Nested(ReportFiguresSchema, required=True)
    previous_period = fields.Nested(ReportPeriodSchema, required=True)
    change_pct = fields.Nested(ReportChangeSchema, required=True)
    by_district = fields.List(fields.Nested(ReportDistrictSchema), required=True)
    by_code = fields.List(fields.Nested(ReportCodeSchema), required=True)
