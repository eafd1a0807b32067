"""The case page's facts form: legal staff record what the rules could not establish about
a violation of the case (及时改正, 危害后果, …); the violation service re-decides it and the
case follows. A refusal shows the case page again with the form as typed and why."""

from __future__ import annotations

import uuid

from flask import redirect, request, url_for
from flask_babel import gettext
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from schemas.fieldwork import ViolationFields, ViolationUpdateSchema
from server.auth.policy import Actor
from server.cases import service as case_service
from server.console import discretion_form, fact_form, mitigation_form
from server.console.case_detail import case_page
from server.console.refusal import refusal
from server.console.web import bp, page, submit
from server.errors import Conflict, DomainError, NotFound, VersionConflict
from server.fieldwork import violations


def _said(error: DomainError | ValidationError, renamed: dict[str, str],
          ) -> tuple[int, str, dict[str, list[str]]]:
    """The refusal in the user's language: the violation service's version refusal (and
    any other conflict without one) carries no message key; the case lock says its key."""
    if isinstance(error, VersionConflict):
        return 409, gettext("Someone changed this violation meanwhile: nothing was saved. "
                            "Reload the page to see its facts as they are now."), {}
    if isinstance(error, Conflict) and error.message is None:
        return 409, gettext("The case's decision has issued or the case is archived: its "
                            "violations can no longer be changed."), {}
    return refusal(error, renamed)


@bp.route("/cases/<uuid:case_id>/violations/<uuid:violation_id>/facts", methods=["POST"])
@page("case.advance")
def violation_facts(actor: Actor, case_id: uuid.UUID, violation_id: uuid.UUID) -> Response:
    """Record a violation's facts, discretion grades, fine bases and grounds for a lighter
    penalty (处罚法 第32条) through the API's schema and the violation service."""
    case = case_service.get_case(actor, case_id)  # another district's case is not found
    if violation_id not in {link.violation_id for link in case_service.case_links(case)}:
        raise NotFound("No such violation in this case.")
    found = violations.get_violation(actor, violation_id)
    shown = discretion_form.offered(found.code, found.occurred_on, "zh")
    grounds = mitigation_form.offered(found.occurred_on, found.mitigation or [], "zh")

    def save() -> Response:
        data = ViolationUpdateSchema(partial=tuple(ViolationFields().fields)).load(
            {"version": request.form.get("version"), "facts": fact_form.facts_body(request.form),
             **discretion_form.changes(request.form, shown, found.factors or {},
                                       found.bases or {}),
             **mitigation_form.changes(request.form, grounds)})
        violations.update_violation(actor, violation_id, data["version"], {
            k: data[k] for k in ("facts", "factors", "bases", "mitigation") if k in data})
        return redirect(url_for("console.case", case_id=case_id)
                        + f"#violation-{violation_id}", 303)

    def again(error: DomainError | ValidationError) -> Response:
        status, detail, errors = _said(error, discretion_form.renamed(shown) | fact_form.RENAMED)
        return case_page(actor, case_id, sent={
            "form": f"facts-{violation_id}", "status": status, "refused": detail,
            "errors": errors, "values": request.form})

    return submit(save, again)
