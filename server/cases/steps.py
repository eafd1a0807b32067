"""Moving a penalty case through its procedure: the steps (with the rules of the step's day
re-checked first), deadline extensions and suspended periods."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select

from server import clock
from server.audit import service as audit
from server.auth.policy import Actor
from server.cases import caseview, exports, filing, procedure, renotice, service
from server.cases import deadlines as dl
from server.cases.models import Case, CaseViolation
from server.cases.numbering import Series, format_number
from server.cases.refusals import said
from server.db_types import json_safe
from server.errors import Conflict, ValidationFailed
from server.extensions import db
from server.fieldwork import violations
from server.registry import service as registry
from server.uow import unit_of_work

DATE_COLUMNS = {"notified": "notice_on", "decided": "decided_on", "not_penalised": "decided_on",
                "served": "served_on", "paid": "paid_on", "closed": "closed_on",
                "archived": "archived_on"}


def _refused(error: procedure.Refused) -> Exception:
    errors = {k: [v] for k, v in error.errors.items()} or None
    return (ValidationFailed if error.bad_input else Conflict)(
        error.reason, errors=errors, message=error.message, notes=error.notes)


def _apply(case: Case, to: str, record: dict[str, Any]) -> None:
    """Write the step's columns; issue the decision number when a decision issues."""
    on = record["on"]
    if to in DATE_COLUMNS:
        setattr(case, DATE_COLUMNS[to], on)
    if to == "notified":
        case.intended_fen = record["intended_fen"]
        if "renotice" in record:  # a hearing asked for under the earlier notice lapses
            case.hearing_requested_on = case.hearing_on = None
    elif to == "hearing":
        case.hearing_requested_on, case.hearing_on = on, record["hearing_on"]
    elif to == "decided":
        case.fine_fen = record["fine_fen"]
    elif to == "paid":
        case.paid_fen, case.surcharge_fen = record["amount_fen"], record["surcharge_fen"]
    if to in ("decided", "not_penalised"):
        series: Series = "decision" if to == "decided" else "not_penalised"
        seq = filing.issue_number(series, case.authority, on.year)
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
        service.get_case(actor, case_id)  # in scope; its violations are those it was filed with
        locked = violations.lock(list(db.session.scalars(select(CaseViolation.violation_id)
                                                        .where(CaseViolation.case_id == case_id))))
        case = service.writable(actor, case_id, version, "case.advance")
        try:
            on = procedure.step_day(caseview.case_view(case), to, params, today)
        except procedure.Refused:
            return  # the step itself says why it cannot be taken
        links = service.case_links(case)
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
    raise Conflict(**said("case.rules_changed", {"on": on, "changes": changes,
                                                 "version": current, "to": to}),
                   current_version=current, redecided=changes)


def _changed(actor: Actor, case: Case, event: str, state: str, on: date,
             details: dict[str, Any], action: str, audited: dict[str, Any]) -> None:
    """What every change of a case ends with: a new version, its deadlines recomputed, an
    event in its history and an audit entry."""
    case.version += 1
    case.updated_at = clock.utcnow()
    service.refresh_deadlines(case)
    service.record_event(case, actor, event, state, on, details)
    audit.record(actor, action, "case", case.id, audited)


def move(actor: Actor, case_id: uuid.UUID, version: int, to: str,
         params: dict[str, Any]) -> Case:
    """Move the case one step; the preconditions of the procedure are checked and audited."""
    today = clock.today_shanghai()
    if to in RECHECKED:
        _recheck_rules(actor, case_id, version, to, params, today)
    archived_copy = None
    with unit_of_work():
        case = service.writable(actor, case_id, version, "case.advance")
        view = caseview.case_view(case)
        try:
            record = procedure.check_transition(view, to, params, today)
            procedure.check_unsuspended(to, service.periods(case))
            if to == "paid":
                if params.get("amount_fen") is None:
                    raise procedure.Refused("payment.no_amount",
                                            notes={"amount_fen": "field.required_short"},
                                            bad_input=True)
                record |= procedure.check_payment(case.fine_fen, case.served_on, record["on"],
                                                  params["amount_fen"],
                                                  service.procedure_on(case.filed_on))
        except procedure.Refused as error:
            raise _refused(error) from error
        before = case.state
        _apply(case, to, record)
        case.state = to
        taken = json_safe(record)
        case.steps = renotice.renoticed(case.steps, taken) if "renotice" in record \
            else {**case.steps, to: taken}
        _changed(actor, case, "transition", before, record["on"], record, f"case.{to}",
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
        case = service.writable(actor, case_id, version, "case.extend")
        on = data.get("on") or today
        try:
            if on > today:
                raise procedure.Refused("extension.future", notes={"on": "field.after_today"},
                                        bad_input=True)
            if on < case.filed_on:
                raise procedure.Refused("extension.before_filing", notes={"on": "field.start"},
                                        bad_input=True)
            procedure.check_extension(case.state, (e["approval"] for e in case.extensions),
                                      data["approval"], data["days"], on,
                                      dl.decision_due(service.timeline(case)))
        except procedure.Refused as error:
            raise _refused(error) from error
        grant = json_safe({"approval": data["approval"], "days": data["days"], "on": on,
                           "reason": data["reason"], "approved_by": str(actor.user_id)})
        case.extensions = [*case.extensions, grant]
        _changed(actor, case, "extension", case.state, on, grant, "case.extend", grant)
    return case


def suspend(actor: Actor, case_id: uuid.UUID, version: int, data: dict[str, Any]) -> Case:
    """Record a testing, appraisal or suspension period, excluded from the decision deadline;
    without an end it stays open (the case suspended) until `end_suspension`."""
    today = clock.today_shanghai()
    with unit_of_work():
        case = service.writable(actor, case_id, version, "case.advance")
        period = dl.Period(data["kind"], data["start"], data.get("end"))
        try:
            procedure.check_suspension(case.state, case.filed_on, period, today,
                                       service.periods(case))
        except procedure.Refused as error:
            raise _refused(error) from error
        entry = json_safe({"kind": period.kind, "start": period.start, "end": period.end,
                           "reason": data["reason"]})
        case.suspensions = [*case.suspensions, entry]
        _changed(actor, case, "suspension", case.state, today, entry, "case.suspend", entry)
    return case


def end_suspension(actor: Actor, case_id: uuid.UUID, version: int,
                   data: dict[str, Any]) -> Case:
    """Record the end of the case's open suspension: its decision deadline runs again."""
    today = clock.today_shanghai()
    with unit_of_work():
        case = service.writable(actor, case_id, version, "case.advance")
        try:
            ended = procedure.check_suspension_end(dl.open_period(service.periods(case)),
                                                   data["end"], today)
        except procedure.Refused as error:
            raise _refused(error) from error
        kept = [p for p in case.suspensions if p["end"] is not None]
        entry = next(p for p in case.suspensions if p["end"] is None)
        entry = json_safe({**entry, "end": ended.end})
        case.suspensions = [*kept, entry]
        _changed(actor, case, "suspension_end", case.state, ended.end, entry,
                 "case.suspension_end", entry)
    return case
