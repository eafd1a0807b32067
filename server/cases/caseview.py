"""The case as the procedure's rules see it: its acts, the statutory range of each act's fine,
the steps taken so far."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import func, select

from server.cases import chairs, procedure, renotice, service
from server.cases.models import Case, CaseEvent, CaseStatement, CaseViolation
from server.extensions import db
from server.fieldwork.models import ViolationDecision


def case_view(case: Case) -> procedure.CaseView:
    """The case as the procedure's rules see it."""
    links = list(db.session.scalars(select(CaseViolation).where(
        CaseViolation.case_id == case.id)))
    events = case.steps
    last = max((date.fromisoformat(s["on"]) for s in events.values()), default=None)
    payment_due = procedure.payment_due(case.served_on, service.procedure_on(case.filed_on)) \
        if case.served_on else None
    decided = _decisions(links)
    heard = list(db.session.execute(select(CaseStatement.adopted, CaseStatement.notice).where(
        CaseStatement.case_id == case.id).order_by(CaseStatement.seq)))
    latest = len(renotice.notices(events))
    return procedure.CaseView(
        state=case.state, party_type=case.party_type,
        outcomes=tuple(link.outcome for link in links), proposed_fen=case.proposed_fen,
        complex=case.complex, officers=tuple(sorted(chairs.investigators(case))),
        fineable_acts=fineable_acts(case, links, decided),
        corrections_due=tuple(sorted(
            date.fromisoformat(decided[link.decision_id]["waiver"]["deadline"])
            for link in links if link.outcome == "pending_correction"
            and (decided.get(link.decision_id, {}).get("waiver") or {}).get("deadline"))),
        last_step_on=last, legal_review_done="legal_review" in events,
        intended_fen=case.intended_fen, notice_on=case.notice_on, hearing_on=case.hearing_on,
        decided_on=case.decided_on, fine_fen=case.fine_fen, served_on=case.served_on,
        payment_due=payment_due,
        statements=tuple(adopted for adopted, _ in heard),
        statements_on_notice=sum(1 for _, notice in heard if notice == latest),
        fine_range=fine_range(case, links, decided),
        mitigation=events.get("notified", {}).get("mitigation"),
        noticed_fines=noticed_fines(events.get("notified", {})),
        redecided_since_notice=_redecided_since_notice(case.id),
        hearing=service.hearing(case))


def _redecided_since_notice(case_id: uuid.UUID) -> bool:
    """Whether a violation of the case was re-decided (follow.py) after its latest notice."""
    notice = db.session.scalar(select(func.max(CaseEvent.seq)).where(
        CaseEvent.case_id == case_id, CaseEvent.event == "transition",
        CaseEvent.to_state == "notified"))
    return notice is not None and db.session.scalar(select(CaseEvent.seq).where(
        CaseEvent.case_id == case_id, CaseEvent.event == "violation_redecided",
        CaseEvent.seq > notice).limit(1)) is not None


def noticed_fines(notice: dict[str, Any]) -> tuple[tuple[int, int], ...] | None:
    """The fine the notice intends for each act it fines; None for a notice recorded before
    notices named them."""
    recorded = notice.get("act_fines")
    return None if recorded is None else tuple((item["act"], item["fine_fen"])
                                               for item in recorded)


def fineable_acts(case: Case, links: list[CaseViolation],
                  decided: dict[uuid.UUID, dict[str, Any]] | None = None
                  ) -> tuple[tuple[int, int | None, tuple[int, int] | None, bool], ...]:
    """The acts the law does not forbid fining: the fine the rules propose for each, its
    statutory range, and whether the rules fine it (else they only may)."""
    proposed = {act["act"]: act["amount_fen"] for act in case.acts or ()}
    ranges = procedure.act_ranges(_members(case, links, decided))
    return tuple((act, proposed.get(act), ranges[act],
                  any(link.act == act and link.outcome == "fine" for link in links))
                 for act in sorted(ranges))


def _members(case: Case, links: list[CaseViolation],
             decided: dict[uuid.UUID, dict[str, Any]] | None) -> list[procedure.Member]:
    """The links as the statutory ranges need them, each act's fine under the provision the
    case fines it under."""
    decided = _decisions(links) if decided is None else decided
    penalty = {key: answer.get("penalty") or {} for key, answer in decided.items()}
    under = {act.get("fined_under") for act in case.acts or ()}
    return [procedure.Member(link.act, link.outcome,
                             penalty.get(link.decision_id, {}).get("statutory_min_fen"),
                             penalty.get(link.decision_id, {}).get("statutory_max_fen"),
                             str(link.violation_id) in under)
            for link in links]


def _decisions(links: list[CaseViolation]) -> dict[uuid.UUID, dict[str, Any]]:
    """The rules' answers (zh) the links rest on, by decision id."""
    return {d.id: d.result.get("zh") or {} for d in db.session.scalars(
        select(ViolationDecision).where(
            ViolationDecision.id.in_([link.decision_id for link in links])))}


def fine_range(case: Case, links: list[CaseViolation],
               decided: dict[uuid.UUID, dict[str, Any]] | None = None
               ) -> tuple[int, int] | None:
    """The statutory range of the case's fine, from its violations' stored decisions."""
    return procedure.fine_range(_members(case, links, decided))

