"""What a supervisor needs to decide a conflict: the record's enterprise, the inspection or
violation it is, who recorded each side and when (the server's side from the audit entry that
made the version the tablet conflicted with, the tablet's from the tablet's clock)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from server.audit import service as audit
from server.auth import service as auth
from server.auth.policy import Actor, authorize, in_scope
from server.clock import SHANGHAI
from server.extensions import db
from server.fieldwork.models import Inspection, Violation
from server.planning.models import Task
from server.registry import service as registry
from server.registry.models import Enterprise
from server.sync.models import SyncConflict

# the audit actions that write a version of each kind of record (a create writes version 1)
WRITES = {"inspection": ("inspection.create", "inspection.update", "inspection.correct"),
          "violation": ("violation.create", "violation.update")}


@dataclass(frozen=True)
class Side:
    """Who recorded one side of a conflict and when; `on_tablet`: `at` is the tablet's clock
    (else when the server wrote or received it)."""

    by: str | None
    at: datetime | None
    on_tablet: bool = False


@dataclass(frozen=True)
class Context:
    """A conflict's record as a supervisor recognises it."""

    enterprise: Enterprise | None
    inspection_id: uuid.UUID | None
    inspection_on: date | None
    task_id: uuid.UUID | None
    task_kind: str | None
    violation_code: str | None
    violation_on: date | None
    server: Side
    tablet: Side


def _rows(model: Any, ids: Collection[uuid.UUID], actor: Actor) -> dict[uuid.UUID, Any]:
    """The records of these ids in the actor's scope, by id."""
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)))
            if in_scope(actor, row.district)}


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def _writes(found: list[SyncConflict]) -> dict[tuple[str, int], Any]:
    """The audit entry that wrote each (record id, version) of the conflicts' records."""
    by_version: dict[tuple[str, int], Any] = {}
    for entity, actions in WRITES.items():
        ids = {c.entity_id for c in found if c.entity == entity}
        for entry in audit.entries_of(entity, ids, actions) if ids else []:
            version = 1 if entry.action.endswith(".create") else entry.details.get("version")
            if isinstance(version, int):
                by_version[(entry.entity_id, version)] = entry
    return by_version


def describe(actor: Actor, found: list[SyncConflict]) -> dict[uuid.UUID, Context]:
    """The context of each conflict in the actor's scope (by conflict id)."""
    authorize(actor, "sync.conflict.read")
    found = [c for c in found if in_scope(actor, c.district)]
    keys = {c.id: _uuid(c.entity_id) for c in found}
    violations = _rows(Violation, {keys[c.id] for c in found
                                   if c.entity == "violation" and keys[c.id]}, actor)
    inspections = _rows(Inspection, {keys[c.id] for c in found if c.entity == "inspection"
                                     and keys[c.id]} | {v.inspection_id
                                                        for v in violations.values()}, actor)
    task_ids = {i.task_id for i in inspections.values() if i.task_id}
    kinds = dict(db.session.execute(select(Task.id, Task.kind).where(
        Task.id.in_(task_ids))).all()) if task_ids else {}
    parties = {e.id: e for e in registry.parties_of(list(
        {r.enterprise_id for r in [*violations.values(), *inspections.values()]}))}
    writes = _writes(found)
    names = auth.display_names({c.user_id for c in found} | {
        uuid.UUID(e.actor_id) for e in writes.values() if e.actor_id})
    out = {}
    for conflict in found:
        violation = violations.get(keys[conflict.id])
        inspection = inspections.get(violation.inspection_id if violation else keys[conflict.id])
        record = violation or inspection
        write = writes.get((conflict.entity_id, conflict.server_version))
        task_id = inspection.task_id if inspection else None
        out[conflict.id] = Context(
            enterprise=parties.get(record.enterprise_id) if record else None,
            inspection_id=inspection.id if inspection else None,
            inspection_on=inspection.started_at.astimezone(SHANGHAI).date()
            if inspection else None,
            task_id=task_id, task_kind=kinds.get(task_id),
            violation_code=violation.code if violation else None,
            violation_on=violation.occurred_on if violation else None,
            server=Side(names.get(uuid.UUID(write.actor_id)) if write and write.actor_id
                        else None, write.at if write else None),
            tablet=Side(names.get(conflict.user_id),
                        conflict.tablet_recorded_at or conflict.created_at,
                        conflict.tablet_recorded_at is not None))
    return out
