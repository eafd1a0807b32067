"""Use cases of violations: record, change facts, read; every change is re-decided by the rules."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import func, or_, select, true

from server.audit import service as audit
from server.auth.policy import Actor, authorize, in_scope, unknown_record
from server.cases.locks import ensure_not_locked
from server.clock import SHANGHAI, today_shanghai, utcnow
from server.db_types import json_safe
from server.errors import Conflict, ValidationFailed, VersionConflict
from server.evidence.service import share
from server.extensions import db
from server.fieldwork import inspections
from server.fieldwork.evidence_reports import evidence_report, inspection_evidence_report
from server.fieldwork.models import Inspection, Violation, ViolationDecision
from server.fieldwork.rulings import (
    HISTORIES,
    decide,
    decide_new,
    histories_at,
    latest_decision,
    redecide_as_of,
    ruling,
)
from server.geo import distance_to_geojson_m, location_as_wgs84
from server.registry.models import Enterprise
from server.rulesets import service as rulesets
from server.uow import find, lock_all, unit_of_work

__all__ = [  # the evidence reports and the rulings are served from here too
    "EDITABLE", "HISTORIES", "check_writable", "corrections_due", "decisions", "evidence_report",
    "get_violation", "histories_at", "inspection_evidence_report", "latest_decision",
    "list_violations", "lock", "page_violations", "readable", "record_violation",
    "redecide_as_of", "ruling", "update_violation",
]

# Lists run in the order the acts happened; the id keeps pages stable when two were made at once.
ACT_ORDER = (Violation.occurred_on, Violation.created_at, Violation.id)

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


def lock(violation_ids: list[uuid.UUID]) -> list[Violation]:
    """Lock violations, in id order (before their case: the order follow.py takes them in)."""
    return lock_all(Violation, set(violation_ids))


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


def _check_found(occurred_on: date, discovered_on: date) -> None:
    """The act happened no later than the inspection that found it."""
    if occurred_on > discovered_on:
        raise ValidationFailed(
            "The act cannot have happened after the inspection that found it.",
            errors={"occurred_on": [f"on or before {discovered_on}, the inspection's day"]})


def _check_code(code: str, occurred_on) -> None:
    if not rulesets.code_known(code, occurred_on):
        raise ValidationFailed(f"{code} is not in the violation catalogue in force on "
                               f"{occurred_on}.", errors={"code": ["unknown catalogue code"]})


def record_violation(actor: Actor, data: dict[str, Any], *, new: bool = False,
                     inspection: Inspection | None = None) -> tuple[Violation, bool]:
    """Record a violation found during an inspection; the rules decide it at once.

    `new`: the caller saw that no violation has this id (a sync push asks once for many);
    `inspection`: its record, when the caller has read it already (get_inspection)."""
    authorize(actor, "violation.create")
    existing = None if new else db.session.get(Violation, data["id"])
    if existing is not None:
        _authorize(actor, "violation.read", existing)
        if existing.created_by != actor.user_id or existing.inspection_id != data["inspection_id"]:
            raise Conflict("A violation with this id already exists.")
        return existing, False
    if inspection is None:
        inspection = inspections.get_inspection(actor, data["inspection_id"])
    inspections.authorize_on(actor, "violation.create", inspection)
    inspections.must_be_officer(actor, inspection.officers)
    discovered_on = inspection.started_at.astimezone(SHANGHAI).date()
    _check_found(data["occurred_on"], discovered_on)
    _check_code(data["code"], data["occurred_on"])
    _check_span(data["continuing"], data["occurred_on"], data["ended_on"])
    with unit_of_work() as session:
        enterprise = session.get(Enterprise, inspection.enterprise_id)
        violation = Violation(
            id=data["id"], inspection_id=inspection.id, enterprise_id=enterprise.id,
            district=inspection.district, discovered_on=discovered_on,
            created_by=actor.user_id, device_id=actor.device_id, created_at=utcnow(), version=1,
            **{k: json_safe(data[k]) if k == "facts" else data[k] for k in EDITABLE})
        _location(violation, data.get("location"))
        _geo_check(violation, enterprise)
        decision, redecided = decide_new(violation)
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
        raise unknown_record()
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
        if "occurred_on" in changes:
            _check_found(changes["occurred_on"], violation.discovered_on)
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
        decision = decide(violation)
        audit.record(actor, "violation.update", "violation", violation.id,
                     {"fields": changed, "version": violation.version,
                      "outcome": decision.outcome})
    return violation


def readable(actor: Actor) -> Any:
    """The violations the actor may read (SQL predicate): of their scope, and for an inspector
    also those of records naming them an officer; Forbidden for a role that reads none."""
    authorize(actor, "violation.read")
    if actor.city_wide:
        return true()
    if actor.role == "inspector":
        return or_(Violation.district == actor.scope, Violation.inspection_id.in_(
            select(Inspection.id).where(inspections.in_reach(actor))))
    return Violation.district == actor.scope


def _listed(actor: Actor, inspection_id: uuid.UUID | None, enterprise_id: uuid.UUID | None):
    """The violations in scope of an inspection or an enterprise (either may be None)."""
    query = select(Violation).where(readable(actor))
    if inspection_id:
        query = query.where(Violation.inspection_id == inspection_id)
    if enterprise_id:
        query = query.where(Violation.enterprise_id == enterprise_id)
    return query


def list_violations(actor: Actor, inspection_id: uuid.UUID | None,
                    enterprise_id: uuid.UUID | None) -> list[Violation]:
    """Violations in scope, filtered by inspection or enterprise (the first 1,000)."""
    return list(db.session.scalars(_listed(actor, inspection_id, enterprise_id)
                                   .order_by(*ACT_ORDER).limit(1000)))


def page_violations(actor: Actor, inspection_id: uuid.UUID | None,
                    enterprise_id: uuid.UUID | None, page: int,
                    per_page: int, newest_first: bool = False) -> tuple[list[Violation], int]:
    """A page of the violations in scope, filtered by inspection or enterprise, in the order
    the acts happened (or the latest first), and their total."""
    query = _listed(actor, inspection_id, enterprise_id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    order = [column.desc() for column in ACT_ORDER] if newest_first else ACT_ORDER
    return list(db.session.scalars(query.order_by(*order).limit(per_page)
                                   .offset((page - 1) * per_page))), total


def decisions(actor: Actor, violation_id: uuid.UUID) -> list[ViolationDecision]:
    """Every decision taken on a violation, oldest first."""
    get_violation(actor, violation_id)
    return list(db.session.scalars(select(ViolationDecision).where(
        ViolationDecision.violation_id == violation_id).order_by(ViolationDecision.sequence)))


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
