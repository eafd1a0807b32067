"""The change log: every flush of a synced record is noted, and at commit the records'
current state is written to `sync_changes` under sequence numbers taken from a counter row
that stays locked until the commit, so readers never see N+1 before N.

Hooked on SQLAlchemy session events, so no service can forget it. A record created in a
savepoint that was rolled back is simply absent at commit and writes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

import orjson
from sqlalchemy import bindparam, event, inspect, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from server.auth.models import User
from server.clock import utcnow
from server.evidence.models import Evidence, EvidenceHolder
from server.fieldwork.citations import cited_by
from server.fieldwork.models import (
    Inspection,
    Violation,
    ViolationDecision,
    signature_digests,
)
from server.planning.models import Task, TaskAssignee
from server.registry.models import Enterprise
from server.sync import payloads
from server.sync.keys import by_entity
from server.sync.models import SyncChange, SyncConflict, SyncCounter, SyncVersion
from server.uow import among

TOUCHED = "sync_touched"
Key = tuple[str, str]


def _keys(obj: Any) -> list[Key]:
    """The synced records a changed ORM object belongs to."""
    if isinstance(obj, Enterprise):
        return [("enterprise", str(obj.id))]
    if isinstance(obj, Task):
        return [("task", str(obj.id)), ("enterprise", str(obj.enterprise_id))]
    if isinstance(obj, TaskAssignee):
        return [("task", str(obj.task_id))]
    if isinstance(obj, Inspection):
        return [("inspection", str(obj.id))]
    if isinstance(obj, Violation):
        return [("violation", str(obj.id))]
    if isinstance(obj, ViolationDecision):
        return [("violation", str(obj.violation_id))]
    if isinstance(obj, Evidence | EvidenceHolder):  # a new holder may pull it and cite it
        return [("evidence", obj.sha256)]
    if isinstance(obj, SyncConflict):
        return [(obj.entity, obj.entity_id)]
    if isinstance(obj, User):  # as an officer a tablet can name (if an active inspector)
        return [("officer", str(obj.id))]
    return []


def _officers_changed(inspection: Inspection) -> bool:
    """Whether this flush changed who the record's officers are."""
    history = inspect(inspection).attrs.officers.history
    if not history.deleted or not history.added:
        return False
    before, after = ({o["user_id"] for o in found[0] or ()}
                     for found in (history.deleted, history.added))
    return before != after


def _pulled_with(session: Session, inspection: Inspection) -> list[Key]:
    """What the record's officers pull because of it (its violations, the evidence it and
    they cite): when its officers change, who pulls those changes too."""
    with session.no_autoflush:
        rows = session.execute(select(Violation.id, Violation.evidence).where(
            Violation.inspection_id == inspection.id)).all()
    cited = {sha for _, evidence in rows for sha in evidence or ()}
    cited |= signature_digests(inspection.signatures)
    return [*(("violation", str(key)) for key, _ in rows),
            *(("evidence", sha) for sha in sorted(cited))]


def touch(session: Session, keys: Iterable[Key], deleted: bool = False) -> None:
    """Note records whose state changed in this transaction."""
    touched = session.info.setdefault(TOUCHED, {})
    for key in keys:
        touched[key] = touched.get(key, False) or deleted


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    for obj in session.new:
        touch(session, _keys(obj))
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            touch(session, _keys(obj))
            if isinstance(obj, Inspection) and _officers_changed(obj):
                touch(session, _pulled_with(session, obj))
    for obj in session.deleted:
        keys = _keys(obj)
        touch(session, keys[:1], deleted=True)
        touch(session, keys[1:])


# First of the commit's listeners: the audit chain's head row is locked after the records
# are serialised here, not during, so concurrent commits wait for each other less.
@event.listens_for(Session, "before_commit", insert=True)
def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    session.flush()  # the commit would flush anyway; its changes must be noted first
    touched = session.info.pop(TOUCHED, {})
    if touched:
        with session.no_autoflush:
            write_changes(session, touched)


@event.listens_for(Session, "after_transaction_end")
def _after_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(TOUCHED, None)


def _expand(session: Session, touched: dict[Key, bool]) -> dict[Key, bool]:
    """Records whose representation depends on the touched ones (citing evidence)."""
    out = dict(touched)
    for entity, key in list(touched):
        if entity == "evidence":  # the citing records' keys, from the index alone
            for cited, record_id in cited_by(key):
                out.setdefault((cited, str(record_id)), False)
        elif entity == "violation":
            found = session.get(Violation, uuid.UUID(key))  # in the identity map: no query
            for sha in (found.evidence if found is not None else None) or []:
                out.setdefault(("evidence", sha), False)
    return out


def _join(values: Iterable[str]) -> str:
    items = sorted(set(values))
    return f",{','.join(items)}," if items else ""


def _split(text: str | None) -> set[str]:
    return {v for v in (text or "").split(",") if v}


def allocate(session: Session, count: int) -> int:
    """Reserve `count` sequence numbers; the counter row stays locked until commit.
    Returns the first."""
    statement = (update(SyncCounter).where(SyncCounter.id == 1)
                 .values(seq=SyncCounter.seq + count).returning(SyncCounter.seq))
    last = session.execute(statement).scalar()
    if last is None:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(SyncCounter).values(id=1, seq=0).on_conflict_do_nothing())
        last = session.execute(statement).scalar_one()
    return last - count + 1


def _existing(session: Session, keys: list[Key]) -> dict[Key, SyncChange]:
    """The log rows of these records, found by key (keys.by_entity)."""
    found: dict[Key, SyncChange] = {}
    for entity, ids in by_entity(keys).items():
        for start in range(0, len(ids), 500):
            rows = session.execute(select(SyncChange).where(
                SyncChange.entity == entity,
                among(SyncChange.entity_id, ids[start:start + 500]))).scalars()
            found.update({(r.entity, r.entity_id): r for r in rows})
    return found


def _row(key: Key, snap: payloads.Snapshot | None, old: SyncChange | None) -> dict[str, Any]:
    """The new log row of a record (a tombstone when `snap` is None)."""
    if snap is None:  # deleted: keep the last keys so the right readers get the tombstone
        snap = payloads.Snapshot("delete", (old.version + 1) if old else 1, None,
                                 old.district if old else None,
                                 _split(old.users) if old else set(),
                                 old.everyone if old else False,
                                 _split(old.other_districts) if old else set())
    past_d = (_split(old.past_districts if old else "") | snap.other_districts
              | ({snap.district} - {None}))
    past_u = _split(old.past_users if old else "") | snap.users
    return {"entity": key[0], "entity_id": key[1], "op": snap.op, "version": snap.version,
            "everyone": snap.everyone, "district": snap.district, "users": _join(snap.users),
            "other_districts": _join(snap.other_districts),
            "past_districts": _join(past_d), "past_users": _join(past_u),
            "data": None if snap.data is None else orjson.dumps(snap.data).decode()}


def _same(row: dict[str, Any], old: SyncChange | None) -> bool:
    return old is not None and all(row[k] == getattr(old, k) for k in (
        "op", "version", "everyone", "district", "users", "other_districts", "past_districts",
        "past_users", "data"))


def _resolve(key: Key) -> payloads.Snapshot | None:
    serializer = payloads.SERIALIZERS.get(key[0])
    return serializer(key[1]) if serializer else None


# One executemany for every record of a commit that has a log row already.
_MOVE = SyncChange.__table__.update().where(
    SyncChange.__table__.c.entity == bindparam("key_entity"),
    SyncChange.__table__.c.entity_id == bindparam("key_entity_id")).values(
    {name: bindparam(name) for name in ("seq", "op", "version", "everyone", "district", "users",
                                        "other_districts", "past_districts", "past_users",
                                        "data", "changed_at")})


def write_changes(session: Session, touched: dict[Key, bool],
                  resolve: Callable[[Key], payloads.Snapshot | None] | None = None) -> int:
    """Write the current state of the touched records to the log; returns rows written.

    `resolve` gives a record's state (default: the record's serializer); touched[key] is
    True when the record was deleted."""
    if resolve is None:
        touched, resolve = _expand(session, touched), _resolve
    keys = sorted(touched)
    old = _existing(session, keys)
    rows, snapshots = [], []
    with payloads.prefetch(keys):
        resolved = [(key, resolve(key)) for key in keys]
    for key, snap in resolved:
        if snap is None and not (touched[key] and key in old):
            continue  # never committed (a rolled-back savepoint) or not a synced entity
        if snap is not None and snap.data is None and key not in old:
            continue  # a tombstone of what no device ever held (a user who is no officer)
        row = _row(key, snap, old.get(key))
        if _same(row, old.get(key)):
            continue
        rows.append(row)
        if snap is not None and snap.data is not None and key[0] in payloads.EDITABLE:
            snapshots.append({"entity": key[0], "entity_id": key[1], "version": snap.version,
                              "fields": orjson.loads(orjson.dumps(
                                  payloads.editable_fields(key[0], snap.data)))})
    if not rows:
        return 0
    first = allocate(session, len(rows))
    now = utcnow()
    for offset, row in enumerate(rows):
        row.update(seq=first + offset, changed_at=now)
    new = [r for r in rows if (r["entity"], r["entity_id"]) not in old]
    moved = [r for r in rows if (r["entity"], r["entity_id"]) in old]
    if new:
        session.execute(SyncChange.__table__.insert(), new)
    if moved:
        session.execute(_MOVE, [{"key_entity": row["entity"], "key_entity_id": row["entity_id"],
                                 **{k: v for k, v in row.items()
                                    if k not in ("entity", "entity_id")}} for row in moved])
    _store_versions(session, snapshots)
    return len(rows)


def _store_versions(session: Session, snapshots: list[dict[str, Any]]) -> None:
    if not snapshots:
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(SyncVersion.__table__).on_conflict_do_nothing(), snapshots)  # Core
