"""The case page's deadline forms: an approved extension of the decision deadline, a period
excluded from it (open while the case is suspended) and the end of an open suspension, each
through the API's schema and service (steps.extend, steps.suspend, steps.end_suspension);
a refusal shows the case page again with what was typed and why, in the user's language."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from flask import redirect, request, url_for
from marshmallow import Schema
from werkzeug.wrappers import Response

from schemas.cases import CaseExtensionSchema, CaseSuspensionEndSchema, CaseSuspensionSchema
from server.auth.policy import Actor
from server.cases import service as case_service
from server.cases import steps
from server.console.case_detail import refused_form
from server.console.web import bp, load, page, submit

Record = Callable[[Actor, uuid.UUID, int, dict[str, Any]], Any]


def posted(actor: Actor, case_id: uuid.UUID, form: str, schema: Schema, record: Record,
           anchor: str, body: Mapping[str, Any] | None = None,
           names: Mapping[str, str] | None = None) -> Response:
    """Load the case page's `form` (or the `body` read from it) with the API's `schema` and
    `record` it (the service the API calls); back to the case page at `anchor`, or the page
    with the form refused (a refusal's field `names` as the form's inputs)."""
    case_service.get_case(actor, case_id)  # another district's case is not found (404)

    def save() -> Response:
        data = load(schema, request.form if body is None else body)
        record(actor, case_id, data.pop("version"), data)
        return redirect(url_for("console.case", case_id=case_id) + anchor, 303)

    return submit(save, lambda error: refused_form(actor, case_id, form, error, names))


@bp.route("/cases/<uuid:case_id>/extensions", methods=["POST"])
@page("case.extend")
def case_extension(actor: Actor, case_id: uuid.UUID) -> Response:
    """Approve an extension of the 90-day decision deadline (+30, then ≤ +30 collectively)."""
    return posted(actor, case_id, "extension", CaseExtensionSchema(), steps.extend,
                  "#deadlines")


@bp.route("/cases/<uuid:case_id>/suspensions", methods=["POST"])
@page("case.advance")
def case_suspension(actor: Actor, case_id: uuid.UUID) -> Response:
    """Record a testing, appraisal or suspension period excluded from the decision deadline."""
    return posted(actor, case_id, "suspension", CaseSuspensionSchema(), steps.suspend,
                  "#deadlines")


@bp.route("/cases/<uuid:case_id>/suspensions/end", methods=["POST"])
@page("case.advance")
def case_suspension_end(actor: Actor, case_id: uuid.UUID) -> Response:
    """Record the end of the case's open suspension: the decision deadline runs again."""
    return posted(actor, case_id, "suspension_end", CaseSuspensionEndSchema(),
                  steps.end_suspension, "#deadlines")
