"""HTTP: penalty cases (/api/v1/cases): filing, procedure steps, deadlines."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response

from schemas.case_records import (
    InquiryCreateSchema,
    InquirySchema,
    StatementCreateSchema,
    StatementSchema,
)
from schemas.cases import (
    CaseCreateSchema,
    CaseDailyPenaltySchema,
    CaseDocumentQuerySchema,
    CaseExtensionSchema,
    CaseListQuerySchema,
    CasePageSchema,
    CaseSchema,
    CaseSuspensionEndSchema,
    CaseSuspensionSchema,
    CaseTransitionSchema,
)
from server.apidoc import ApiBlueprint
from server.cases import (
    caseview,
    daily,
    documents,
    filing,
    follow,  # noqa: F401 - its listener: open cases follow their violations
    procedure,
    records,
    service,
    steps,
)
from server.cases.models import Case

blp = ApiBlueprint("cases", __name__, url_prefix="/api/v1",
                   description="Penalty cases (行政处罚案件): procedure, numbers, deadlines")

COLUMNS = ("id", "filing_number", "decision_number", "district", "enterprise_id", "party_type",
           "state", "version", "discovered_on", "filed_on", "complex", "acts", "proposed_fen",
           "would_be_fen", "intended_fen", "fine_fen", "surcharge_fen", "paid_fen", "notice_on",
           "hearing_on", "decided_on", "served_on", "paid_on", "closed_on", "archived_on",
           "archive_sha256", "steps", "extensions", "suspensions", "next_due_on", "daily_penalty",
           "daily_penalty_fen", "created_at", "updated_at")


def _case(case: Case, *, with_history: bool = False) -> dict[str, Any]:
    data = {k: getattr(case, k) for k in COLUMNS}
    amount = case.intended_fen if case.intended_fen is not None else case.proposed_fen
    data["allowed_transitions"] = list(procedure.next_states(case.state,
                                                             case.fine_fen is not None))
    threshold = service.hearing(case)
    data["legal_review_required"] = procedure.legal_review_required(
        amount, threshold, case.complex)
    data["hearing_eligible"] = procedure.hearing_eligible(amount, threshold)
    data["hearing_offered"] = procedure.hearing_offered(amount, threshold)
    data["hearing_threshold"] = None if threshold is None else {
        "min_fen": threshold.min_fen, "verified": threshold.verified}
    data["violations"] = service.case_links(case)
    found = caseview.fine_range(case, data["violations"])
    data["statutory_range_fen"] = list(found) if found else None
    data["suspended_since"] = service.suspended_since(case)
    data["deadlines"] = service.deadline_badges(case)
    data["payment"] = service.payment_today(case)
    if with_history:
        data["history"] = service.history(case)
    return data


@blp.route("/cases", methods=["POST"])
@blp.arguments(CaseCreateSchema)
@blp.response(201, CaseSchema)
@blp.problem(404, "A violation is unknown or outside your scope")
@blp.problem(409, "A violation is already in a case")
@blp.problem(422, "Violations of several parties, bad act groups, or filed late without reason")
@blp.secured
def file_case(actor, body: dict):
    """File a case (立案) on one party's violations; the filing number is issued."""
    return _case(filing.file_case(actor, body), with_history=True)


@blp.route("/cases", methods=["GET"])
@blp.list_arguments(CaseListQuerySchema)
@blp.response(200, CasePageSchema)
@blp.secured
def list_cases(actor, query: dict):
    """A page of the cases in your scope; `due_within=N`: an open deadline ends within N days
    of its kind (working days for service and the party's reply), or is overdue."""
    items, total = service.list_cases(actor, query, query["page"], query["per_page"])
    return {"items": [_case(c) for c in items], "total": total, "page": query["page"],
            "per_page": query["per_page"]}


@blp.route("/cases/<uuid:case_id>", methods=["GET"])
@blp.response(200, CaseSchema)
@blp.problem(404, "Unknown or outside your scope")
@blp.secured
def get_case(actor, case_id: uuid.UUID):
    """One case with its deadlines and history."""
    return _case(service.get_case(actor, case_id), with_history=True)


@blp.route("/cases/<uuid:case_id>/transitions", methods=["POST"])
@blp.arguments(CaseTransitionSchema)
@blp.response(200, CaseSchema)
@blp.problem(404, "Unknown or outside your scope")
@blp.problem(409, "Stale version, archived, or a precondition of the step does not hold")
@blp.problem(422, "The step lacks fields it needs")
@blp.secured
def transition(actor, body: dict, case_id: uuid.UUID):
    """Move the case one step of the procedure."""
    version, to = body.pop("version"), body.pop("to")
    return _case(steps.move(actor, case_id, version, to, body), with_history=True)


@blp.route("/cases/<uuid:case_id>/extensions", methods=["POST"])
@blp.arguments(CaseExtensionSchema)
@blp.response(200, CaseSchema)
@blp.problem(404, "Unknown or outside your scope")
@blp.problem(409, "Stale version, archived, decided, or already extended twice")
@blp.secured
def extend(actor, body: dict, case_id: uuid.UUID):
    """Approve an extension of the 90-day decision deadline (+30, then ≤ +30 collectively)."""
    return _case(steps.extend(actor, case_id, body.pop("version"), body), with_history=True)


@blp.route("/cases/<uuid:case_id>/suspensions", methods=["POST"])
@blp.arguments(CaseSuspensionSchema)
@blp.response(200, CaseSchema)
@blp.problem(404, "Unknown or outside your scope")
@blp.problem(409, "Stale version, archived, decided, or a suspension is already open")
@blp.problem(422, "The period lies outside the case")
@blp.secured
def suspend(actor, body: dict, case_id: uuid.UUID):
    """Record a testing, appraisal or suspension period excluded from the decision deadline;
    without `end`, the case is suspended from `start` until its end is recorded."""
    return _case(steps.suspend(actor, case_id, body.pop("version"), body), with_history=True)


@blp.route("/cases/<uuid:case_id>/suspensions/end", methods=["POST"])
@blp.arguments(CaseSuspensionEndSchema)
@blp.response(200, CaseSchema)
@blp.problem(404, "Unknown or outside your scope")
@blp.problem(409, "Stale version, archived, or no suspension is open")
@blp.problem(422, "The end lies before the start or after today")
@blp.secured
def end_suspension(actor, body: dict, case_id: uuid.UUID):
    """Record the end of the open suspension: the decision deadline runs again."""
    return _case(steps.end_suspension(actor, case_id, body.pop("version"), body),
                 with_history=True)


@blp.route("/cases/<uuid:case_id>/daily-penalties", methods=["POST"])
@blp.arguments(CaseDailyPenaltySchema)
@blp.response(200, CaseSchema)
@blp.problem(404, "Unknown or outside your scope")
@blp.problem(409, "No fine decided, already decided, or no provision allows it")
@blp.problem(422, "Impossible rounds")
@blp.secured
def impose_daily_penalty(actor, body: dict, case_id: uuid.UUID):
    """Decide the daily continuous penalty (按日连续处罚) after a refused correction."""
    return _case(daily.impose_daily_penalty(actor, case_id, body.pop("version"), body),
                 with_history=True)


@blp.route("/cases/<uuid:case_id>/inquiries", methods=["POST"])
@blp.arguments(InquiryCreateSchema)
@blp.response(201, InquirySchema)
@blp.problem(404, "Unknown or outside your scope")
@blp.problem(409, "Stale version, archived or already decided")
@blp.problem(422, "Fewer than two certified officers, recorder not an officer, bad times or ID")
@blp.secured
def record_inquiry(actor, body: dict, case_id: uuid.UUID):
    """Add an inquiry record (调查询问笔录): interviewee, officers, questions and answers."""
    return records.record_inquiry(actor, case_id, body.pop("version"), body)[1]


@blp.route("/cases/<uuid:case_id>/inquiries", methods=["GET"])
@blp.response(200, InquirySchema(many=True))
@blp.problem(404, "Unknown or outside your scope")
@blp.secured
def list_inquiries(actor, case_id: uuid.UUID):
    """The case's inquiry records, oldest first."""
    return records.inquiries(service.get_case(actor, case_id))


@blp.route("/cases/<uuid:case_id>/statements", methods=["POST"])
@blp.arguments(StatementCreateSchema)
@blp.response(201, StatementSchema)
@blp.problem(404, "Unknown or outside your scope")
@blp.problem(409, "Stale version, not in the notice period, or outside the 5 working days")
@blp.problem(422, "Missing content, review or reasoning")
@blp.secured
def record_statement(actor, body: dict, case_id: uuid.UUID):
    """Record the party's statement or defence (陈述申辩) and whether it is adopted, and why."""
    return records.record_statement(actor, case_id, body.pop("version"), body)[1]


@blp.route("/cases/<uuid:case_id>/statements", methods=["GET"])
@blp.response(200, StatementSchema(many=True))
@blp.problem(404, "Unknown or outside your scope")
@blp.secured
def list_statements(actor, case_id: uuid.UUID):
    """The party's statements with the bureau's review, oldest first."""
    return records.statements(service.get_case(actor, case_id))


@blp.route("/cases/<uuid:case_id>/documents/<string:form>", methods=["GET"])
@blp.arguments(CaseDocumentQuerySchema, location="query")
@blp.response(200, content_type="application/pdf",
              description="The document as A4 PDF (or DOCX with format=docx)")
@blp.problem(404, "Unknown case or form, or outside your scope")
@blp.problem(409, "The case has not reached the step of this document")
@blp.problem(503, "The CJK font is not installed")
@blp.secured
def case_document(actor, query: dict, case_id: uuid.UUID, form: str):
    """A standard document (立案审批表 … 结案审批表) filled from the case."""
    data, names = documents.render_document(actor, case_id, form, query["format"])
    return Response(data, mimetype=documents.FORMATS[query["format"]],
                    headers={"Content-Disposition": f"attachment; {names}"})
