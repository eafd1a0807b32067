"""A penalty case as its steps share it: in scope, locked at a version, its deadlines, its
history; and the reads of cases (list, deadlines, links, payment owed today)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import asdict
from datetime import date
from typing import Any

from sqlalchemy import func, select

from server import clock
from server.auth.policy import Actor, authorize, unknown_record
from server.cases import deadlines as dl
from server.cases import procedure
from server.cases.models import Case, CaseEvent, CaseViolation
from server.cases.refusals import said
from server.db_types import json_safe
from server.errors import Conflict, ValidationFailed, VersionConflict
from server.extensions import db
from server.rules import late_payment_surcharge
from server.rules.model import Procedure
from server.rulesets import service as rulesets


def procedure_on(on: date) -> Procedure:
    """The procedure of the violation catalogue in force on the day."""
    catalogue = rulesets.rule_book().catalogue_on(on)
    if catalogue is None:
        raise ValidationFailed(f"No violation catalogue is in force on {on}.")
    return catalogue.procedure


def record_event(case: Case, actor: Actor | None, event: str, from_state: str | None,
                 on: date, details: dict[str, Any]) -> None:
    """Append a step to the case's history."""
    seq = (db.session.scalar(select(CaseEvent.seq).where(CaseEvent.case_id == case.id)
                             .order_by(CaseEvent.seq.desc()).limit(1)) or 0) + 1
    db.session.add(CaseEvent(case_id=case.id, seq=seq, event=event, from_state=from_state,
                             to_state=case.state, on=on, details=json_safe(details),
                             actor_id=actor.user_id if actor else None, at=clock.utcnow()))


def get_case(actor: Actor, case_id: uuid.UUID, *, lock: bool = False) -> Case:
    """One case in the caller's scope."""
    case = db.session.get(Case, case_id, with_for_update=lock)
    if case is None:
        raise unknown_record()
    authorize(actor, "case.read", case.district)
    return case


def writable(actor: Actor, case_id: uuid.UUID, version: int, action: str) -> Case:
    """The case locked for a change: in scope, allowed, not archived, at `version`."""
    case = get_case(actor, case_id, lock=True)
    authorize(actor, action, case.district)
    if case.state == "archived":
        raise Conflict(**said("case.archived"))
    if case.version != version:
        raise VersionConflict(**said("case.stale", {"current": case.version, "given": version}),
                              current_version=case.version)
    return case


def periods(case: Case) -> tuple[dl.Period, ...]:
    """The case's periods excluded from the decision deadline (an open one without end)."""
    return tuple(dl.Period(p["kind"], date.fromisoformat(p["start"]),
                           date.fromisoformat(p["end"]) if p["end"] else None)
                 for p in case.suspensions)


def open_period(case: Case) -> dl.Period | None:
    """The case's open period (testing, appraisal or suspension; no end yet), if any."""
    return dl.open_period(periods(case))


def suspended_since(case: Case) -> date | None:
    """The start of the case's open period, while one is open."""
    open_ = open_period(case)
    return open_.start if open_ else None


def timeline(case: Case) -> dl.Timeline:
    """The dates the case's deadlines depend on (an open period counted to today)."""
    proc = procedure_on(case.filed_on)
    return dl.Timeline(
        discovered_on=case.discovered_on, filed_on=case.filed_on,
        filing_extended=case.filing_extended,
        extensions=tuple(e["days"] for e in case.extensions), suspensions=periods(case),
        notice_on=case.notice_on, hearing_requested_on=case.hearing_requested_on,
        hearing_on=case.hearing_on, decided_on=case.decided_on, served_on=case.served_on,
        paid_on=case.paid_on,
        payment_days=proc.payment_period_days, payment_day_kind=proc.payment_day_kind,
        fined=case.fine_fen is not None, ended=case.state in ("closed", "archived"),
        today=clock.today_shanghai())


def case_deadlines(case: Case) -> list[dl.Deadline]:
    """The case's deadlines as the law counts them."""
    return dl.case_deadlines(timeline(case))


def refresh_deadlines(case: Case) -> None:
    """Keep the case's next due date in step with its deadlines."""
    case.next_due_on = dl.next_due(case_deadlines(case))


def hearing(case: Case) -> procedure.Hearing | None:
    """The 较大数额罚款 for the case's party in the catalogue in force at filing."""
    threshold = procedure_on(case.filed_on).hearing
    return None if threshold is None else procedure.Hearing(
        threshold.for_party(case.party_type), threshold.verified)


def list_cases(actor: Actor, filters: dict[str, Any], page: int,
               per_page: int) -> tuple[list[Case], int]:
    """A page of the cases in scope, newest filing first, and their total; `due_within` days
    keeps those with a deadline due by then (or overdue), the earliest due first."""
    authorize(actor, "case.read")
    query = select(Case)
    if not actor.city_wide:
        query = query.where(Case.district == actor.scope)
    if filters.get("state"):
        query = query.where(Case.state == filters["state"])
    if filters.get("enterprise_id"):
        query = query.where(Case.enterprise_id == filters["enterprise_id"])
    within = filters.get("due_within")
    if within is not None:
        today = clock.today_shanghai()
        query = query.where(Case.next_due_on.is_not(None),
                            Case.next_due_on <= dl.horizon(today, within))
        query = query.order_by(Case.next_due_on)
    query = query.order_by(Case.filed_on.desc(), Case.filing_number, Case.id)
    start = (page - 1) * per_page
    if within is None:
        total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        return list(db.session.scalars(query.limit(per_page).offset(start))), total
    # Working-day periods (service, the party's reply) count working days, the others calendar
    # days — the same count as each deadline's `days_left`; so the page is cut after that count.
    due = [case for case in db.session.scalars(query)
           if dl.due_within(case_deadlines(case), today, within)]
    return due[start:start + per_page], len(due)


def deadline_badges(case: Case) -> list[dict[str, Any]]:
    """The case's deadlines with the days left today, counted in each deadline's own kind."""
    today = clock.today_shanghai()
    return [{**asdict(d), "days_left": dl.days_left(today, d.due, d.kind)
             if d.status == "open" else None} for d in case_deadlines(case)]


def settled_violations(violation_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Those of the violations whose case is closed or archived (no longer open)."""
    ids = list(violation_ids)
    if not ids:
        return set()
    return set(db.session.scalars(
        select(CaseViolation.violation_id).join(Case, Case.id == CaseViolation.case_id)
        .where(CaseViolation.violation_id.in_(ids), Case.state.in_(("closed", "archived")))))


def case_links(case: Case) -> list[CaseViolation]:
    """The case's violations with the rules' answers, by act."""
    return list(db.session.scalars(select(CaseViolation).where(CaseViolation.case_id == case.id)
                                   .order_by(CaseViolation.act, CaseViolation.code)))


def history(case: Case) -> list[CaseEvent]:
    """The case's steps, oldest first."""
    return list(db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                   .order_by(CaseEvent.seq)))


def payment_today(case: Case) -> dict[str, Any] | None:
    """What the party owes if paying today (fine + surcharge), while a fine is unpaid."""
    if case.fine_fen is None or case.served_on is None or case.paid_on is not None:
        return None
    surcharge = late_payment_surcharge(case.fine_fen, case.served_on, clock.today_shanghai(),
                                       procedure_on(case.filed_on))
    return {"due": surcharge.due_on, "late_days": surcharge.days_late,
            "surcharge_fen": surcharge.amount_fen,
            "owed_fen": case.fine_fen + surcharge.amount_fen}
