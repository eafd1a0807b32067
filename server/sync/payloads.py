"""Each synced record as its REST representation (a violation's decision as its brief), with
the scope keys that filter pulls."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.util import identity_key

from schemas.fieldwork import InspectionSchema, ViolationSchema
from schemas.sync import PulledOfficerSchema
from schemas.tasks import TaskSchema
from server.auth.models import User
from server.evidence.api import evidence_json
from server.evidence.models import Evidence, EvidenceHolder
from server.extensions import db
from server.fastdump import compile_dump
from server.fieldwork.citations import officers, records_citing
from server.fieldwork.models import Inspection, Violation, ViolationDecision
from server.fieldwork.views import LATEST, inspection_json, violation_json
from server.planning import lifecycle
from server.planning import tasks as planning
from server.planning.models import Task, TaskAssignee
from server.registry.models import Enterprise
from server.registry.views import enterprise_json
from server.sync.brief import brief
from server.sync.keys import by_entity
from server.sync.models import SyncConflict
from server.uow import among

# The fields a tablet edits, per pushable entity: the base of field-wise merges.
EDITABLE: dict[str, tuple[str, ...]] = {
    "inspection": ("task_id", "inspector_ids", "started_at", "ended_at", "checkin",
                   "people_present", "checklist", "findings", "signatures"),
    "violation": ("code", "occurred_on", "continuing", "ended_on", "party_type", "location",
                  "description", "facts", "bases", "factors", "mitigation", "evidence"),
    "task": ("status",),
}
# Editable fields added after merge bases were kept, with the value a record had before them
# (migration 0013: a violation was a one-off act).
ADDED_LATER: dict[str, dict[str, Any]] = {
    "violation": {"continuing": False, "ended_on": None},
}


@dataclass
class Snapshot:
    """A record now: its data (None when deleted), version and who may pull it (the staff of
    `district` and of `other_districts`, the users named, or everyone)."""

    op: str
    version: int
    data: dict[str, Any] | None
    district: str | None = None
    users: set[str] = field(default_factory=set)
    everyone: bool = False
    other_districts: set[str] = field(default_factory=set)


OPEN_CONFLICTS = "sync_open_conflicts"
DECISIONS = "sync_latest_decisions"
# Built once: building a schema with its nested fields costs more than a dump; compiled, as
# a push dumps every record it changes (server/fastdump.py).
dump_task, dump_inspection, dump_violation = (
    compile_dump(schema()) for schema in (TaskSchema, InspectionSchema, ViolationSchema))
OFFICER = PulledOfficerSchema()


def _chunks(ids: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(ids), 500):
        yield ids[start:start + 500]


@contextmanager
def prefetch(keys: Iterable[tuple[str, str]]) -> Iterator[None]:
    """Load the open conflicts of many records, and the decisions in force of many
    violations, in one query each for the serializers below."""
    keys = list(keys)
    violation_ids = {found_id for entity, key in keys
                     if entity == "violation" and (found_id := as_uuid(key)) is not None}
    with open_conflicts_known(keys):
        db.session.info[DECISIONS] = _decisions_in_force(violation_ids)
        try:
            yield
        finally:
            db.session.info.pop(DECISIONS, None)


def _load_open_conflicts(keys: list[tuple[str, str]]) -> dict[tuple[str, str], list[str]]:
    """The open conflicts of these records, oldest first (an empty list when none)."""
    found: dict[tuple[str, str], list[str]] = {key: [] for key in keys if key[0] in EDITABLE}
    for entity, ids in by_entity(sorted(found)).items():  # the record index (entity, id)
        for chunk in _chunks(ids):
            for entity_id, conflict_id in db.session.execute(
                    select(SyncConflict.entity_id, SyncConflict.id).where(
                        SyncConflict.entity == entity, among(SyncConflict.entity_id, chunk),
                        SyncConflict.status == "open").order_by(SyncConflict.created_at)):
                found.setdefault((entity, entity_id), []).append(str(conflict_id))
    return found


@contextmanager
def open_conflicts_known(keys: list[tuple[str, str]]) -> Iterator[None]:
    """Load the open conflicts of these records at once (the records a sync push run edits);
    until the block ends the serializers read them from here, and noted_open adds the ones
    opened meanwhile."""
    db.session.info[OPEN_CONFLICTS] = _load_open_conflicts(keys)
    try:
        yield
    finally:
        db.session.info.pop(OPEN_CONFLICTS, None)


def noted_open(entity: str, entity_id: str, conflict_id: uuid.UUID) -> None:
    """A conflict just opened on the record: loaded open conflicts list it too."""
    known = db.session.info.get(OPEN_CONFLICTS)
    if known is not None and (entity, entity_id) in known:
        known[(entity, entity_id)].append(str(conflict_id))


def _decisions_in_force(violation_ids: set[uuid.UUID]) -> dict[str, ViolationDecision]:
    """The latest decision of each violation, by the violation's canonical id. Only ids are
    read first: a push has just made most of these decisions, and they are in the session."""
    latest: dict[str, uuid.UUID] = {}  # the latest sequence wins
    for chunk in _chunks(sorted(violation_ids)):
        latest.update({str(violation_id): decision_id for violation_id, decision_id in
                       db.session.execute(select(ViolationDecision.violation_id,
                                                 ViolationDecision.id)
                                          .where(among(ViolationDecision.violation_id, chunk))
                                          .order_by(ViolationDecision.sequence))})
    rows: dict[uuid.UUID, ViolationDecision] = {}
    for decision_id in latest.values():
        held = db.session.identity_map.get(identity_key(ViolationDecision, decision_id))
        if held is not None:
            rows[decision_id] = held
    for chunk in _chunks([d for d in latest.values() if d not in rows]):
        rows.update({row.id: row for row in db.session.scalars(
            select(ViolationDecision).where(among(ViolationDecision.id, chunk)))})
    return {violation_id: rows[decision_id] for violation_id, decision_id in latest.items()}


def as_uuid(value: Any) -> uuid.UUID | None:
    """The value as a UUID, or None (not one: a composite id, or input a handler refuses)."""
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return None


def _open_conflicts(entity: str, entity_id: str) -> list[str]:
    known = db.session.info.get(OPEN_CONFLICTS)
    if known is not None and (entity, entity_id) in known:  # loaded (else not asked for)
        return list(known[(entity, entity_id)])  # a copy: noted_open appends to the memo
    return [str(i) for i in db.session.scalars(select(SyncConflict.id).where(
        SyncConflict.entity == entity, SyncConflict.entity_id == entity_id,
        SyncConflict.status == "open").order_by(SyncConflict.created_at))]


def enterprise(key: str) -> Snapshot | None:
    """An enterprise with its site; also pulled by the inspectors of its open tasks."""
    row = db.session.get(Enterprise, uuid.UUID(key))
    if row is None:
        return None
    users = {str(u) for u in db.session.scalars(
        select(TaskAssignee.user_id).join(Task, Task.id == TaskAssignee.task_id)
        .where(Task.enterprise_id == row.id, Task.status.in_(lifecycle.OPEN)))}
    if row.deleted_at is not None:
        return Snapshot("delete", row.version, None, row.district, users)
    return Snapshot("upsert", row.version, enterprise_json(row), row.district, users)


def task(key: str) -> Snapshot | None:
    """A task, pulled by its assigned inspectors (and supervisors of its district)."""
    row = db.session.get(Task, uuid.UUID(key))
    if row is None:
        return None
    data = dump_task(planning.describe([row])[0])
    users = {a["id"] for a in data["assignees"]}
    return Snapshot("upsert", row.version, data, row.district, users)


def inspection(key: str) -> Snapshot | None:
    """An inspection record, pulled by its officers (as REST reads it across districts: not
    by an inspector taken off it); missing evidence listed."""
    row = db.session.get(Inspection, uuid.UUID(key))
    if row is None:
        return None
    data = dump_inspection(inspection_json(row))
    data["open_conflicts"] = _open_conflicts("inspection", key)
    return Snapshot("upsert", row.version, data, row.district, officers(row))


def violation(key: str) -> Snapshot | None:
    """A violation with its decision and missing evidence, pulled by the record's officers
    (not by one taken off the record: REST answers them 404 across districts)."""
    row = db.session.get(Violation, uuid.UUID(key))
    if row is None:
        return None
    known = db.session.info.get(DECISIONS)
    decision = LATEST if known is None else known.get(str(row.id))  # the id's canonical form
    data = dump_violation(violation_json(row, decision))
    data["decision"] = brief(data["decision"], f"/api/v1/violations/{row.id}")
    data["open_conflicts"] = _open_conflicts("violation", key)
    record = db.session.get(Inspection, row.inspection_id)
    users = officers(record) if record else set()
    return Snapshot("upsert", row.version, data, row.district, users)


def evidence(key: str) -> Snapshot | None:
    """Evidence metadata: pulled in every district that holds it (as REST reads it), by its
    uploader, and by the officers of records citing it in such a district (citing a digest
    does not open another district's file)."""
    row = db.session.get(Evidence, key)
    if row is None:
        return None
    holders = set(db.session.scalars(select(EvidenceHolder.district).where(
        EvidenceHolder.sha256 == key)))
    users = {str(row.uploaded_by)}
    for record in records_citing(key, holders):
        users |= officers(record)
    district = row.district if row.district in holders else None
    return Snapshot("upsert", 1, evidence_json(row), district, users,
                    other_districts=holders - {district})


def officer(key: str) -> Snapshot | None:
    """An active inspector, pulled by their district's staff to name on records: id, name,
    certificate and district only. Anyone else is nobody's (a tombstone no one holds, so the
    devices that held them get a revocation)."""
    user_id = as_uuid(key)
    row = db.session.get(User, user_id) if user_id is not None else None
    if row is None:
        return None
    if row.role != "inspector" or not row.active:
        return Snapshot("delete", row.version, None)
    return Snapshot("upsert", row.version, OFFICER.dump({
        "id": row.id, "name": row.display_name, "certificate_no": row.certificate_no,
        "certificate_expires": row.certificate_expires, "district": row.district}),
        row.district)


SERIALIZERS: dict[str, Callable[[str], Snapshot | None]] = {
    "enterprise": enterprise, "task": task, "inspection": inspection, "violation": violation,
    "evidence": evidence, "officer": officer,
}


def editable_fields(entity: str, data: dict[str, Any]) -> dict[str, Any]:
    """The tablet-editable part of a record's representation."""
    return {name: data.get(name) for name in EDITABLE.get(entity, ())}
