"""Use cases of violations: record, change facts, read; every change is re-decided by the rules."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm.util import identity_key

from server.audit import service as audit
from server.auth.policy import Actor, authorize, in_scope
from server.cases.locks import ensure_not_locked, locked_violations
from server.clock import SHANGHAI, today_shanghai, utcnow
from server.db_types import json_safe
from server.errors import Conflict, NotFound, ValidationFailed, VersionConflict
from server.evidence.service import evidence_facts, share
from server.extensions import db
from server.fieldwork import inspections
from server.fieldwork.evidence_checks import RecordContext, check
from server.fieldwork.models import Inspection, Violation, ViolationDecision
from server.geo import distance_to_geojson_m, location_as_wgs84, to_shape
from server.registry.models import Enterprise
from server.rulesets import service as rulesets
from server.uow import find, lock_all, unit_of_work

EDITABLE = ("code", "occurred_on", "continuing", "ended_on", "party_type", "description",
            "facts", "bases", "factors", "mitigation", "evidence")


def _location(violation: Violation, location: dict[str, Any] | None) -> None:
    location = location_as_wgs84(location)
    violation.lat = location["lat"] if location else None
    violation.lon = location["lon"] if location else None
    violation.accuracy_m = location.get("accuracy_m") if location else None


def _geo_check(violation: Violation, enterprise: Enterprise) -> None:
    """Distance to the enterprise's site (0 inside) and the flags legal staff must see."""
    flags = []
    violation.distance_to_site_m = None
    if violation.lat is None:
        flags.append("no_gps")
    elif enterprise.site is None:
        flags.append("no_site")
    else:
        distance = distance_to_geojson_m(violation.lon, violation.lat, enterprise.site)
        violation.distance_to_site_m = round(distance, 1)
        if distance > current_app.config["OUTSIDE_SITE_M"]:
            flags.append("outside_site")
    violation.flags = flags


def _history(violation: Violation) -> list[Any]:
    """The enterprise's other violations that happened before this one."""
    return [v for v in _at_enterprise(violation) if _earlier(v, violation)]


def _first_offence(violation: Violation, history: list[Violation]) -> bool:
    """First time discovered (首次被发现): no earlier violation with the same code here."""
    return not any(v.code == violation.code for v in history)


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


def _decide(violation: Violation, history: list[Violation] | None = None,
            latest: ViolationDecision | None = _UNKNOWN, again: bool = False,
            as_of: date | None = None) -> ViolationDecision:
    """First offence from the server's own history, then the rules engine; history kept.

    `history` and `latest` may be given when the caller has loaded them already; `again`:
    a re-decision caused by another violation (_redecide_later); `as_of`: a re-check by the
    rules in force on that day, kept only when they rule differently (redecide_as_of)."""
    history = _history(violation) if history is None else history
    violation.first_offence = _first_offence(violation, history)
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
    copy of each) and record_violation adds the new ones. Meant for a sync push's run,
    inside batch(), which keeps the session's objects alive until it ends."""
    known: dict[uuid.UUID, dict[uuid.UUID, Any]] = {key: {} for key in enterprise_ids}
    ordered = sorted(enterprise_ids)
    for start in range(0, len(ordered), 500):
        for row in db.session.connection().execute(select(Violation.enterprise_id, *_HISTORY)
                                                   .where(Violation.enterprise_id.in_(
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
        _decide(other, [v for v in everyone if _earlier(v, other)], latest.get(other.id),
                again=True)
    return len(later)


def lock(violation_ids: list[uuid.UUID]) -> list[Violation]:
    """Lock violations, in id order (before their case: the order follow.py takes them in)."""
    return lock_all(Violation, set(violation_ids))


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
        decision = _decide(violation, latest=latest, as_of=day)
        if decision is not latest:
            changed.append(decision)
    return changed


def _check_span(continuing: bool, occurred_on: date, ended_on: date | None) -> None:
    """A continuing act's end lies between its start and today; only such an act has one."""
    if ended_on is None:
        return
    if not continuing:
        raise ValidationFailed("Only a continuing act has an end date.",
                               errors={"ended_on": ["set continuing, or leave ended_on empty"]})
    if ended_on < occurred_on or ended_on > today_shanghai():
        raise ValidationFailed("A continuing act ends between its start and today.",
                               errors={"ended_on": [f"between {occurred_on} and today"]})


def _check_code(code: str, occurred_on) -> None:
    if not rulesets.code_known(code, occurred_on):
        raise ValidationFailed(f"{code} is not in the violation catalogue in force on "
                               f"{occurred_on}.", errors={"code": ["unknown catalogue code"]})


def record_violation(actor: Actor, data: dict[str, Any], *, new: bool = False
                     ) -> tuple[Violation, bool]:
    """Record a violation found during an inspection; the rules decide it at once.

    `new`: the caller saw that no violation has this id (a sync push asks once for many)."""
    authorize(actor, "violation.create")
    existing = None if new else db.session.get(Violation, data["id"])
    if existing is not None:
        _authorize(actor, "violation.read", existing)
        if existing.created_by != actor.user_id or existing.inspection_id != data["inspection_id"]:
            raise Conflict("A violation with this id already exists.")
        return existing, False
    inspection = inspections.get_inspection(actor, data["inspection_id"])
    inspections.authorize_on(actor, "violation.create", inspection)
    inspections.must_be_officer(actor, inspection.officers)
    _check_code(data["code"], data["occurred_on"])
    _check_span(data["continuing"], data["occurred_on"], data["ended_on"])
    with unit_of_work() as session:
        enterprise = session.get(Enterprise, inspection.enterprise_id)
        violation = Violation(
            id=data["id"], inspection_id=inspection.id, enterprise_id=enterprise.id,
            district=inspection.district,
            discovered_on=inspection.started_at.astimezone(SHANGHAI).date(),
            created_by=actor.user_id, device_id=actor.device_id, created_at=utcnow(), version=1,
            **{k: json_safe(data[k]) if k == "facts" else data[k] for k in EDITABLE})
        _location(violation, data.get("location"))
        _geo_check(violation, enterprise)
        with session.no_autoflush:
            every = _at_enterprise(violation)
            history = [v for v in every if _earlier(v, violation)]
            violation.first_offence = _first_offence(violation, history)
        session.add(violation)
        if (known := session.info.get(HISTORIES, {}).get(violation.enterprise_id)) is not None:
            known[violation.id] = violation
        decision = _decide(violation, history, None)  # new: no decision yet
        redecided = _redecide_later(violation, every)
        share(actor, violation.evidence, violation.district)
        audit.record(actor, "violation.create", "violation", violation.id,
                     {"code": violation.code, "outcome": decision.outcome,
                      "rule_sets": decision.rule_sets, "redecided_others": redecided})
    return violation, True


def _authorize(actor: Actor, action: str, violation: Violation) -> None:
    """In the actor's scope, or by an officer of its record (inspections.authorize_on)."""
    if in_scope(actor, violation.district) or actor.role != "inspector":
        authorize(actor, action, violation.district)
    else:
        inspections.authorize_on(actor, action,
                                 db.session.get(Inspection, violation.inspection_id))


def get_violation(actor: Actor, violation_id: uuid.UUID, *, lock: bool = False) -> Violation:
    """One violation in the caller's scope, or of a record naming the inspector an officer."""
    violation = find(Violation, violation_id, lock=lock)
    if violation is None:
        raise NotFound("No such violation.")
    _authorize(actor, "violation.read", violation)
    return violation


def check_writable(actor: Actor, violation: Violation) -> None:
    """Refuse a change of the violation by this actor: role, an officer on its record, no
    case lock."""
    _authorize(actor, "violation.update", violation)
    inspections.must_be_officer(
        actor, inspections.get_inspection(actor, violation.inspection_id).officers)
    ensure_not_locked(violation_ids=[violation.id])


def update_violation(actor: Actor, violation_id: uuid.UUID, version: int,
                     changes: dict[str, Any]) -> Violation:
    """Change a violation's facts; it is re-decided and the earlier decision is kept."""
    with unit_of_work():
        violation = get_violation(actor, violation_id, lock=True)
        check_writable(actor, violation)
        if violation.version != version:
            raise VersionConflict(f"The violation is at version {violation.version}, "
                                  f"not {version}.", current_version=violation.version)
        if changes.get("inspection_id", violation.inspection_id) != violation.inspection_id:
            raise ValidationFailed("A violation cannot move to another inspection.",
                                   errors={"inspection_id": ["cannot be changed"]})
        if "code" in changes or "occurred_on" in changes:
            _check_code(changes.get("code", violation.code),
                        changes.get("occurred_on", violation.occurred_on))
        _check_span(*(changes.get(k, getattr(violation, k))
                      for k in ("continuing", "occurred_on", "ended_on")))
        if "facts" in changes:
            changes["facts"] = json_safe(changes["facts"])
        changed = sorted(k for k in EDITABLE if k in changes
                         and changes[k] != getattr(violation, k))
        if "evidence" in changed:
            share(actor, set(changes["evidence"]) - set(violation.evidence), violation.district)
        for key in changed:
            setattr(violation, key, changes[key])
        if "location" in changes:
            _location(violation, changes["location"])
            changed.append("location")
        _geo_check(violation, db.session.get(Enterprise, violation.enterprise_id))
        violation.version += 1
        violation.updated_at = utcnow()
        decision = _decide(violation)
        audit.record(actor, "violation.update", "violation", violation.id,
                     {"fields": changed, "version": violation.version,
                      "outcome": decision.outcome})
    return violation


def list_violations(actor: Actor, inspection_id: uuid.UUID | None,
                    enterprise_id: uuid.UUID | None) -> list[Violation]:
    """Violations in scope, filtered by inspection or enterprise."""
    authorize(actor, "violation.read")
    query = select(Violation)
    if actor.role == "inspector" and not actor.city_wide:
        query = query.where(or_(Violation.district == actor.scope, Violation.inspection_id.in_(
            select(Inspection.id).where(inspections.in_reach(actor)))))
    elif not actor.city_wide:
        query = query.where(Violation.district == actor.scope)
    if inspection_id:
        query = query.where(Violation.inspection_id == inspection_id)
    if enterprise_id:
        query = query.where(Violation.enterprise_id == enterprise_id)
    return list(db.session.scalars(query.order_by(Violation.occurred_on, Violation.created_at)
                                   .limit(1000)))


def decisions(actor: Actor, violation_id: uuid.UUID) -> list[ViolationDecision]:
    """Every decision taken on a violation, oldest first."""
    get_violation(actor, violation_id)
    return list(db.session.scalars(select(ViolationDecision).where(
        ViolationDecision.violation_id == violation_id).order_by(ViolationDecision.sequence)))


def latest_decision(violation_id: uuid.UUID) -> ViolationDecision | None:
    """The decision in force for a violation."""
    return db.session.scalar(select(ViolationDecision).where(
        ViolationDecision.violation_id == violation_id)
        .order_by(ViolationDecision.sequence.desc()).limit(1))


def corrections_due(today: date) -> list[dict[str, Any]]:
    """Violations waiting for a correction (waiver pending) whose deadline has passed:
    the planning job turns each into one re-inspection task (复查)."""
    rows = db.session.execute(
        select(ViolationDecision, Violation.enterprise_id, Violation.code)
        .join(Violation, Violation.id == ViolationDecision.violation_id)
        .where(ViolationDecision.outcome == "pending_correction")
        .order_by(ViolationDecision.violation_id, ViolationDecision.sequence)).all()
    found = []
    for decision, enterprise_id, code in rows:
        latest = latest_decision(decision.violation_id)
        deadline = (decision.result.get("zh") or {}).get("waiver", {}).get("deadline")
        if latest is None or latest.id != decision.id or not deadline:
            continue
        deadline_day = date.fromisoformat(deadline)
        if deadline_day >= today:  # the party may still correct on the deadline day
            continue
        found.append({"deadline": deadline_day, "enterprise_id": enterprise_id,
                      "source_ref": f"violation:{decision.violation_id}:correction:{deadline}",
                      "reason": f"{code} 整改期限届满 (waiver pending correction)"})
    return found


def _context(inspection: Any, site: dict[str, Any] | None,
             reported: tuple[float, float] | None) -> RecordContext:
    config = current_app.config
    return RecordContext(
        site=to_shape(site) if site else None, started_at=inspection.started_at,
        ended_at=inspection.ended_at, reported=reported,
        outside_site_m=config["OUTSIDE_SITE_M"], mismatch_m=config["LOCATION_MISMATCH_M"],
        tolerance=timedelta(minutes=config["CAPTURE_TOLERANCE_MIN"]))


def evidence_report(violation: Violation) -> list[dict[str, Any]]:
    """Each cited evidence item: present or missing, and its position and time checks."""
    if not violation.evidence:
        return []
    inspection = db.session.get(Inspection, violation.inspection_id)
    enterprise = db.session.get(Enterprise, violation.enterprise_id)
    checkin = inspection.checkin or {}
    reported = ((violation.lon, violation.lat) if violation.lat is not None
                else (checkin["lon"], checkin["lat"]) if checkin else None)
    context = _context(inspection, enterprise.site, reported)
    facts = evidence_facts(violation.evidence, violation.district)
    return [check(sha256, facts.get(sha256), context) for sha256 in violation.evidence]


def inspection_evidence_report(inspection: Inspection) -> list[dict[str, Any]]:
    """The signature images and their presence."""
    cited = [s["evidence_sha256"] for s in inspection.signatures if s.get("evidence_sha256")]
    if not cited:
        return []
    enterprise = db.session.get(Enterprise, inspection.enterprise_id)
    checkin = inspection.checkin or {}
    context = _context(inspection, enterprise.site,
                       (checkin["lon"], checkin["lat"]) if checkin else None)
    facts = evidence_facts(cited, inspection.district)
    return [check(sha256, facts.get(sha256), context) for sha256 in cited]
