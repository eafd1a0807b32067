"""Use cases of a case's own records: inquiry records (调查询问笔录) and statements (陈述申辩)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from server import clock
from server.audit import service as audit
from server.auth.policy import Actor
from server.cases import inquiry_signers, procedure, renotice, service
from server.cases.models import Case, CaseInquiry, CaseStatement
from server.cases.record_refusals import english, notes_english, said
from server.clock import SHANGHAI
from server.db_types import json_safe
from server.errors import Conflict, DomainError, ValidationFailed
from server.evidence import service as evidence
from server.extensions import db
from server.fieldwork import inspections
from server.messages import Message
from server.uow import unit_of_work

MIN_OFFICERS = 2  # 处罚法 第42条: at least two certified officers
STATEMENT_STATES = ("notified", "hearing")
ADOPTED = ("accepted", "partly", "rejected")


def _next_seq(model: type[CaseInquiry] | type[CaseStatement], case_id: uuid.UUID) -> int:
    return (db.session.scalar(select(func.max(model.seq)).where(model.case_id == case_id))
            or 0) + 1


def _refused(kind: type[DomainError], message: Message,
             notes: dict[tuple[str, ...], list[Message]]) -> DomainError:
    """An error of `kind` said in English (field errors nested by path, as marshmallow gives
    them) carrying its message keys, the notes by dotted path, for the console."""
    return kind(english(message), errors=inquiry_signers.nested(notes_english(notes)) or None,
                message=message, notes={".".join(path): items for path, items in notes.items()})


def _bump(case: Case) -> None:
    case.version += 1
    case.updated_at = clock.utcnow()


def record_inquiry(actor: Actor, case_id: uuid.UUID, version: int,
                   data: dict[str, Any]) -> tuple[Case, CaseInquiry]:
    """Add a signed (or refused) inquiry record to a case under investigation."""
    with unit_of_work() as session:
        case = service.writable(actor, case_id, version, "case.advance")
        if case.state in procedure.DECIDED:
            raise _refused(Conflict, said("inquiry.decided", state=case.state), {})
        started, ended = data["started_at"], data["ended_at"]
        day = started.astimezone(SHANGHAI).date()
        if ended < started:
            raise _refused(ValidationFailed, said("inquiry.ends_before"),
                           {("ended_at",): [said("inquiry_field.before_start")]})
        if ended > clock.utcnow() or day < case.discovered_on:
            raise _refused(ValidationFailed, said("inquiry.outside"),
                           {("started_at",): [said("inquiry_field.outside")]})
        ids = data["inspector_ids"]
        check_officers(ids)
        officers = inspections.certified_officers(ids, started)
        recorder = next((o for o in officers if o["user_id"] == str(data["recorder_id"])), None)
        if recorder is None:
            raise _refused(ValidationFailed, said("inquiry.recorder"),
                           {("recorder_id",): [said("inquiry_field.recorder")]})
        signed = _officers_signed(data, officers, recorder, ended)
        _images_held(actor, case, data)
        row = CaseInquiry(id=uuid.uuid4(), case_id=case.id, seq=_next_seq(CaseInquiry, case.id),
                          interviewee=json_safe(data["interviewee"]), started_at=started,
                          ended_at=ended, place=data["place"], officers=officers,
                          recorder=recorder, qa=json_safe(data["qa"]),
                          signature=json_safe(data["signature"]),
                          officer_signatures=signed[:-1], recorder_signature=signed[-1],
                          created_by=actor.user_id, created_at=clock.utcnow())
        session.add(row)
        _bump(case)
        details = {"inquiry_id": row.id, "seq": row.seq,
                   "interviewee": data["interviewee"]["name"], "questions": len(data["qa"]),
                   "signature": "refused" if data["signature"].get("refused") else "signed"}
        service.record_event(case, actor, "inquiry", case.state, day, details)
        audit.record(actor, "case.inquiry", "case", case.id, json_safe(details | {
            "officer_signatures": row.officer_signatures,
            "recorder_signature": row.recorder_signature}))
    return case, row


def check_officers(ids: list[uuid.UUID] | list[str]) -> None:
    """Refuse an inquiry asked by fewer than two distinct officers (处罚法 第42条)."""
    if len(set(map(str, ids))) < MIN_OFFICERS:
        raise _refused(ValidationFailed, said("inquiry.two_officers"),
                       {("inspector_ids",): [said("inquiry_field.two_officers")]})


def _officers_signed(data: dict[str, Any], officers: list[dict[str, Any]],
                     recorder: dict[str, Any], ended: datetime) -> list[dict[str, Any]]:
    """The signatures of each officer who asked, then the recorder's, as kept; refused unless
    each officer signed once, all after the inquiry ended, with certificates valid that day
    (inquiry_signers: no officer may refuse)."""
    given = data["officer_signatures"]
    if problems := inquiry_signers.officer_problems(given, officers):
        raise _refused(ValidationFailed, said("inquiry.officers_sign"),
                       {("officer_signatures",): problems})
    now, late = clock.utcnow(), {}  # field path -> its messages
    by_id = {o["user_id"]: o for o in officers}
    signing = [(("officer_signatures", str(i)), s, by_id[str(s["user_id"])])
               for i, s in enumerate(given)]
    signing.append((("recorder_signature",), data["recorder_signature"], recorder))
    for path, signature, officer in signing:
        moment = signature["signed_at"]
        if problem := (inquiry_signers.time_problem(moment, ended, now) or inquiry_signers
                       .lapsed(officer, moment.astimezone(SHANGHAI).date())):
            late[(*path, "signed_at")] = [problem]
    if late:
        raise _refused(ValidationFailed, said("inquiry.signed_late"), late)
    return [*(inquiry_signers.kept(by_id[str(s["user_id"])], s) for s in given),
            inquiry_signers.kept(recorder, data["recorder_signature"])]


def _images_held(actor: Actor, case: Case, data: dict[str, Any]) -> None:
    """Refuse an inquiry citing a signature image its case's district does not hold (once
    shared what the actor can see): an inquiry is recorded in the office, after the images
    are uploaded, so an image not there yet is a mistake to fix now, not later."""
    cited = inquiry_signers.images(data)
    evidence.share(actor, cited.values(), case.district)
    missing = set(evidence.missing_evidence(cited.values(), case.district))
    unheld = {path: [said("inquiry_field.not_held", sha256=digest)]
              for path, digest in cited.items() if digest in missing}
    if unheld:
        raise _refused(ValidationFailed, said(
            "inquiry.images", fields=[".".join(p[:-1]) for p in unheld]), unheld)


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
            raise _refused(Conflict, said("statement.not_now", state=case.state), {})
        received: date = data.get("received_on") or today
        if received > today:
            raise _refused(ValidationFailed, said("statement.future"),
                           {("received_on",): [said("statement_field.after_today")]})
        notice = _answered(case, received, data.get("notice"))
        row = CaseStatement(id=uuid.uuid4(), case_id=case.id,
                            seq=_next_seq(CaseStatement, case.id), received_on=received,
                            form=data["form"], made_by=data["made_by"], content=data["content"],
                            adopted=data["adopted"], reasoning=data["reasoning"],
                            notice=notice, reviewed_by=actor.user_id, created_at=clock.utcnow())
        session.add(row)
        _bump(case)
        details = {"statement_id": row.id, "seq": row.seq, "received_on": received,
                   "form": row.form, "adopted": row.adopted, "notice": notice}
        service.record_event(case, actor, "statement", case.state, received, details)
        audit.record(actor, "case.statement", "case", case.id,
                     json_safe(details | {"reasoning": row.reasoning}))
    return case, row


def _answered(case: Case, received: date, chosen: int | None) -> int:
    """The notice a statement received on `received` answers (any notice of the case, its
    period holding that day), or refused."""
    periods = renotice.windows(case.steps)
    if chosen is not None and chosen > len(periods):
        raise _refused(ValidationFailed, said("statement.no_notice", notice=chosen,
                                              notices=len(periods)),
                       {("notice",): [said("statement_field.notices", notices=len(periods))]})
    notice = renotice.answering(periods, received, chosen)
    if notice is None:
        start, due = periods[(chosen or len(periods)) - 1]
        raise _refused(Conflict, said("statement.outside", notice_on=start, due=due,
                                      received_on=received),
                       {("received_on",): [said("statement_field.between", start=start,
                                                end=due)]})
    return notice


def statements(case: Case) -> list[CaseStatement]:
    """The party's statements and their review, in the order received."""
    return list(db.session.scalars(select(CaseStatement).where(CaseStatement.case_id == case.id)
                                   .order_by(CaseStatement.seq)))
