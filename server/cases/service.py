"""Use cases of a penalty case: file it, move it through the procedure, extend, suspend, read."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import asdict
from datetime import date
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from server import clock
from server.audit import service as audit
from server.auth.policy import Actor, authorize
from server.cases import chairs, procedure
from server.cases import deadlines as dl
from server.cases.models import (
    Case,
    CaseCounter,
    CaseEvent,
    CaseStatement,
    CaseViolation,
)
from server.cases.numbering import Series, authority_code, format_number
from server.cases.refusals import english
from server.db_types import json_safe
from server.errors import Conflict, NotFound, ValidationFailed, VersionConflict
from server.extensions import db
from server.fieldwork import inspections, violations
from server.fieldwork.models import ViolationDecision
from server.messages import Message
from server.registry import service as registry
from server.rules import late_payment_surcharge
from server.rules.model import Procedure
from server.rulesets import service as rulesets
from server.uow import unit_of_work

DATE_COLUMNS = {"notified": "notice_on", "decided": "decided_on", "not_penalised": "decided_on",
                "served": "served_on", "paid": "paid_on", "closed": "closed_on",
                "archived": "archived_on"}


def issue_number(series: Series, authority: str, year: int) -> int:
    """The next number of a series, gap-free: the counter row stays locked until commit."""
    session = db.session
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(CaseCounter).values(series=series, authority=authority, year=year,
                                                last=0).on_conflict_do_nothing())
    return session.execute(
        update(CaseCounter).where(CaseCounter.series == series,
                                  CaseCounter.authority == authority, CaseCounter.year == year)
        .values(last=CaseCounter.last + 1).returning(CaseCounter.last)).scalar_one()


def _procedure(on: date) -> Procedure:
    catalogue = rulesets.rule_book().catalogue_on(on)
    if catalogue is None:
        raise ValidationFailed(f"No violation catalogue is in force on {on}.")
    return catalogue.procedure


def _acts(ids: list[uuid.UUID], groups: list[list[uuid.UUID]]) -> dict[uuid.UUID, int]:
    """Act number per violation: declared groups are one act each (处罚法 Art. 29)."""
    act_of: dict[uuid.UUID, int] = {}
    for number, group in enumerate(groups, start=1):
        for vid in group:
            if vid not in ids or vid in act_of:
                raise ValidationFailed("Each grouped violation must be one of violation_ids, "
                                       "in one group only.", errors={"same_act": [str(vid)]})
            act_of[vid] = number
    number = len(groups)
    for vid in ids:
        if vid not in act_of:
            number += 1
            act_of[vid] = number
    return act_of


def _link(case: Case, violation, act: int) -> CaseViolation:
    return CaseViolation(case_id=case.id, violation_id=violation.id, act=act,
                         code=violation.code,
                         **link_fields(violations.latest_decision(violation.id)))


def link_fields(decision: ViolationDecision | None) -> dict[str, Any]:
    """The columns of a case's link to a violation that its decision in force gives."""
    zh = (decision.result.get("zh") or {}) if decision else {}
    return {"decision_id": decision.id if decision else None,
            "outcome": decision.outcome if decision else "undetermined",
            "amount_fen": decision.amount_fen if decision else None,
            "would_be_fen": decision.would_be_fen if decision else None,
            "basis": (zh.get("penalty") or {}).get("basis")}


def amounts(links: list[CaseViolation]) -> tuple[int | None, int, list[dict[str, Any]]]:
    """One fine per act, the higher provision (处罚法 Art. 29); the amounts not levied."""
    acts: dict[int, list[CaseViolation]] = {}
    for link in links:
        acts.setdefault(link.act, []).append(link)
    proposed, unknown, described = 0, False, []
    for number, members in sorted(acts.items()):
        fined = [m for m in members if m.outcome == "fine"]
        chosen = max(fined, key=lambda m: m.amount_fen or 0) if fined else None
        if chosen is not None and chosen.amount_fen is None:
            unknown = True
        proposed += (chosen.amount_fen or 0) if chosen else 0
        described.append({"act": number, "violation_ids": [str(m.violation_id) for m in members],
                          "fined_under": str(chosen.violation_id) if chosen else None,
                          "basis": chosen.basis if chosen else None,
                          "amount_fen": chosen.amount_fen if chosen else None})
    would_be = sum(max((m.would_be_fen or 0) for m in members) for members in acts.values()
                   if not any(m.outcome == "fine" for m in members))
    any_fined = any(link.outcome == "fine" for link in links)
    return (None if unknown or not any_fined else proposed), would_be, described


def record_event(case: Case, actor: Actor | None, event: str, from_state: str | None,
                 on: date, details: dict[str, Any]) -> None:
    """Append a step to the case's history."""
    seq = (db.session.scalar(select(CaseEvent.seq).where(CaseEvent.case_id == case.id)
                             .order_by(CaseEvent.seq.desc()).limit(1)) or 0) + 1
    db.session.add(CaseEvent(case_id=case.id, seq=seq, event=event, from_state=from_state,
                             to_state=case.state, on=on, details=json_safe(details),
                             actor_id=actor.user_id if actor else None, at=clock.utcnow()))


def file_case(actor: Actor, data: dict[str, Any]) -> Case:
    """File a case (立案) on one party's violations; numbered per authority and year."""
    authorize(actor, "case.create")
    ids = list(dict.fromkeys(data["violation_ids"]))
    today = clock.today_shanghai()
    with unit_of_work() as session:
        found = [violations.get_violation(actor, vid, lock=True) for vid in ids]
        parties = {v.enterprise_id for v in found}
        if len(parties) != 1:
            raise ValidationFailed("A case has one party: the violations belong to "
                                   f"{len(parties)} enterprises.",
                                   errors={"violation_ids": ["more than one enterprise"]})
        taken = session.scalars(select(CaseViolation.violation_id).where(
            CaseViolation.violation_id.in_(ids))).all()
        if taken:
            raise Conflict("Some violations are already in a case.",
                           violation_ids=[str(t) for t in taken])
        first = found[0]
        authorize(actor, "case.create", first.district)
        discovered = min(v.discovered_on for v in found)
        timeline = dl.Timeline(discovered_on=discovered, filed_on=today,
                               filing_extended=bool(data.get("filing_extension_approved")))
        if dl.case_deadlines(timeline)[0].status == "late" and not data.get("late_reason"):
            raise ValidationFailed(
                f"The filing deadline ({dl.case_deadlines(timeline)[0].due}) has passed; give "
                "late_reason (and filing_extension_approved if it was extended).",
                errors={"late_reason": ["required after the filing deadline"]})
        officers = sorted({o["user_id"] for v in {v.inspection_id for v in found}
                           for o in inspections.get_inspection(actor, v).officers})
        authority = authority_code(first.district)
        seq = issue_number("filing", authority, today.year)
        case = Case(id=uuid.uuid4(), district=first.district, authority=authority,
                    enterprise_id=first.enterprise_id, party_type=first.party_type,
                    state="filed", filing_year=today.year, filing_seq=seq,
                    filing_number=format_number("filing", authority, today.year, seq),
                    discovered_on=discovered, filed_on=today,
                    filing_extended=timeline.filing_extended, complex=bool(data.get("complex")),
                    acts=[], steps={}, extensions=[], suspensions=[], created_by=actor.user_id,
                    created_at=clock.utcnow(), updated_at=clock.utcnow())
        session.add(case)
        session.flush()
        act_of = _acts(ids, data.get("same_act") or [])
        links = [_link(case, v, act_of[v.id]) for v in found]
        session.add_all(links)
        case.proposed_fen, case.would_be_fen, case.acts = amounts(links)
        case.steps = json_safe({"filed": {"on": today, "officers": officers,
                                          "late_reason": data.get("late_reason"),
                                          "summary": data.get("summary")}})
        _refresh_deadlines(case)
        record_event(case, actor, "filed", None, today, {"filing_number": case.filing_number})
        audit.record(actor, "case.file", "case", case.id, {
            "filing_number": case.filing_number, "violations": [str(i) for i in ids],
            "proposed_fen": case.proposed_fen})
    return case


def get_case(actor: Actor, case_id: uuid.UUID, *, lock: bool = False) -> Case:
    """One case in the caller's scope."""
    case = db.session.get(Case, case_id, with_for_update=lock)
    if case is None:
        raise NotFound("No such case.")
    authorize(actor, "case.read", case.district)
    return case


def writable(actor: Actor, case_id: uuid.UUID, version: int, action: str) -> Case:
    """The case locked for a change: in scope, allowed, not archived, at `version`."""
    case = get_case(actor, case_id, lock=True)
    authorize(actor, action, case.district)
    if case.state == "archived":
        raise Conflict(**_said("case.archived"))
    if case.version != version:
        raise VersionConflict(**_said("case.stale", {"current": case.version, "given": version}),
                              current_version=case.version)
    return case


def timeline(case: Case) -> dl.Timeline:
    """The dates the case's deadlines depend on."""
    proc = _procedure(case.filed_on)
    periods = tuple(dl.Period(p["kind"], date.fromisoformat(p["start"]),
                              date.fromisoformat(p["end"])) for p in case.suspensions)
    return dl.Timeline(
        discovered_on=case.discovered_on, filed_on=case.filed_on,
        filing_extended=case.filing_extended,
        extensions=tuple(e["days"] for e in case.extensions), suspensions=periods,
        notice_on=case.notice_on, hearing_requested_on=case.hearing_requested_on,
        decided_on=case.decided_on, served_on=case.served_on, paid_on=case.paid_on,
        payment_days=proc.payment_period_days, payment_day_kind=proc.payment_day_kind,
        fined=case.fine_fen is not None, ended=case.state in ("closed", "archived"))


def case_deadlines(case: Case) -> list[dl.Deadline]:
    """The case's deadlines as the law counts them."""
    return dl.case_deadlines(timeline(case))


def _refresh_deadlines(case: Case) -> None:
    case.next_due_on = dl.next_due(case_deadlines(case))


def hearing(case: Case) -> procedure.Hearing | None:
    """The 较大数额罚款 for the case's party in the catalogue in force at filing."""
    threshold = _procedure(case.filed_on).hearing
    return None if threshold is None else procedure.Hearing(
        threshold.for_party(case.party_type), threshold.verified)


def _view(case: Case) -> procedure.CaseView:
    links = list(db.session.scalars(select(CaseViolation).where(
        CaseViolation.case_id == case.id)))
    events = case.steps
    last = max((date.fromisoformat(s["on"]) for s in events.values()), default=None)
    payment_due = procedure.payment_due(case.served_on, _procedure(case.filed_on)) \
        if case.served_on else None
    decided = _decisions(links)
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
        statements=tuple(db.session.scalars(select(CaseStatement.adopted).where(
            CaseStatement.case_id == case.id).order_by(CaseStatement.seq))),
        fine_range=fine_range(links, decided),
        mitigation=events.get("notified", {}).get("mitigation"),
        hearing=hearing(case))


def fineable_acts(case: Case, links: list[CaseViolation],
                  decided: dict[uuid.UUID, dict[str, Any]] | None = None
                  ) -> tuple[tuple[int, int | None, tuple[int, int] | None, bool], ...]:
    """The acts the law does not forbid fining: the fine the rules propose for each, its
    statutory range, and whether the rules fine it (else they only may)."""
    proposed = {act["act"]: act["amount_fen"] for act in case.acts or ()}
    ranges = procedure.act_ranges(_members(links, decided))
    return tuple((act, proposed.get(act), ranges[act],
                  any(link.act == act and link.outcome == "fine" for link in links))
                 for act in sorted(ranges))


def _members(links: list[CaseViolation], decided: dict[uuid.UUID, dict[str, Any]] | None
             ) -> list[procedure.Member]:
    """The links as the statutory ranges need them."""
    decided = _decisions(links) if decided is None else decided
    penalty = {key: answer.get("penalty") or {} for key, answer in decided.items()}
    return [procedure.Member(link.act, link.outcome,
                             penalty.get(link.decision_id, {}).get("statutory_min_fen"),
                             penalty.get(link.decision_id, {}).get("statutory_max_fen"))
            for link in links]


def _decisions(links: list[CaseViolation]) -> dict[uuid.UUID, dict[str, Any]]:
    """The rules' answers (zh) the links rest on, by decision id."""
    return {d.id: d.result.get("zh") or {} for d in db.session.scalars(
        select(ViolationDecision).where(
            ViolationDecision.id.in_([link.decision_id for link in links])))}


def fine_range(links: list[CaseViolation],
               decided: dict[uuid.UUID, dict[str, Any]] | None = None
               ) -> tuple[int, int] | None:
    """The statutory range of the case's fine, from its violations' stored decisions."""
    return procedure.fine_range(_members(links, decided))


def _refused(error: procedure.Refused) -> Exception:
    errors = {k: [v] for k, v in error.errors.items()} or None
    return (ValidationFailed if error.bad_input else Conflict)(
        error.reason, errors=errors, message=error.message, notes=error.notes)


def _said(key: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """A problem's detail in English and as its message key (refusals.py)."""
    message = Message(key, params or {})
    return {"detail": english(message), "message": message}


def _apply(case: Case, to: str, record: dict[str, Any]) -> None:
    """Write the step's columns; issue the decision number when a decision issues."""
    on = record["on"]
    if to in DATE_COLUMNS:
        setattr(case, DATE_COLUMNS[to], on)
    if to == "notified":
        case.intended_fen = record["intended_fen"]
    elif to == "hearing":
        case.hearing_requested_on, case.hearing_on = on, record["hearing_on"]
    elif to == "decided":
        case.fine_fen = record["fine_fen"]
    elif to == "paid":
        case.paid_fen, case.surcharge_fen = record["amount_fen"], record["surcharge_fen"]
    if to in ("decided", "not_penalised"):
        series: Series = "decision" if to == "decided" else "not_penalised"
        seq = issue_number(series, case.authority, on.year)
        case.decision_series, case.decision_year, case.decision_seq = series, on.year, seq
        case.decision_number = format_number(series, case.authority, on.year, seq)
        record["decision_number"] = case.decision_number


# Steps that state or decide the penalty: the rules in force on their day rule first.
RECHECKED = ("notified", "decided", "not_penalised")


def _ruled(link: CaseViolation) -> dict[str, Any]:
    return {"outcome": link.outcome, "amount_fen": link.amount_fen, "basis": link.basis}


def _recheck_rules(actor: Actor, case_id: uuid.UUID, version: int, to: str,
                   params: dict[str, Any], today: date) -> None:
    """Before a notice or decision, re-decide the case's violations by the rules in force on
    the step's day (处罚法 第37条: the rules at the act apply, those at the decision when
    lighter). When they rule differently the case follows them (follow.py), that is kept,
    and the step is refused (409): it is prepared again on what the rules now say."""
    with unit_of_work():
        get_case(actor, case_id)  # in scope; its violations are those it was filed with
        locked = violations.lock(list(db.session.scalars(select(CaseViolation.violation_id)
                                                        .where(CaseViolation.case_id == case_id))))
        case = writable(actor, case_id, version, "case.advance")
        try:
            on = procedure.step_day(_view(case), to, params, today)
        except procedure.Refused:
            return  # the step itself says why it cannot be taken
        links = case_links(case)
        before = {link.violation_id: (link.decision_id, _ruled(link)) for link in links}
        if not violations.redecide_as_of(locked, on):
            return
        db.session.flush()  # the case follows the new decisions (follow.py)
        changes = [{"violation_id": str(link.violation_id), "code": link.code,
                    "from": before[link.violation_id][1], "to": _ruled(link)}
                   for link in links if link.decision_id != before[link.violation_id][0]]
        audit.record(actor, "case.rules_rechecked", "case", case.id,
                     json_safe({"to": to, "on": on, "violations": changes}))
        current = case.version
    raise Conflict(**_said("case.rules_changed", {"on": on, "changes": changes,
                                                  "version": current, "to": to}),
                   current_version=current, redecided=changes)


def move(actor: Actor, case_id: uuid.UUID, version: int, to: str,
         params: dict[str, Any]) -> Case:
    """Move the case one step; the preconditions of the procedure are checked and audited."""
    from server.cases import exports  # exports builds on this module

    today = clock.today_shanghai()
    if to in RECHECKED:
        _recheck_rules(actor, case_id, version, to, params, today)
    archived_copy = None
    with unit_of_work():
        case = writable(actor, case_id, version, "case.advance")
        view = _view(case)
        try:
            record = procedure.check_transition(view, to, params, today)
            if to == "paid":
                if params.get("amount_fen") is None:
                    raise procedure.Refused("payment.no_amount",
                                            notes={"amount_fen": "field.required_short"},
                                            bad_input=True)
                record |= procedure.check_payment(case.fine_fen, case.served_on, record["on"],
                                                  params["amount_fen"],
                                                  _procedure(case.filed_on))
        except procedure.Refused as error:
            raise _refused(error) from error
        before = case.state
        _apply(case, to, record)
        case.state = to
        case.steps = {**case.steps, to: json_safe(record)}
        case.version += 1
        case.updated_at = clock.utcnow()
        _refresh_deadlines(case)
        record_event(case, actor, "transition", before, record["on"], record)
        audit.record(actor, f"case.{to}", "case", case.id,
                     json_safe({"from": before, "to": to, **record}))
        if to == "decided":
            registry.delist_penalised(actor, case.enterprise_id, record["on"],
                                      case.decision_number)
        if to == "archived":  # queued with the archiving: a crash cannot lose the build
            archived_copy = exports.queue(actor, case, "archive")
    if archived_copy is not None:
        exports.start(archived_copy)
    return case


def extend(actor: Actor, case_id: uuid.UUID, version: int, data: dict[str, Any]) -> Case:
    """Extend the decision deadline: +30 days approved, then ≤ +30 by collective decision."""
    today = clock.today_shanghai()
    with unit_of_work():
        case = writable(actor, case_id, version, "case.extend")
        on = data.get("on") or today
        try:
            if on > today:
                raise procedure.Refused("extension.future", notes={"on": "field.after_today"},
                                        bad_input=True)
            procedure.check_extension(case.state, (e["approval"] for e in case.extensions),
                                      data["approval"], data["days"], on,
                                      dl.decision_due(timeline(case)))
        except procedure.Refused as error:
            raise _refused(error) from error
        grant = json_safe({"approval": data["approval"], "days": data["days"], "on": on,
                           "reason": data["reason"], "approved_by": str(actor.user_id)})
        case.extensions = [*case.extensions, grant]
        case.version += 1
        case.updated_at = clock.utcnow()
        _refresh_deadlines(case)
        record_event(case, actor, "extension", case.state, on, grant)
        audit.record(actor, "case.extend", "case", case.id, grant)
    return case


def suspend(actor: Actor, case_id: uuid.UUID, version: int, data: dict[str, Any]) -> Case:
    """Record a testing, appraisal or suspension period, excluded from the decision deadline."""
    today = clock.today_shanghai()
    with unit_of_work():
        case = writable(actor, case_id, version, "case.advance")
        period = dl.Period(data["kind"], data["start"], data["end"])
        try:
            procedure.check_suspension(case.state, case.filed_on, period, today)
        except procedure.Refused as error:
            raise _refused(error) from error
        entry = json_safe({"kind": period.kind, "start": period.start, "end": period.end,
                           "reason": data["reason"]})
        case.suspensions = [*case.suspensions, entry]
        case.version += 1
        case.updated_at = clock.utcnow()
        _refresh_deadlines(case)
        record_event(case, actor, "suspension", case.state, today, entry)
        audit.record(actor, "case.suspend", "case", case.id, entry)
    return case


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
                                       _procedure(case.filed_on))
    return {"due": surcharge.due_on, "late_days": surcharge.days_late,
            "surcharge_fen": surcharge.amount_fen,
            "owed_fen": case.fine_fen + surcharge.amount_fen}
