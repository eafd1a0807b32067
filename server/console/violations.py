"""The violations desk: violations in scope with the rules' decision in one sentence, their
amounts and evidence flags; legal staff select one party's violations and file a case."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response, redirect, render_template, request, url_for
from flask_babel import get_locale, lazy_gettext
from marshmallow import ValidationError, fields, validate

from schemas.cases import CaseCreateSchema
from schemas.common import PageQuerySchema
from schemas.enterprise import DISTRICT_CODE
from server.auth.policy import Actor
from server.cases import filing
from server.cases import violation_desk as desk
from server.console import act_groups
from server.console.refusal import refusal
from server.console.web import bp, load, load_query, page, page_count, submit
from server.errors import DomainError
from server.registry import districts

PER_PAGE = 50
# the query's filters by the labels of the page's inputs (a refused one is named so)
FILTERS = {"district": lazy_gettext("District"), "decision": lazy_gettext("Decision"),
           "in_case": lazy_gettext("In a case"), "enterprise_id": lazy_gettext("Party")}


class DeskQuerySchema(PageQuerySchema):
    """The desk's filters and page."""

    district = fields.String(validate=DISTRICT_CODE)
    decision = fields.String(validate=validate.OneOf(tuple(desk.DECISIONS)))
    in_case = fields.Boolean()
    enterprise_id = fields.UUID()


def _said(row: desk.DeskRow, lang: str) -> dict[str, Any]:
    """The row's decision in force in the user's language (decisions keep zh and en)."""
    decision = row.decision
    result = (decision.result.get(lang) or decision.result.get("zh") or {}) if decision else {}
    return {"row": row, "result": result, "outcome": decision.outcome if decision else None,
            "fined": bool(decision and decision.outcome == "fine"),
            # the rules leave the fine open (undetermined, may waive, awaiting correction)
            "pending": (result.get("penalty") or {}).get("levied", False) is None,
            "amount_fen": (decision.amount_fen if decision.outcome == "fine"
                           else decision.would_be_fen) if decision else None}


def _desk(actor: Actor, form: Mapping[str, Any] | None = None,
          refused: DomainError | ValidationError | None = None) -> Response:
    """The desk page; after a refused filing, the form as typed and why."""
    query = load_query(DeskQuerySchema(), FILTERS)
    filters = desk.DeskFilter(**{k: query.get(k) for k in (
        "district", "decision", "in_case", "enterprise_id")})
    found, total = desk.list_desk(actor, filters, query["page"], PER_PAGE)
    lang = "en" if str(get_locale()).startswith("en") else "zh"
    status, detail, errors = refusal(refused) if refused else (200, None, {})
    body = render_template(
        "console/violations.html", rows=[_said(row, lang) for row in found], query=query,
        total=total, page=query["page"], pages=page_count(total, PER_PAGE),
        decisions=desk.DECISIONS, parties=desk.desk_parties(actor, filters),
        districts=districts.list_districts() if actor.city_wide else [],
        selected=set(form.getlist("violation_ids")) if form else set(),
        act_marks=act_groups.marks(form) if form else {}, act_groups=act_groups.GROUPS,
        values=form or {}, refused=detail, field_errors=errors)
    return Response(body, status=status, mimetype="text/html")


@bp.route("/violations", methods=["GET"], endpoint="violations")
@page("case.create")
def violations_view(actor: Actor) -> Response:
    """Violations in scope, newest first, filtered and paged, with the filing form."""
    return _desk(actor)


@bp.route("/violations/cases", methods=["POST"])
@page("case.create")
def file_case(actor: Actor):
    """File a case (立案) on the selected violations of one party, those marked alike as one
    act, then show it; a refused filing shows the desk again with the selection, the marks and
    the reasons (422/409)."""
    def save() -> Response:
        groups = act_groups.same_act(request.form)
        body = load(CaseCreateSchema(), act_groups.unmarked(request.form),
                    lists=("violation_ids",), extra={"same_act": groups})
        case = filing.file_case(actor, body)
        return redirect(url_for("console.case", case_id=case.id), 303)

    return submit(save, lambda error: _desk(actor, request.form, error))
