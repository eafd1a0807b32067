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


# The figures by name (server/reports/figures.py METRICS) and what each counts.
FIGURES = {
    "cases_filed": "cases filed (立案)",
    "decisions": "penalty decisions with a fine (处罚决定)",
    "fines_fen": "fines decided",
    "not_penalised_decisions": "decisions not to penalise (不予行政处罚决定)",
    "waived_cases": "cases with an act waived under the minor-offence list (免罚清单), fined "
                    "cases included",
    "waived_acts": "acts waived under the minor-offence list",
    "not_levied_fen": "the fines the rules would have given the acts the list waived",
    "minor_cases": "cases with a minor act corrected without harm not penalised outside the "
                   "list (处罚法 第33条第1款)",
    "minor_fen": "the fines the rules would have given those acts",
    "first_offence_cases": "cases with a first offence of minor harm corrected in time not "
                           "fined (处罚法 第33条第1款)",
    "first_offence_fen": "the fines the rules would have given those acts",
    "no_fault_cases": "cases with an act not penalised for no fault (处罚法 第33条第2款)",
    "no_fault_fen": "the fines the rules would have given those acts",
    "time_barred_cases": "cases with an act not penalised as time-barred (处罚法 第36条)",
    "time_barred_fen": "the fines the rules would have given those acts",
    "daily_penalty_cases": "daily continuous penalties decided (环保法 第59条)",
    "daily_penalty_fen": "daily continuous penalties",
}

ReportFiguresSchema = Schema.from_dict(
    {name: fields.Integer(required=True, metadata={"description": text + (
        " (fen)" if name.endswith("_fen") else "")}) for name, text in FIGURES.items()},
    name="ReportFiguresSchema")
ReportFiguresSchema.__doc__ = "Counts and amounts (fen) of a period."

ReportChangeSchema = Schema.from_dict(
    {name: fields.Float(allow_none=True) for name in FIGURES}, name="ReportChangeSchema")
ReportChangeSchema.__doc__ = "Year-on-year change in % (null when the year before had nothing)."


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
