"""Use cases of a case's own records: inquiry records (调查询问笔录) and statements (陈述申辩)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import func, select

from server import clock
from server.audit import service as audit
from server.auth.policy import Actor
from server.cases import procedure, service
from server.cases.models import Case, CaseInquiry, CaseStatement
from server.clock import SHANGHAI
from server.db_types import json_safe
from server.errors import Conflict, ValidationFailed
from server.extensions import db
from server.fieldwork import inspections
from server.uow import unit_of_work

MIN_OFFICERS = 2  # 处罚法 第42条: at least two certified officers
STATEMENT_STATES = ("notified", "hearing")
ADOPTED = ("accepted", "partly", "rejected")


def _next_seq(model: type[CaseInquiry] | type[CaseStatement], case_id: uuid.UUID) -> int:
    return (db.session.scalar(select(func.max(model.seq)).where(model.case_id == case_id))
            or 0) + 1


def _bump(case: Case) -> None:
    case.version += 1
    case.updated_at = clock.utcnow()


def record_inquiry(actor: Actor, case_id: uuid.UUID, version: int,
                   data: dict[str, Any]) -> tuple[Case, CaseInquiry]:
    """Add a signed (or refused) inquiry record to a case under investigation."""
    with unit_of_work() as session:
        case = service.writable(actor, case_id, version, "case.advance")
        if case.state in procedure.DECIDED:
            raise Conflict(f"The case is {case.state}: the investigation is over, inquiries are "
                           "recorded before the decision.")
        started, ended = data["started_at"], data["ended_at"]
        day = started.astimezone(SHANGHAI).date()
        if ended < started:
            raise ValidationFailed("The inquiry ends before it starts.",
                                   errors={"ended_at": ["before started_at"]})
        if ended > clock.utcnow() or day < case.discovered_on:
            raise ValidationFailed("The inquiry must lie between the discovery of the violation "
                                   "and now.", errors={"started_at": ["outside the case"]})
        ids = data["inspector_ids"]
        if len(set(ids)) < MIN_OFFICERS:
            raise ValidationFailed("An inquiry is made by at least two officers (处罚法 第42条).",
                                   errors={"inspector_ids": ["at least two distinct officers"]})
        officers = inspections.certified_officers(ids, started)
        recorder = next((o for o in officers if o["user_id"] == str(data["recorder_id"])), None)
        if recorder is None:
            raise ValidationFailed("The recorder (记录人) must be one of the officers.",
                                   errors={"recorder_id": ["not one of inspector_ids"]})
        row = CaseInquiry(id=uuid.uuid4(), case_id=case.id, seq=_next_seq(CaseInquiry, case.id),
                          interviewee=json_safe(data["interviewee"]), started_at=started,
                          ended_at=ended, place=data["place"], officers=officers,
                          recorder=recorder, qa=json_safe(data["qa"]),
                          signature=json_safe(data["signature"]), created_by=actor.user_id,
                          created_at=clock.utcnow())
        session.add(row)
        _bump(case)
        details = {"inquiry_id": row.id, "seq": row.seq,
                   "interviewee": data["interviewee"]["name"], "questions": len(data["qa"]),
                   "signature": "refused" if data["signature"].get("refused") else "signed"}
        service.record_event(case, actor, "inquiry", case.state, day, details)
        audit.record(actor, "case.inquiry", "case", case.id, json_safe(details))
    return case, row


def inquiries(case: Case) -> list[CaseInquiry]:
    """The case's inquiry records, in the order they were added."""
    return list(db.session.scalars(select(CaseInquiry).where(CaseInquiry.case_id == case.id)
                                   .order_by(CaseInquiry.seq)))


def record_statement(actor: Actor, case_id: uuid.UUID, version: int,
                     data: dict[str, Any]) -> tuple[Case, CaseStatement]:
    """Record the party's statement or defence within the notice period, with the review."""
    today = clock.today_shanghai()
    with unit_of_work() as session:
        case = service.writable(actor, case_id, version, "case.advance")
        if case.state not in STATEMENT_STATES or case.notice_on is None:
            raise Conflict("Statements and defence are heard after the notice (告知) and before "
                           f"the decision (处罚法 第44、45条); the case is {case.state}.")
        received: date = data.get("received_on") or today
        due = procedure.notice_reply_due(case.notice_on)
        if received > today:
            raise ValidationFailed("A statement cannot be received in the future.",
                                   errors={"received_on": ["after today"]})
        if not case.notice_on <= received <= due:
            raise Conflict(f"Statements are made within 5 working days of the notice "
                           f"({case.notice_on} to {due}); one received on {received} is "
                           "outside the period, in which the party waived the right.",
                           errors={"received_on": [f"between {case.notice_on} and {due}"]})
        row = CaseStatement(id=uuid.uuid4(), case_id=case.id,
                            seq=_next_seq(CaseStatement, case.id), received_on=received,
                            form=data["form"], made_by=data["made_by"], content=data["content"],
                            adopted=data["adopted"], reasoning=data["reasoning"],
                            reviewed_by=actor.user_id, created_at=clock.utcnow())
        session.add(row)
        _bump(case)
        details = {"statement_id": row.id, "seq": row.seq, "received_on": received,
                   "form": row.form, "adopted": row.adopted}
        service.record_event(case, actor, "statement", case.state, received, details)
        audit.record(actor, "case.statement", "case", case.id,
                     json_safe(details | {"reasoning": row.reasoning}))
    return case, row


def statements(case: Case) -> list[CaseStatement]:
    """The party's statements and their review, in the order received."""
    return list(db.session.scalars(select(CaseStatement).where(CaseStatement.case_id == case.id)
                                   .order_by(CaseStatement.seq)))
