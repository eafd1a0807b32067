"""The case page's daily penalty form (按日连续处罚, 环保法 第59条): the rounds typed go through
the API's schema and daily.impose_daily_penalty; a refusal shows the case page again with
what was typed and why, in the user's language. It has as many rows as the API takes rounds:
each "add a round" shows it again with one more."""

from __future__ import annotations

import uuid

from flask import request
from werkzeug.wrappers import Response

from schemas.cases import CaseDailyPenaltySchema
from server.auth.policy import Actor
from server.cases import daily
from server.console import case_daily
from server.console.case_detail import case_page
from server.console.deadline_forms import posted
from server.console.web import bp, page


@bp.route("/cases/<uuid:case_id>/daily-penalties", methods=["POST"])
@page("case.advance")
def case_daily_penalty(actor: Actor, case_id: uuid.UUID) -> Response:
    """Decide the daily penalty of a fined case whose correction was refused; "add a round"
    shows the form again as typed with one row more (no script needed), deciding nothing."""
    if "add_round" in request.form:
        return case_page(actor, case_id, sent={"form": "daily", "adding": True, "status": 200,
                                               "values": request.form})
    return posted(actor, case_id, "daily", CaseDailyPenaltySchema(),
                  daily.impose_daily_penalty, "#daily-penalty",
                  case_daily.daily_body(request.form), case_daily.renamed(request.form))
