"""The legal staff's case desk: cases with state and a badge for the next deadline."""

from __future__ import annotations

from flask import render_template, request

from schemas.cases import CaseListQuerySchema
from server import clock
from server.auth.policy import Actor
from server.cases import procedure
from server.cases import service as case_service
from server.console.web import bp, load, page
from server.errors import NotFound
from server.registry import service as registry
from server.workdays import working_days_between

PER_PAGE = 50


def due_badge(days: int | None) -> str:
    """The badge class of a deadline so many working days away (negative: overdue)."""
    if days is None:
        return "badge-muted"
    if days < 0:
        return "badge-bad"
    return "badge-warn" if days <= 3 else "badge-ok"


@bp.route("/cases", methods=["GET"], endpoint="cases")
@page("case.read")
def cases_view(actor: Actor) -> str:
    """Cases in scope, filtered by state or by a deadline due within N days, and paged."""
    query = load(CaseListQuerySchema(), request.args)
    found, total = case_service.list_cases(actor, query, query["page"], PER_PAGE)
    today = clock.today_shanghai()
    rows = []
    names: dict = {}
    for case in found:
        if case.enterprise_id not in names:
            try:
                names[case.enterprise_id] = registry.get_enterprise(actor, case.enterprise_id).name
            except NotFound:
                names[case.enterprise_id] = "—"
        days = (working_days_between(today, case.next_due_on)
                if case.next_due_on is not None else None)
        rows.append({"case": case, "party": names[case.enterprise_id], "due_days": days,
                     "badge": due_badge(days)})
    return render_template("console/cases.html", rows=rows, query=query,
                           states=procedure.STATES, total=total, page=query["page"],
                           pages=max(1, -(-total // PER_PAGE)))
