"""The tablet store's outbox: each offline edit is durable before `record` returns, with its
mutation_id fixed, and goes in recording order, at most one per record in a batch."""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from offline_sync.bases import PARENT_BASED, PARENTS, parent_of, shown_without
from offline_sync.files import now_iso
from offline_sync.names import forget_names


@dataclass(frozen=True)
class Mutation:
    """One queued offline edit, as it will be sent."""

    seq: int
    mutation_id: str
    entity: str
    op: str
    record_id: str
    base_version: int | None
    chained: bool
    fields: dict[str, Any]
    recorded_at: str
    held: bool  # the server answered pending: it holds it
    sent: bool = False  # sent, and no final answer came back (the server may hold it)

    @property
    def target(self) -> tuple[str, str]:
        """The record whose version the server's answer gives: a part's parent, else itself."""
        if self.entity in PARENTS:
            entity, field = PARENTS[self.entity]
            if self.fields.get(field):
                return entity, str(self.fields[field])
        return self.entity, self.record_id

    def wire(self) -> dict[str, Any]:
        """The mutation in the push contract's shape (schemas/sync.py MutationSchema)."""
        return {"mutation_id": self.mutation_id, "entity": self.entity, "op": self.op,
                "id": self.record_id, "base_version": self.base_version,
                "fields": self.fields, "recorded_at": self.recorded_at}



class Outbox:
    """Queued edits; mixed into Store, which owns the connection."""

    db: sqlite3.Connection
    _lock: threading.RLock
    transaction: Callable[[], AbstractContextManager[sqlite3.Connection]]  # Store's
    owe_again: Callable[[sqlite3.Connection, dict[str, Any]], None]  # FileRecords'
    stuck: Callable[[], set[str]]  # StoppedEdits'

    def record(self, entity: str, op: str, record_id: str, fields: dict[str, Any],
               mutation_id: str | None = None) -> Mutation:
        """Queue an offline edit durably (its mutation_id is fixed now) and apply it locally.

        base_version is the server version the edit was made on; an edit on top of an edit
        still queued is chained: it gets the version the server gives its predecessor. A
        checklist answer is made on its record's version (none for a record not pushed yet)."""
        mutation_id = mutation_id or str(uuid.uuid4())
        recorded_at = now_iso()
        with self.transaction() as db:
            earlier = db.execute("SELECT 1 FROM outbox WHERE entity = ? AND record_id = ? "
                                 "LIMIT 1", (entity, record_id)).fetchone()
            row = db.execute("SELECT version, data FROM records WHERE entity = ? AND id = ?",
                             (entity, record_id)).fetchone()
            chained = bool(earlier) and op != "create" and entity not in PARENT_BASED
            base = None if (op == "create" or chained or row is None) else row["version"]
            if entity in PARENT_BASED:  # made on the parent as the tablet shows it
                parent = db.execute("SELECT version FROM records WHERE entity = ? AND id = ?",
                                    parent_of(entity, fields)).fetchone()
                base = parent["version"] if parent else None
            seq = db.execute(
                "INSERT INTO outbox (mutation_id, entity, op, record_id, base_version, chained, "
                "fields, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (mutation_id, entity, op, record_id, base, int(chained), json.dumps(fields),
                 recorded_at)).lastrowid
            if op == "delete":
                db.execute("DELETE FROM records WHERE entity = ? AND id = ?", (entity, record_id))
                if entity in PARENTS:  # a violation shows the file it stops citing no more
                    shown_without(db, parent_of(entity, fields))
                forget_names(db)
            else:
                self.owe_again(db, fields)
                data = {**(json.loads(row["data"]) if row else {}), **fields}
                db.execute("INSERT INTO records (entity, id, version, data) VALUES (?, ?, ?, ?) "
                           "ON CONFLICT (entity, id) DO UPDATE SET data = excluded.data",
                           (entity, record_id, row["version"] if row else None,
                            json.dumps(data)))
        return Mutation(seq, mutation_id, entity, op, record_id, base, chained, fields,
                        recorded_at, False)

    def queued(self) -> list[Mutation]:
        """The outbox in recording order."""
        with self._lock:
            rows = self.db.execute("SELECT * FROM outbox ORDER BY seq").fetchall()
        return [Mutation(r["seq"], r["mutation_id"], r["entity"], r["op"], r["record_id"],
                         r["base_version"], bool(r["chained"]), json.loads(r["fields"]),
                         r["recorded_at"], bool(r["held"]), bool(r["sent"])) for r in rows]

    def sending(self, batch: Iterable[Mutation]) -> None:
        """Note, before the request leaves, that these mutations go: from now on the server
        may hold them, whether or not an answer comes back."""
        with self.transaction() as db:
            db.executemany("UPDATE outbox SET sent = 1 WHERE mutation_id = ?",
                           [(m.mutation_id,) for m in batch])

    def next_batch(self, limit: int) -> list[Mutation]:
        """Up to `limit` queued mutations to send now, in order, at most one per record.

        A rejected create and the edits behind it wait for the user (stopped.py). A chained
        edit waits until its predecessor's answer gave it a base version; an edit
        of a record waits while a part of it (a signature, an answer) goes first, since the
        part moves the record's version: sent on the version the part's answer gives, the
        edit does not meet the tablet's own part as a change made on the server meanwhile.
        A second answer to a checklist item waits for the first, whose answer gives its base."""
        batch: list[Mutation] = []
        busy: set[tuple[str, str]] = set()
        moved: set[tuple[str, str]] = set()  # records a part in the batch changes
        stuck = self.stuck()  # behind a rejected create: they wait for the user
        for mutation in self.queued():
            if mutation.mutation_id in stuck:
                continue
            key = (mutation.entity, mutation.record_id)
            if key in busy and (mutation.op != "create" or mutation.entity in PARENT_BASED):
                continue
            busy.add(key)
            if mutation.chained or (mutation.op == "update" and key in moved):
                continue
            if mutation.entity in PARENTS:
                moved.add(mutation.target)
            batch.append(mutation)
            if len(batch) == limit:
                break
        return batch
