"""PURE: a case's statutory deadlines, counted in working or calendar days as the law says.

Periods start the day after the event (the first day is not counted); a period of calendar
days that ends on a non-working day moves to the next working day (server.workdays).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from server.workdays import DayKind, add_working_days, deadline, working_days_between

FILING_DAYS = 15             # 办法 Art. 18: decide on filing within 15 days of discovery
FILING_EXTENSION_DAYS = 15   # … +15 with approval
DECISION_DAYS = 90           # 处罚法 Art. 60
EXTENSIONS = (("approval", 30), ("collective", 30))  # +30 approved, then ≤ +30 collectively
NOTICE_REPLY_WORKING_DAYS = 5  # 处罚法 Art. 63-64: statements and hearing request
SERVICE_WORKING_DAYS = 7       # 处罚法 Art. 61
HEARING_NOTICE_WORKING_DAYS = 7  # 处罚法 Art. 64 and 85: hearing notice ≥ 7 working days before
SUSPENSION_KINDS = ("testing", "appraisal", "suspension")

Status = Literal["open", "met", "late", "missed", "suspended"]
Owner = Literal["bureau", "party"]


@dataclass(frozen=True, slots=True)
class Period:
    """A period excluded from the decision deadline (testing, appraisal, suspension); open
    (no end yet) while its cause lasts."""

    kind: str
    start: date
    end: date | None


@dataclass(frozen=True, slots=True)
class Timeline:
    """The dates of a case that its deadlines depend on."""

    discovered_on: date
    filed_on: date
    filing_extended: bool = False
    extensions: tuple[int, ...] = ()
    suspensions: tuple[Period, ...] = ()
    notice_on: date | None = None
    hearing_requested_on: date | None = None
    hearing_on: date | None = None
    """The day the requested hearing is held."""
    decided_on: date | None = None
    served_on: date | None = None
    paid_on: date | None = None
    payment_days: int = 15
    payment_day_kind: DayKind = "calendar"
    fined: bool = True
    ended: bool = False
    """Closed or archived: nothing is open any more."""
    today: date | None = None
    """The day an open period runs to (needed only when one is open)."""


@dataclass(frozen=True, slots=True)
class Deadline:
    """One deadline: when it falls, its basis, who must act and whether it was kept."""

    name: str
    due: date
    basis: str
    owner: Owner
    kind: DayKind
    days: int
    done_on: date | None
    status: Status


def open_period(periods: Sequence[Period]) -> Period | None:
    """The period still open (its end not recorded yet), if any."""
    return next((p for p in periods if p.end is None), None)


def excluded_days(periods: Sequence[Period], today: date | None = None) -> int:
    """Calendar days covered by the periods (inclusive), overlaps counted once; an open
    period runs to `today`."""
    days: set[date] = set()
    for period in periods:
        end = period.end if period.end is not None else today
        if end is None:
            raise ValueError(f"an open period needs the day it runs to: {period}")
        if end < period.start:
            raise ValueError(f"a period cannot end before it starts: {period}")
        days.update(date.fromordinal(o) for o in range(period.start.toordinal(),
                                                       end.toordinal() + 1))
    return len(days)


def decision_days(t: Timeline) -> int:
    """The decision's period: 90 days, plus approved extensions, plus the excluded periods
    (an open one counted to today: the period as it would be were it ended today)."""
    return DECISION_DAYS + sum(t.extensions) + excluded_days(t.suspensions, t.today)


def decision_due(t: Timeline) -> date:
    """The end of the decision's period from filing (moved past a non-working day)."""
    return deadline(t.filed_on, decision_days(t), "calendar")


def _status(due: date, done_on: date | None, ended: bool) -> Status:
    if done_on is not None:
        return "met" if done_on <= due else "late"
    return "missed" if ended else "open"


def _make(name: str, start: date, days: int, kind: DayKind, basis: str, owner: Owner,
          done_on: date | None, ended: bool) -> Deadline:
    due = deadline(start, days, kind)
    return Deadline(name, due, basis, owner, kind, days, done_on, _status(due, done_on, ended))


def case_deadlines(t: Timeline) -> list[Deadline]:
    """Every deadline that applies to the case so far, in procedural order."""
    filing_days = FILING_DAYS + (FILING_EXTENSION_DAYS if t.filing_extended else 0)
    found = [_make("filing", t.discovered_on, filing_days, "calendar", "办法 第18条", "bureau",
                   t.filed_on, t.ended)]
    decision = decision_due(t)
    # While a period is open the decision's period does not run: its end is not known yet
    # (the due date shown is the earliest it can be), so it is neither open nor overdue.
    suspended = open_period(t.suspensions) is not None and t.decided_on is None and not t.ended
    found.append(Deadline("decision", decision, "处罚法 第60条", "bureau", "calendar",
                          decision_days(t), t.decided_on,
                          "suspended" if suspended else
                          _status(decision, t.decided_on, t.ended)))
    if t.notice_on is not None:
        # The party's window to state, defend and ask for a hearing; it closes when they ask
        # for a hearing or when the decision (which must wait for it) issues.
        reply = deadline(t.notice_on, NOTICE_REPLY_WORKING_DAYS, "working")
        closed_on = t.hearing_requested_on or t.decided_on
        found.append(Deadline("notice_reply", reply, "处罚法 第44、45、63、64条", "party",
                              "working", NOTICE_REPLY_WORKING_DAYS, closed_on,
                              "met" if closed_on or t.ended else "open"))
    if t.hearing_on is not None:
        # The hearing the bureau scheduled (处罚法 第64条): held once the case is decided.
        held = t.hearing_on if t.decided_on is not None else None
        found.append(Deadline("hearing", t.hearing_on, "处罚法 第64条", "bureau", "calendar",
                              (t.hearing_on - t.hearing_requested_on).days
                              if t.hearing_requested_on else 0, held,
                              "met" if held else "missed" if t.ended else "open"))
    if t.decided_on is not None:  # a decision not to penalise is served too
        found.append(_make("service", t.decided_on, SERVICE_WORKING_DAYS, "working",
                           "处罚法 第61条", "bureau", t.served_on, t.ended))
    if t.served_on is not None and t.fined:
        found.append(_make("payment", t.served_on, t.payment_days, t.payment_day_kind,
                           "处罚法 第67、72条", "party", t.paid_on, t.ended))
    return found


def next_due(deadlines: Sequence[Deadline]) -> date | None:
    """The earliest deadline still open (None when nothing is pending)."""
    open_ = [d.due for d in deadlines if d.status == "open"]
    return min(open_) if open_ else None


def days_left(today: date, due: date, kind: DayKind) -> int:
    """Days of the deadline's own kind from today to its end (working days for a working-day
    period); 0 on the last day, negative once overdue."""
    if kind == "working":
        return working_days_between(today, due)
    return (due - today).days


def due_within(deadlines: Sequence[Deadline], today: date, days: int) -> bool:
    """Whether an open deadline ends within `days` days of its own kind (or is overdue)."""
    return any(d.status == "open" and days_left(today, d.due, d.kind) <= days
               for d in deadlines)


def horizon(today: date, days: int) -> date:
    """The latest end any deadline `due_within` `days` can have (N working days ≥ N days)."""
    return add_working_days(today, days)
