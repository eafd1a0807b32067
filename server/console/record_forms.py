"""The case page's forms for an inquiry record (调查询问笔录, with its signature images) and
a statement or defence (陈述申辩): each goes through the API's schema and service; a refusal
shows the case page again with what was typed and why, in the user's language."""

from __future__ import annotations

import uuid
from typing import Any

from flask import redirect, request, url_for
from werkzeug.wrappers import Response

from schemas.case_records import InquiryCreateSchema, StatementCreateSchema
from server.auth.policy import Actor
from server.cases import records
from server.cases import service as case_service
from server.console import case_records, inquiry_form
from server.console.case_detail import refused_form
from server.console.web import bp, page, submit
from server.evidence import received
from server.http import body_limit


@bp.route("/cases/<uuid:case_id>/inquiries", methods=["POST"])
@body_limit("TUS_MAX_SIZE")
@page("case.advance")
def case_inquiry(actor: Actor, case_id: uuid.UUID) -> Response:
    """Record an inquiry: the form is checked by the API's schema, its signature images are
    kept as evidence (as uploads are), then the service records it."""
    case_service.get_case(actor, case_id)  # another district's case is not found (404)
    body = inquiry_form.inquiry_body(request.form)
    names = inquiry_form.renamed(body)

    def save() -> Response:
        records.check_officers(body["inspector_ids"])  # the law's two, as the service says
        InquiryCreateSchema().load(body)  # what is missing or malformed, before any image
        files = inquiry_form.images(body, request.files)
        digests = received.keep_images(actor, files, "signature", case_records.image_limit(),
                                       "console.case_inquiry")
        data: dict[str, Any] = InquiryCreateSchema().load(
            inquiry_form.signed_with(body, digests))
        records.record_inquiry(actor, case_id, data.pop("version"), data)
        return redirect(url_for("console.case", case_id=case_id) + "#inquiries", 303)

    return submit(save, lambda error: refused_form(actor, case_id, "inquiry", error, names))


@bp.route("/cases/<uuid:case_id>/statements", methods=["POST"])
@page("case.advance")
def case_statement(actor: Actor, case_id: uuid.UUID) -> Response:
    """Record the party's statement or defence and its review through the service."""
    def save() -> Response:
        data = StatementCreateSchema().load(inquiry_form.statement_body(request.form))
        records.record_statement(actor, case_id, data.pop("version"), data)
        return redirect(url_for("console.case", case_id=case_id) + "#statements", 303)

    return submit(save, lambda error: refused_form(actor, case_id, "statement", error))
