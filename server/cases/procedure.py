"""PURE: the penalty procedure as a state machine; each transition checks its preconditions.

filed → investigating → legal review (法制审核, when required) → notified (告知) → hearing (听证,
when requested) → decided → served → paid | enforced → closed → archived. The waiver path:
filed | investigating | legal review → not_penalised (不予行政处罚决定, education) → served
(the decision served like a penalty decision, 处罚法 第61条) → closed;
also after the notice or the hearing (处罚法 第57条), once the rules no longer fine the case's
violations (a violation re-decided on corrected facts: follow.py). From the notice or the
hearing, before any decision, the party may be notified again (重新告知, renotice.py) on new or
corrected facts or a corrected basis, never on its statements (处罚法 第44条、第45条).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from server.cases import deadlines as dl
from server.cases.fine_law import (
    EDUCATION_NEEDED,
    MUST_EDUCATE,
    MUST_NOT_FINE,
    NOT_FINED,
    Member,
    act_ranges,
    fine_range,
)
from server.cases.hearing_rights import (
    Hearing,
    hearing_eligible,
    hearing_offered,
    legal_review_required,
    notice_reply_due,
)
from server.cases.payment import check_payment, payment_due
from server.cases.refusals import Refused
from server.cases.step_checks import CHECKS, SERVICE_METHODS, CaseView
from server.messages import Message

# The procedure's names stay importable from here (the pure parts live beside it).
__all__ = [
    "DECIDED", "EDUCATION_NEEDED", "MUST_EDUCATE", "MUST_NOT_FINE", "NOT_FINED",
    "SERVICE_METHODS", "STATES", "TRANSITIONS", "CaseView", "Hearing", "Member", "Refused",
    "act_ranges", "check_extension", "check_payment", "check_suspension", "check_suspension_end",
    "check_transition", "check_unsuspended",
    "fine_range", "hearing_eligible", "hearing_offered", "legal_review_required",
    "notice_reply_due", "payment_due", "step_day",
]

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "filed": ("investigating", "not_penalised"),
    "investigating": ("legal_review", "notified", "not_penalised"),
    "legal_review": ("notified", "not_penalised"),
    "notified": ("hearing", "decided", "not_penalised", "notified"),  # notified again
    "hearing": ("decided", "not_penalised", "notified"),
    "decided": ("served",),
    "served": ("paid", "enforced", "closed"),  # closed: a decision not to penalise, served
    "paid": ("closed",),
    "enforced": ("closed",),
    "not_penalised": ("served",),
    "closed": ("archived",),
    "archived": (),
}
STATES = tuple(TRANSITIONS)
DECIDED = ("decided", "served", "paid", "enforced", "not_penalised", "closed", "archived")


def next_states(state: str, fined: bool) -> tuple[str, ...]:
    """The states a case may move to: once served, a fine is paid or enforced, and a decision
    not to penalise closes."""
    if state == "served":
        return ("paid", "enforced") if fined else ("closed",)
    return TRANSITIONS[state]


def check_transition(case: CaseView, to: str, params: Mapping[str, Any],
                     today: date) -> dict[str, Any]:
    """The step record to store, or Refused when the move or its preconditions fail."""
    on = step_day(case, to, params, today)
    check = CHECKS.get(to)
    record = check(case, params, on) if check else {}
    return {"on": on, **{k: v for k, v in record.items() if v is not None}}


def step_day(case: CaseView, to: str, params: Mapping[str, Any], today: date) -> date:
    """The day of a step the case may take (today unless `on` is given), or Refused."""
    if to not in TRANSITIONS:
        raise Refused("step.unknown_state", {"to": to},
                      {"to": Message("field.states", {"states": STATES})}, bad_input=True)
    allowed = next_states(case.state, case.fine_fen is not None)
    if to == "notified" and case.state in DECIDED:
        raise Refused("renotice.decided", {"state": case.state})
    if to not in allowed:
        raise Refused("step.not_allowed" if allowed else "step.nowhere",
                      {"state": case.state, "allowed": allowed, "to": to}
                      if allowed else {"state": case.state, "to": to})
    on = params.get("on") or today
    if on > today:
        raise Refused("step.future", notes={"on": "field.after_today"}, bad_input=True)
    if case.last_step_on is not None and on < case.last_step_on:
        raise Refused("step.before_previous", {"previous": case.last_step_on},
                      {"on": "field.before_previous"}, bad_input=True)
    return on


def check_extension(state: str, granted: Iterable[str], approval: str, days: int, on: date,
                    current_due: date) -> None:
    """+30 days with approval, then at most +30 more by collective decision, before the end."""
    granted = tuple(granted)
    if state in DECIDED:
        raise Refused("extension.decided")
    if len(granted) >= len(dl.EXTENSIONS):
        raise Refused("extension.twice")
    kind, limit = dl.EXTENSIONS[len(granted)]
    if approval != kind:
        raise Refused("extension.approval", {"n": len(granted) + 1, "kind": kind},
                      {"approval": Message("field.approval", {"kind": kind})}, bad_input=True)
    if not 0 < days <= limit:
        raise Refused("extension.too_long", {"limit": limit},
                      {"days": Message("field.days", {"limit": limit})}, bad_input=True)
    if on > current_due:
        raise Refused("extension.passed", {"due": current_due})


def check_suspension(state: str, filed_on: date, period: dl.Period, today: date,
                     recorded: Iterable[dl.Period] = ()) -> None:
    """A testing, appraisal or suspension period inside the case, before the decision; an
    open one (no end yet) starts between the filing and today, and only one is open."""
    if state in DECIDED:
        raise Refused("suspension.decided")
    if period.kind not in dl.SUSPENSION_KINDS:
        raise Refused("suspension.unknown", notes={"kind": Message(
            "field.kinds", {"kinds": dl.SUSPENSION_KINDS})}, bad_input=True)
    if period.end is None:
        if not filed_on <= period.start <= today:
            raise Refused("suspension.start_outside", notes={"start": "field.start"},
                          bad_input=True)
        if dl.open_period(tuple(recorded)) is not None:
            raise Refused("suspension.already_open")
        return
    if period.end < period.start or period.start < filed_on or period.end > today:
        raise Refused("suspension.outside", notes={"end": "field.period"}, bad_input=True)


def check_suspension_end(open_: dl.Period | None, end: date, today: date) -> dl.Period:
    """The open period ended on `end`: not before its start, not after today."""
    if open_ is None:
        raise Refused("suspension.none_open")
    if not open_.start <= end <= today:
        raise Refused("suspension.end_outside", {"start": open_.start},
                      {"end": "field.end"}, bad_input=True)
    return dl.Period(open_.kind, open_.start, end)


def check_unsuspended(to: str, periods: Iterable[dl.Period]) -> None:
    """No decision (nor decision not to penalise) while the case is suspended: its period
    ends first, so the decision deadline it pauses is known."""
    open_ = dl.open_period(tuple(periods))
    if to in ("decided", "not_penalised") and open_ is not None:
        raise Refused("suspension.open", {"start": open_.start})
