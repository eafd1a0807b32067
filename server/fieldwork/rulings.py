"""How the rules decide a violation: its history at the enterprise, first offence, decisions."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm.util import identity_key

from server.cases.locks import locked_violations
from server.clock import today_shanghai
from server.extensions import db
from server.fieldwork.models import Violation, ViolationDecision
from server.rulesets import service as rulesets
from server.uow import among


def _history(violation: Violation) -> list[Any]:
    """The enterprise's other violations that happened before this one."""
    return [v for v in _at_enterprise(violation) if _earlier(v, violation)]


def _first_offence(violation: Violation, history: list[Violation]) -> bool:
    """First time discovered (首次被发现): no earlier violation here with the same code, the code
    it was split from or one split from it (the rule data's split_from: maybe the same act)."""
    same = rulesets.same_act(violation.code)
    return not any(v.code in same for v in history)


def _earlier(other: Violation, violation: Violation) -> bool:
    """`other` happened before `violation` (the order _history's query uses)."""
    return other.id != violation.id and (
        other.occurred_on < violation.occurred_on
        or (other.occurred_on == violation.occurred_on
            and other.created_at < violation.created_at))


_UNKNOWN: Any = object()


def _decision_day(violation: Violation, latest: ViolationDecision | None,
                  again: bool) -> date | None:
    """The day the rules decide as of: today, so a rule lighter now than at the act applies
    (处罚法 第37条); the earlier decision's day when a later-arriving violation only re-checks
    the first offence (the day moves with the violation's own changes, not another's)."""
    if again and latest is not None and latest.inputs.get("decided_on"):
        return date.fromisoformat(latest.inputs["decided_on"])
    today = today_shanghai()
    return today if today >= violation.occurred_on else None


def ruling(decision: ViolationDecision | dict[str, Any]) -> tuple[Any, ...]:
    """What a decision rules, whatever day it was taken: outcome, amounts, and the penalty's
    provision, statutory range and rule sets (a case's notice and decision rest on these; a
    waiver list consulted without effect changes none of them)."""
    values = decision if isinstance(decision, dict) else {
        name: getattr(decision, name) for name in ("outcome", "amount_fen", "would_be_fen",
                                                   "result")}
    penalty = ((values["result"] or {}).get("zh") or {}).get("penalty") or {}
    return (values["outcome"], values["amount_fen"], values["would_be_fen"],
            *(penalty.get(name) for name in ("basis", "statutory_min_fen", "statutory_max_fen",
                                             "rule_set", "discretion")))


def decide(violation: Violation, history: list[Violation] | None = None,
           latest: ViolationDecision | None = _UNKNOWN, again: bool = False,
           as_of: date | None = None) -> ViolationDecision:
    """First offence from the server's own history, then the rules engine; history kept.

    `history` and `latest` may be given when the caller has loaded them already; `again`:
    a re-decision caused by another violation (_redecide_later); `as_of`: a re-check by the
    rules in force on that day, kept only when they rule differently (redecide_as_of)."""
    history = _history(violation) if history is None else history
    violation.first_offence = _first_offence(violation, history)
    return _decide_found(violation, history, latest, again, as_of)


def _decide_found(violation: Violation, history: list[Any],
                  latest: ViolationDecision | None = _UNKNOWN, again: bool = False,
                  as_of: date | None = None) -> ViolationDecision:
    """decide() once the violation's first offence is set from `history`."""
    latest = latest_decision(violation.id) if latest is _UNKNOWN else latest
    day = as_of if as_of is not None else _decision_day(violation, latest, again)
    decision = rulesets.decide_violation(violation, history, day)
    if latest is not None and (latest.inputs, latest.result, latest.violation_version) == (
            decision["inputs"], decision["result"], violation.version):
        return latest  # nothing changed: no new entry in the history
    if as_of is not None and latest is not None and ruling(latest) == ruling(decision) \
            and latest.violation_version == violation.version:
        return latest  # the rules of that day rule as before: the decision stands
    row = ViolationDecision(violation_id=violation.id,
                            sequence=(latest.sequence + 1) if latest else 1,
                            violation_version=violation.version, **decision)
    db.session.add(row)  # flushed with the violation (the caller's savepoint or commit)
    return row


# What orders violations and counts as a prior offence (_earlier, _first_offence).
_HISTORY = (Violation.id, Violation.code, Violation.occurred_on, Violation.created_at)
# Built once: building the statement cost as much as running it, once per violation pushed.
_OTHERS_AT_ENTERPRISE = select(*_HISTORY).where(
    Violation.enterprise_id == bindparam("enterprise_id"),
    Violation.id != bindparam("violation_id"))


HISTORIES = "violations_at_enterprises"  # session.info: histories_at's loaded violations


@contextmanager
def histories_at(enterprise_ids: set[uuid.UUID]) -> Iterator[None]:
    """Load the violations recorded at these enterprises in one query, for a block of work.

    Until the block ends _at_enterprise answers from them (or from the session's current
    copy of each) and decide_new adds the new ones. Meant for a sync push's run,
    inside batch(), which keeps the session's objects alive until it ends."""
    known: dict[uuid.UUID, dict[uuid.UUID, Any]] = {key: {} for key in enterprise_ids}
    ordered = sorted(enterprise_ids)
    for start in range(0, len(ordered), 500):
        for row in db.session.connection().execute(select(Violation.enterprise_id, *_HISTORY)
                                                   .where(among(Violation.enterprise_id,
                                                                ordered[start:start + 500]))):
            known[row.enterprise_id][row.id] = row
    db.session.info[HISTORIES] = known
    try:
        yield
    finally:
        db.session.info.pop(HISTORIES, None)


def _at_enterprise(violation: Violation) -> list[Any]:
    """Every other violation recorded at the violation's enterprise, as _HISTORY columns.

    From histories_at's rows when loaded there, else one query (no entities built) plus the
    violations this transaction added and has not flushed yet."""
    known = db.session.info.get(HISTORIES, {}).get(violation.enterprise_id)
    if known is not None:  # a loaded row, unless the session holds that violation (current)
        held = db.session.identity_map
        return [held.get(identity_key(Violation, key)) or row
                for key, row in known.items() if key != violation.id]
    stored = db.session.connection().execute(_OTHERS_AT_ENTERPRISE, {
        "enterprise_id": violation.enterprise_id, "violation_id": violation.id})
    unflushed = [v for v in db.session.new if isinstance(v, Violation)
                 and v.enterprise_id == violation.enterprise_id and v.id != violation.id]
    return [*stored, *unflushed]


def _redecide_later(violation: Violation, every: list[Any]) -> int:
    """A violation arriving late can change the first-offence finding of later ones, except
    of those an issued decision rests on (locks: they change only by a formal procedure).

    `every` is the enterprise's other violations (_at_enterprise); one query loads the later
    ones and one their latest decisions, whatever their number."""
    later_ids = [v.id for v in every if _earlier(violation, v)]
    frozen = locked_violations(later_ids)
    later_ids = [key for key in later_ids if key not in frozen]
    if not later_ids:
        return 0
    later = db.session.scalars(select(Violation).where(Violation.id.in_(later_ids))).all()
    latest: dict[uuid.UUID, ViolationDecision] = {}
    for row in db.session.scalars(select(ViolationDecision).where(
            ViolationDecision.violation_id.in_([v.id for v in later]))
            .order_by(ViolationDecision.sequence)):
        latest[row.violation_id] = row
    everyone = [*every, violation]
    for other in later:
        decide(other, [v for v in everyone if _earlier(v, other)], latest.get(other.id),
               again=True)
    return len(later)


def decide_new(violation: Violation) -> tuple[ViolationDecision, int]:
    """Decide a violation being recorded (added to the session here): its first offence from
    the enterprise's history, then the later violations it precedes (_redecide_later); the
    decision and how many others were re-decided."""
    with db.session.no_autoflush:
        every = _at_enterprise(violation)
        history = [v for v in every if _earlier(v, violation)]
        violation.first_offence = _first_offence(violation, history)
    db.session.add(violation)
    if (known := db.session.info.get(HISTORIES, {}).get(violation.enterprise_id)) is not None:
        known[violation.id] = violation
    decision = _decide_found(violation, history, None)  # new: no decision yet
    return decision, _redecide_later(violation, every)


def redecide_as_of(locked: list[Violation], day: date) -> list[ViolationDecision]:
    """Re-check violations (locked by the caller) by the rules in force on `day`, the day a
    case's notice or decision issues (处罚法 第37条: the rules at the act apply, those at the
    decision when lighter); the new decisions of those the rules of that day rule on
    differently. Violations an issued decision rests on are left alone, as are those that had
    not happened by `day`."""
    frozen = locked_violations([violation.id for violation in locked])
    changed = []
    for violation in locked:
        if violation.id in frozen:
            continue
        if violation.occurred_on > day:
            continue
        latest = latest_decision(violation.id)
        decision = decide(violation, latest=latest, as_of=day)
        if decision is not latest:
            changed.append(decision)
    return changed


def latest_decision(violation_id: uuid.UUID) -> ViolationDecision | None:
    """The decision in force for a violation."""
    return db.session.scalar(select(ViolationDecision).where(
        ViolationDecision.violation_id == violation_id)
        .order_by(ViolationDecision.sequence.desc()).limit(1))
