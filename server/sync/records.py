"""Push handlers of inspection records and violations, through the fieldwork services."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from marshmallow import Schema
from sqlalchemy import select

from schemas.fieldwork import InspectionFields, ViolationFields
from schemas.sync import StatusFields
from server.cases import locks
from server.errors import NotFound, ValidationFailed
from server.extensions import db
from server.fastdump import Compiled
from server.fieldwork import checklists, inspections, violations
from server.fieldwork.models import Inspection, Violation
from server.planning.models import Task
from server.registry.models import Enterprise
from server.sync import conflicts, payloads
from server.sync.mutations import (
    Context,
    Outcome,
    Waiting,
    load,
    merge_update,
    record_id,
    reject_server_owned,
    same_create,
)
from server.sync.payloads import as_uuid
from server.uow import among, find, lock_all

CORRECTION = "correction_reason"


def changes_schema(schema_class: type[Schema]) -> Schema:
    """A schema of changed fields: any field may be left out, but a nested value given (a
    signature, a location) is checked whole, with its defaults (`partial=True` would let its
    required parts be left out too)."""
    return schema_class(partial=tuple(schema_class().fields))


# Schemas are built once: building one (with its nested fields) costs more than a load.
# Compiled (server/fastdump.py): a push loads the fields of every mutation it applies.
INSPECTION_NEW, INSPECTION_CHANGES = Compiled(InspectionFields()), Compiled(
    changes_schema(InspectionFields))
VIOLATION_NEW, VIOLATION_CHANGES = Compiled(ViolationFields()), Compiled(
    changes_schema(ViolationFields))
STATUS = Compiled(StatusFields())


def inspection_create(ctx: Context) -> Outcome:
    """Open the record under the tablet's id (a repeated create is harmless when it sends what
    the record holds; one sending other values is refused, 409, never dropped)."""
    reject_server_owned("inspection", ctx.values)
    data = load(INSPECTION_NEW, ctx.values)
    data["id"] = record_id(ctx.mutation["id"])
    record, created = inspections.open_inspection(ctx.actor, data, new=ctx.new,
                                                  signed_at=ctx.recorded_at)
    if not created:
        same_create(ctx, "inspection", InspectionFields, data)
    return Outcome(record.version)


RECORDS: dict[str, type[Any]] = {"inspection": Inspection, "violation": Violation}
# Record parts edit their parent record: (its entity, the field naming it).
PARENTS = {"signature": ("inspection", "inspection_id"),
           "checklist_answer": ("inspection", "inspection_id"),
           "evidence_link": ("violation", "violation_id")}


@contextmanager
def prepared(mutations: list[dict[str, Any]]) -> Iterator[set[str]]:
    """Load at once what a run of mutations would look up one by one; yield the unused ids.

    The records it edits are locked, with their merge bases and open conflicts; the
    enterprises its new records belong to and the violations already recorded there (their
    history) are loaded. The yielded ids are those of its creates that no record has yet."""
    unused = _unused(mutations)
    edited = [(entity, row) for entity, row in _lock_edited(mutations) if entity in RECORDS]
    conflicts.load_bases([(entity, str(row.id), row.version) for entity, row in edited])
    with violations.histories_at(_places(mutations)), payloads.open_conflicts_known(
            [(entity, str(row.id)) for entity, row in edited]), locks.known_for(
            *({row.id for entity, row in edited if entity == kind}
              for kind in ("inspection", "violation"))):
        yield unused


def _creates(mutations: list[dict[str, Any]], entity: str) -> list[dict[str, Any]]:
    """The mutations creating an `entity` record."""
    return [m for m in mutations if m["entity"] == entity and m["op"] == "create"]


def _unused(mutations: list[dict[str, Any]]) -> set[str]:
    """The ids of inspection and violation creates that no record has (a query per entity)."""
    unused = set()
    for entity, model in RECORDS.items():
        wanted = {key: m["id"] for m in _creates(mutations, entity)
                  if (key := as_uuid(m["id"])) is not None}
        taken = set(db.session.scalars(select(model.id).where(among(model.id, wanted)))) \
            if wanted else set()
        unused |= {text for key, text in wanted.items() if key not in taken}
    return unused


def _lock_edited(mutations: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    """Lock what the mutations edit (records, the parents of parts, tasks) in one order."""
    edited: dict[str, set[uuid.UUID | None]] = {"inspection": set(), "violation": set(),
                                                "task": set()}
    for mutation in mutations:
        if mutation["entity"] in PARENTS:
            entity, field = PARENTS[mutation["entity"]]
            edited[entity].add(as_uuid(_value(mutation, field)))
        elif mutation["entity"] in edited and mutation["op"] != "create":
            edited[mutation["entity"]].add(as_uuid(mutation["id"]))
    models = RECORDS | {"task": Task}
    return [(entity, row) for entity, keys in edited.items()
            for row in lock_all(models[entity], keys - {None})]


def _places(mutations: list[dict[str, Any]]) -> set[uuid.UUID]:
    """The enterprises of new records (loaded, with the inspection records violations cite)."""
    opened = _creates(mutations, "inspection")
    made = {as_uuid(m["id"]) for m in opened}
    places = {as_uuid(_value(m, "enterprise_id")) for m in opened}
    cited = {as_uuid(_value(m, "inspection_id")) for m in _creates(mutations, "violation")}
    cited -= made | {None}
    if cited:
        places |= {row.enterprise_id for row in db.session.scalars(
            select(Inspection).where(among(Inspection.id, cited)))}
    known = {place for place in places if place is not None}
    if known:
        db.session.scalars(select(Enterprise).where(Enterprise.id.in_(known))).all()
    return known


def _value(mutation: dict[str, Any], name: str) -> Any:
    """A field of the mutation, or None."""
    values = mutation.get("values")
    return values.get(name) if isinstance(values, dict) else None


@contextmanager
def _unseen(entity: str, key: str) -> Iterator[None]:
    """A record the actor may not see answers as one that has not arrived (Waiting): held,
    never applied, and telling nothing of another district's records (SECURITY.md)."""
    try:
        yield
    except NotFound as error:
        raise Waiting(entity, key) from error


def existing_inspection(ctx: Context, key: str) -> Inspection:
    """The inspection record (locked), or Waiting when it has not arrived yet (or the actor
    may not see it)."""
    inspection_id = record_id(key)
    if find(Inspection, inspection_id, lock=True) is None:
        raise Waiting("inspection", key)
    with _unseen("inspection", key):
        return inspections.get_inspection(ctx.actor, inspection_id, lock=True)


def update_inspection_fields(ctx: Context, record: Inspection, changes: dict[str, Any],
                             reason: str | None) -> Outcome:
    """Merge changed fields of an inspection (the services validate them); who may not
    change the record is refused before a stale base could turn the change into a conflict,
    and so are answers to checklist items no template holds."""
    inspections.check_writable(ctx.actor, record)
    if "checklist" in changes:
        checklists.refuse_unknown_items(changes["checklist"],
                                        changes.get("started_at") or record.started_at,
                                        held=record.checklist)

    def apply(version: int, chosen: dict[str, Any]) -> int:
        return inspections.update_inspection(ctx.actor, record.id, version, chosen,
                                             reason, ctx.recorded_at).version

    return merge_update(ctx, "inspection", record.version, record.district, InspectionFields,
                        changes, apply)


def inspection_update(ctx: Context) -> Outcome:
    """Changed fields of a record; a submitted one needs `correction_reason`."""
    values = dict(ctx.values)
    reason = values.pop(CORRECTION, None)
    reject_server_owned("inspection", values)
    changes = load(INSPECTION_CHANGES, values)
    if not changes:
        raise ValidationFailed("Nothing to change.", errors={"fields": ["no field given"]})
    if "enterprise_id" in changes:
        raise ValidationFailed("A record cannot move to another enterprise.",
                               errors={"enterprise_id": ["cannot be changed"]})
    record = existing_inspection(ctx, ctx.mutation["id"])
    return update_inspection_fields(ctx, record, changes, reason)


def inspection_status(ctx: Context) -> Outcome:
    """Submit the record (signatures of two officers and of the party are required)."""
    wanted = load(STATUS, ctx.values)
    if wanted["status"] != "submitted":
        raise ValidationFailed("An inspection record can only be submitted.",
                               errors={"status": ["only 'submitted'"]})
    record = existing_inspection(ctx, ctx.mutation["id"])
    if record.status == "submitted":
        return Outcome(record.version)  # the same intent arrived twice
    return Outcome(inspections.submit_inspection(ctx.actor, record.id, record.version).version)


def violation_create(ctx: Context) -> Outcome:
    """Record a violation; the rules decide it at once (a repeated create: as for a record)."""
    reject_server_owned("violation", ctx.values)
    data = load(VIOLATION_NEW, ctx.values)
    data["id"] = record_id(ctx.mutation["id"])
    # One read: a record that has not arrived is NotFound as well, so Waiting too.
    with _unseen("inspection", str(data["inspection_id"])):
        inspection = inspections.get_inspection(ctx.actor, data["inspection_id"])
    record, created = violations.record_violation(ctx.actor, data, new=ctx.new,
                                                  inspection=inspection)
    if not created:
        same_create(ctx, "violation", ViolationFields, data)
    return Outcome(record.version)


def existing_violation(ctx: Context, key: str) -> Violation:
    """The violation (locked), or Waiting when it has not arrived yet."""
    violation_id = record_id(key)
    if find(Violation, violation_id, lock=True) is None:
        raise Waiting("violation", key)
    with _unseen("violation", key):
        return violations.get_violation(ctx.actor, violation_id, lock=True)


def update_violation_fields(ctx: Context, record: Violation, changes: dict[str, Any]
                            ) -> Outcome:
    """Merge changed facts of a violation; it is re-decided by the rules (who may not change
    it is refused first, as for an inspection)."""
    violations.check_writable(ctx.actor, record)

    def apply(version: int, chosen: dict[str, Any]) -> int:
        return violations.update_violation(ctx.actor, record.id, version, chosen).version

    return merge_update(ctx, "violation", record.version, record.district, ViolationFields,
                        changes, apply)


def violation_update(ctx: Context) -> Outcome:
    """Changed fields of a violation."""
    reject_server_owned("violation", ctx.values)
    changes = load(VIOLATION_CHANGES, ctx.values)
    if not changes:
        raise ValidationFailed("Nothing to change.", errors={"fields": ["no field given"]})
    if "inspection_id" in changes:
        raise ValidationFailed("A violation cannot move to another inspection.",
                               errors={"inspection_id": ["cannot be changed"]})
    return update_violation_fields(ctx, existing_violation(ctx, ctx.mutation["id"]), changes)


def refuse_delete(ctx: Context) -> Outcome:
    """Field records are evidence of an administrative procedure: never deleted."""
    raise ValidationFailed(f"A {ctx.mutation['entity']} is never deleted; correct it instead.",
                           errors={"op": ["delete is not allowed for this entity"]})
