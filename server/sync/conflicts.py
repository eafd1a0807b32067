"""Edits made on a stale base: field-wise merge when they do not overlap what the server
changed since that base, otherwise both values kept for a supervisor (list and resolve)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from server.audit import service as audit
from server.auth.policy import Actor, authorize, unknown_record
from server.clock import utcnow
from server.db_types import json_safe
from server.errors import Conflict, ValidationFailed
from server.extensions import db
from server.sync import payloads
from server.sync.keys import by_entity
from server.sync.models import SyncConflict, SyncVersion


@dataclass
class Plan:
    """What to do with a tablet's fields: apply some, hold the overlapping ones."""

    apply: list[str]
    overlap: list[str] = field(default_factory=list)
    stale: bool = False
    server_changed: list[str] = field(default_factory=list)


def remember(entity: str, entity_id: str, version: int, fields: dict[str, Any]) -> None:
    """Keep the editable fields of a version (the base of later merges)."""
    key = (entity, entity_id, version)
    if db.session.get(SyncVersion, key) is None:
        db.session.add(SyncVersion(entity=entity, entity_id=entity_id, version=version,
                                   fields=fields))
        db.session.flush()


def load_bases(keys: list[tuple[str, str, int]]) -> None:
    """Load the kept fields of these (entity, id, version)s into the session for the batch,
    one query per entity: remember() then finds each without a query. Ids and versions are
    asked as IN lists (keys.by_entity), so a kept version of one record at another's version
    may come along, never a record's whole history."""
    for entity, pairs in by_entity((entity, (key, version)) for entity, key, version in keys
                                   ).items():
        for start in range(0, len(pairs), 500):
            chunk = pairs[start:start + 500]
            db.session.scalars(select(SyncVersion).where(
                SyncVersion.entity == entity,
                SyncVersion.entity_id.in_({key for key, _ in chunk}),
                SyncVersion.version.in_({version for _, version in chunk}))).all()


def base_fields(entity: str, entity_id: str, version: int) -> dict[str, Any] | None:
    """The editable fields as they were at `version` (the nearest kept one below it)."""
    return db.session.scalar(select(SyncVersion.fields).where(
        SyncVersion.entity == entity, SyncVersion.entity_id == entity_id,
        SyncVersion.version <= version).order_by(SyncVersion.version.desc()).limit(1))


def plan(entity: str, entity_id: str, current_version: int, current: dict[str, Any],
         base_version: int | None, tablet: dict[str, Any]) -> Plan:
    """Split the tablet's fields into those to apply and those overlapping server edits."""
    if base_version is None:
        raise ValidationFailed("An update needs the base_version it was made on.",
                               errors={"base_version": ["required for an update"]})
    if base_version > current_version:
        raise ValidationFailed(f"base_version {base_version} is newer than the server's "
                               f"{current_version}.", errors={"base_version": ["unknown version"]})
    if base_version == current_version:
        return Plan(apply=sorted(tablet))
    base = base_fields(entity, entity_id, base_version)
    if base is not None:  # a base kept before a field existed held its default
        base = payloads.ADDED_LATER.get(entity, {}) | base
    server_changed = sorted(f for f in current if base is None or base.get(f) != current[f])
    tablet_changed = {f for f in tablet if base is None or base.get(f) != tablet[f]}
    overlap = sorted(f for f in tablet_changed & set(server_changed)
                     if tablet[f] != current.get(f))
    apply = sorted(f for f in tablet_changed - set(overlap) if tablet[f] != current.get(f))
    return Plan(apply, overlap, True, server_changed)


def tablet_clock(mutation: dict[str, Any]) -> datetime | None:
    """When the tablet recorded a mutation's edit (a held one keeps it as text), or None."""
    value = mutation.get("recorded_at")
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def record(actor: Actor, mutation: dict[str, Any], district: str, step: Plan,
           current_version: int, current: dict[str, Any],
           tablet: dict[str, Any], record_key: tuple[str, str] | None = None) -> SyncConflict:
    """Store a soft (merged) or hard (open) conflict on the record (default: the mutation's
    own entity and id) and audit it."""
    hard = bool(step.overlap)
    entity, entity_id = record_key or (mutation["entity"], mutation["id"])
    conflict = SyncConflict(
        kind="hard" if hard else "soft", status="open" if hard else "merged",
        entity=entity, entity_id=entity_id, district=district,
        mutation_id=mutation["mutation_id"], user_id=actor.user_id,
        device_id=actor.device_id or "", base_version=mutation["base_version"],
        server_version=current_version, fields=step.overlap,
        server_values={f: current.get(f) for f in (step.overlap or step.server_changed)},
        tablet_values={f: tablet[f] for f in (step.overlap or step.apply)},
        merged_fields=step.apply, created_at=utcnow(),
        tablet_recorded_at=tablet_clock(mutation))
    db.session.add(conflict)
    db.session.flush()
    if hard:
        payloads.noted_open(entity, entity_id, conflict.id)
    audit.record(actor, f"sync.conflict.{conflict.kind}", entity, entity_id,
                 {"conflict_id": str(conflict.id), "fields": step.overlap,
                  "merged": step.apply, "base_version": mutation["base_version"],
                  "server_version": current_version})
    return conflict


def list_conflicts(actor: Actor, status: str, limit: int) -> list[SyncConflict]:
    """Conflicts in the supervisor's district, oldest first."""
    authorize(actor, "sync.conflict.read")
    query = select(SyncConflict)
    if not actor.city_wide:
        query = query.where(SyncConflict.district == actor.scope)
    if status != "all":
        query = query.where(SyncConflict.status == status)
    return list(db.session.scalars(query.order_by(SyncConflict.created_at, SyncConflict.id)
                                   .limit(limit)))


def get_conflict(actor: Actor, conflict_id: uuid.UUID) -> SyncConflict:
    """A conflict in the actor's scope (not locked: to read), for a role that may list them
    (any other is refused as the list refuses it, whatever the id)."""
    authorize(actor, "sync.conflict.read")
    conflict = db.session.get(SyncConflict, conflict_id)
    if conflict is None:
        raise unknown_record()
    authorize(actor, "sync.conflict.read", conflict.district)
    return conflict


def get_open(actor: Actor, conflict_id: uuid.UUID) -> SyncConflict:
    """A conflict in scope that still waits for a decision (locked)."""
    conflict = db.session.get(SyncConflict, conflict_id, with_for_update=True)
    if conflict is None:
        raise unknown_record()
    authorize(actor, "sync.conflict.resolve", conflict.district)
    if conflict.status != "open":
        raise Conflict(f"The conflict is {conflict.status}, not open.")
    return conflict


def chosen_values(conflict: SyncConflict, choice: str, values: dict[str, Any]) -> dict[str, Any]:
    """The values the supervisor chose for the conflicting fields."""
    if choice == "server":
        return {}
    if choice == "tablet":
        return dict(conflict.tablet_values)
    if set(values) != set(conflict.fields):
        raise ValidationFailed("A merged value is needed for each conflicting field, and only "
                               "for those.", errors={"values": [
                                   f"give exactly: {', '.join(conflict.fields)}"]})
    return dict(values)


def refresh(actor: Actor, conflict: SyncConflict, now: dict[str, Any], version: int
            ) -> list[str]:
    """The conflicting fields whose value on the record moved since the conflict was recorded
    (another edit came after it); the conflict then shows their values now, so a choice made
    on the old ones is not applied over an edit its maker never saw."""
    now = json_safe(now)
    moved = [f for f in conflict.fields if now.get(f) != conflict.server_values.get(f)]
    if moved:
        conflict.server_values = {**conflict.server_values, **{f: now.get(f) for f in moved}}
        conflict.server_version = version
        audit.record(actor, "sync.conflict.refresh", conflict.entity, conflict.entity_id,
                     {"conflict_id": str(conflict.id), "fields": moved, "version": version})
    return moved


def close(actor: Actor, conflict: SyncConflict, choice: str, values: dict[str, Any],
          version: int) -> None:
    """Mark a conflict resolved (the chosen values already applied) and audit it."""
    conflict.status = "resolved"
    conflict.resolved_by = actor.user_id
    conflict.resolved_at = utcnow()
    conflict.resolution = {"choice": choice, "values": values, "version": version}
    audit.record(actor, "sync.conflict.resolve", conflict.entity, conflict.entity_id,
                 {"conflict_id": str(conflict.id), "choice": choice,
                  "fields": sorted(values), "version": version})
