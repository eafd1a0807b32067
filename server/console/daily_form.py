"""The case page's daily penalty form (按日连续处罚, 环保法 第59条): the rounds typed go through
the API's schema and daily.impose_daily_penalty; a refusal shows the case page again with
what was typed and why, in the user's language."""

from __future__ import annotations

import uuid

from flask import request
from werkzeug.wrappers import Response

from schemas.cases import CaseDailyPenaltySchema
from server.auth.policy import Actor
from server.cases import daily
from server.console import case_daily
from server.console.deadline_forms import posted
from server.console.web import bp, page


@bp.route("/cases/<uuid:case_id>/daily-penalties", methods=["POST"])
@page("case.advance")
def case_daily_penalty(actor: Actor, case_id: uuid.UUID) -> Response:
    """Decide the daily penalty of a fined case whose correction was refused."""
    return posted(actor, case_id, "daily", CaseDailyPenaltySchema(),
                  daily.impose_daily_penalty, "#daily-penalty",
                  case_daily.daily_body(request.form), case_daily.renamed(request.form))
