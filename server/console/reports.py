"""Statistics with server-rendered SVG charts and the XLSX download."""

from __future__ import annotations

from flask import Response, render_template
from flask_babel import gettext, lazy_gettext

from schemas.reports import ReportQuerySchema
from server.auth.policy import Actor
from server.console.charts import grouped_bars
from server.console.web import bp, load_query, page
from server.disposition import attachment
from server.registry import districts
from server.reports import service
from server.reports.figures import METRICS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COUNTS = ("cases_filed", "decisions", "not_penalised_decisions", "waived_cases",
          "daily_penalty_cases")
AMOUNTS = ("fines_fen", "not_levied_fen", "daily_penalty_fen")
# the query's filters by the labels of the page's inputs (a refused one is named so)
FILTERS = {"from": lazy_gettext("From"), "to": lazy_gettext("To"),
           "district": lazy_gettext("District"), "code": lazy_gettext("Violation code")}


@bp.route("/reports", methods=["GET"])
@page("report.read")
def reports(actor: Actor) -> str:
    """The figures of a period against the same period a year earlier, as tables and charts."""
    query = load_query(ReportQuerySchema(), FILTERS)
    found, scope = service.summary(actor, query)
    now, before = found.current.as_dict(), found.previous_year.as_dict()
    counts = grouped_bars([(m, (now[m], before[m])) for m in COUNTS], ("now", "before"))
    amounts = grouped_bars([(m, (now[m] / 100, before[m] / 100)) for m in AMOUNTS],
                           ("now", "before"))
    by_district = grouped_bars(
        [(code, (f.cases_filed, f.decisions)) for code, f in sorted(found.by_district.items())],
        ("cases_filed", "decisions"), width=900)
    return render_template("console/reports.html", found=found, scope=scope, query=query,
                           now=now, before=before, change=found.change_pct(), metrics=METRICS,
                           counts=counts, amounts=amounts, by_district=by_district,
                           districts=districts.in_scope(actor))


@bp.route("/reports.xlsx", methods=["GET"])
@page("report.read")
def reports_xlsx(actor: Actor) -> Response:
    """The same figures as an XLSX workbook (amounts in yuan)."""
    query = load_query(ReportQuerySchema(), FILTERS)
    found, _ = service.summary(actor, query)
    period = f"{found.period.start}_{found.period.end}"
    named = gettext("Enforcement statistics") + f"_{period}.xlsx"
    return Response(service.as_xlsx(found), mimetype=XLSX, headers={
        "Content-Disposition": attachment(named, f"summary_{period}.xlsx")})
