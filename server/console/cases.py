"""The legal staff's case desk: cases with state and a badge for the next deadline."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import gettext, lazy_gettext

from schemas.cases import CaseListQuerySchema
from server.auth.policy import Actor
from server.cases import procedure
from server.cases import service as case_service
from server.console.web import bp, load_query, page, page_count
from server.registry import service as registry

PER_PAGE = 50
# the query's filters by the labels of the page's inputs (a refused one is named so)
FILTERS = {"due_within": lazy_gettext("Deadline within (days)"), "state": lazy_gettext("State"),
           "enterprise_id": lazy_gettext("Party")}


def next_deadline(case: Any) -> dict[str, Any] | None:
    """The case's next open deadline, its days left counted in its own kind (working or
    calendar days), as the due-within filter counts them."""
    open_ = [d for d in case_service.deadline_badges(case) if d["status"] == "open"]
    return min(open_, key=lambda d: d["due"]) if open_ else None


def due_text(deadline: dict[str, Any] | None) -> str:
    """The days left (or overdue) of a deadline, in its own kind of days."""
    if deadline is None:
        return "—"
    days = deadline["days_left"]
    if deadline["kind"] == "working":
        return gettext("%(n)s working days overdue", n=-days) if days < 0 else gettext(
            "%(n)s working days", n=days)
    return gettext("%(n)s days overdue", n=-days) if days < 0 else gettext("%(n)s days", n=days)


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
    query = load_query(CaseListQuerySchema(), FILTERS)
    found, total = case_service.list_cases(actor, query, query["page"], PER_PAGE)
    rows = []
    names: dict = {}
    for case in found:
        if case.enterprise_id not in names:
            names[case.enterprise_id] = registry.party_of(case.enterprise_id).name
        due, open_ = next_deadline(case), case_service.open_period(case)
        rows.append({"case": case, "party": names[case.enterprise_id], "due": due,
                     "suspended": open_.kind if open_ else None,
                     "due_text": due_text(due),
                     "badge": due_badge(due["days_left"] if due else None)})
    return render_template("console/cases.html", rows=rows, query=query,
                           states=procedure.STATES, total=total, page=query["page"],
                           pages=page_count(total, PER_PAGE))
