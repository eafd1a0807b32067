"""HTTP: statistics (/api/v1/reports/summary, with .csv and .xlsx downloads)."""

from __future__ import annotations

from flask import Response

from schemas.reports import ReportQuerySchema, ReportSummarySchema
from server.apidoc import ApiBlueprint
from server.reports import service

blp = ApiBlueprint("reports", __name__, url_prefix="/api/v1",
                   description="Statistics: cases, decisions, fines, waivers, daily penalties")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(data: bytes, mimetype: str, query: dict, ext: str) -> Response:
    name = f"summary_{query.get('from') or ''}_{query.get('to') or ''}.{ext}".replace("__", "_")
    return Response(data, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@blp.route("/reports/summary", methods=["GET"])
@blp.arguments(ReportQuerySchema, location="query")
@blp.response(200, ReportSummarySchema)
@blp.problem(404, "District outside your scope")
@blp.problem(422, "Bad period, district or code")
@blp.secured
def summary(actor, query: dict):
    """Cases filed, decisions, fines, waived cases and the amount not levied, daily penalties,
    with the year-on-year change, for a period, district and violation type."""
    return service.as_json(*service.summary(actor, query))


@blp.route("/reports/summary.csv", methods=["GET"])
@blp.arguments(ReportQuerySchema, location="query")
@blp.response(200, content_type="text/csv", description="UTF-8 CSV (with BOM)")
@blp.problem(404, "District outside your scope")
@blp.secured
def summary_csv(actor, query: dict):
    """The summary as a CSV table (amounts in yuan)."""
    found, _scope = service.summary(actor, query)
    return _download(service.as_csv(found), "text/csv; charset=utf-8", query, "csv")


@blp.route("/reports/summary.xlsx", methods=["GET"])
@blp.arguments(ReportQuerySchema, location="query")
@blp.response(200, content_type=XLSX, description="An XLSX workbook")
@blp.problem(404, "District outside your scope")
@blp.secured
def summary_xlsx(actor, query: dict):
    """The summary as an XLSX workbook (amounts in yuan)."""
    found, _scope = service.summary(actor, query)
    return _download(service.as_xlsx(found), XLSX, query, "xlsx")
