"""The tablet's local SQLite file: pulled rows, the pull cursor, the outbox, evidence, outcomes.

Every change that must survive a crash is one SQLite transaction (WAL, synchronous=FULL): a pull
page and the cursor after it commit together, so a page is applied exactly once; a mutation is
durable before `record` returns and leaves the outbox only in the transaction that stores the
server's answer.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from offline_sync.bases import (
    PARENT_BASED,
    PARENTS,
    advance,
    parent_of,
    pending_fields,
    shown_without,
    unlinked,
)
from offline_sync.files import EvidenceItem, FileRecords, now_iso
from offline_sync.names import KEPT, forget_names, keep_name
from offline_sync.schema import SCHEMA_VERSION, open_schema, refuse_newer
from offline_sync.stopped import StoppedEdits, needed, withdrawal_settles

# Pulled reference data in force today whose every version the tablet keeps (by its ref): an
# answer is checked against the templates in force on its record's visit day, as on the server.
VERSIONED = {"checklist_template": "checklist_version"}
FINAL_STATUSES = ("applied", "duplicate", "conflict", "rejected")
RESENDS = 2  # how often a 409-rejected mutation goes again under a new mutation_id


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


@dataclass(frozen=True)
class Outcome:
    """The server's final answer to one mutation; conflicts and rejections need the user."""

    mutation_id: str
    entity: str
    op: str
    record_id: str
    status: str
    conflict: str | None
    version: int | None
    fields: dict[str, Any]
    result: dict[str, Any]
    answered_at: str
    acknowledged: bool

    @property
    def answer(self) -> dict[str, Any]:
        """The server's answer itself: for a duplicate, the first result it replayed."""
        first = self.result.get("first")
        if self.result.get("status") == "duplicate" and isinstance(first, dict):
            return first
        return self.result



def _for_now(result: dict[str, Any]) -> bool:
    """A refusal the server marks transient with 429 (too many held for now): not final."""
    problem = result.get("problem") or {}
    return bool(problem.get("transient")) and problem.get("status") == 429

class Store(FileRecords, StoppedEdits):
    """The local SQLite store of one tablet; safe to share between threads of that tablet."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        self._lock = threading.RLock()
        if self.path != ":memory:":  # the token and records: for the tablet's user only
            handle = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600)
            try:
                os.fchmod(handle, 0o600)  # a store made before this was readable by all
            finally:
                os.close(handle)
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                  timeout=30)
        self.db.row_factory = sqlite3.Row
        try:
            refuse_newer(self.db, self.path)  # before anything writes to it
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            open_schema(self.db, self.path)
        except BaseException:
            self.db.close()
            raise

    def close(self) -> None:
        """Close the file."""
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write: everything inside commits together or not at all. Inside another
        (same thread: the lock is held) it joins it as a savepoint, committed with the outer."""
        with self._lock:
            joined = self.db.in_transaction
            self.db.execute("SAVEPOINT joined" if joined else "BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK TO joined" if joined else "ROLLBACK")
                if joined:
                    self.db.execute("RELEASE joined")
                raise
            self.db.execute("RELEASE joined" if joined else "COMMIT")

    # -- settings ---------------------------------------------------------------------------

    def get(self, key: str, default: str | None = None) -> str | None:
        """A stored setting (server, token, device_id, cursor, user)."""
        with self._lock:
            row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else default

    def set(self, **values: str | None) -> None:
        """Store settings in one transaction (None removes one)."""
        with self.transaction() as db:
            for key, value in values.items():
                if value is None:
                    db.execute("DELETE FROM meta WHERE key = ?", (key,))
                else:
                    db.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) "
                               "DO UPDATE SET value = excluded.value", (key, value))

    @property
    def cursor(self) -> str:
        """Where the next pull starts ('' before the first sync)."""
        return self.get("cursor", "") or ""

    # -- pulled data ------------------------------------------------------------------------

    def apply_page(self, changes: Iterable[dict[str, Any]], next_cursor: str,
                   reset: bool = False) -> int:
        """Apply one pull page and move the cursor, atomically; returns the changes applied.

        `reset` (the server restarted this user's sync, e.g. their scope changed) first drops
        every pulled row that holds no queued local edit."""
        count = 0
        with self.transaction() as db:
            if reset:
                db.execute("DELETE FROM records WHERE NOT EXISTS (SELECT 1 FROM outbox WHERE "
                           "outbox.entity = records.entity AND outbox.record_id = records.id)")
            for change in changes:
                key = (change["entity"], str(change["id"]))
                if change["op"] == "upsert":
                    row = db.execute("SELECT version FROM records WHERE entity = ? AND id = ?",
                                     key).fetchone()
                    if row and row["version"] is not None and row["version"] > change["version"]:
                        continue  # we already hold a newer copy (our own push came back first)
                    data = unlinked(db, *key, {**(change.get("data") or {}),
                                               **pending_fields(db, *key)})
                    db.execute("INSERT INTO records (entity, id, version, data) VALUES "
                               "(?, ?, ?, ?) ON CONFLICT (entity, id) DO UPDATE SET "
                               "version = excluded.version, data = excluded.data",
                               (*key, change["version"], json.dumps(data)))
                    if key[0] in VERSIONED:  # kept for the days it was in force
                        db.execute("INSERT OR REPLACE INTO records (entity, id, version, data) "
                                   "VALUES (?, ?, NULL, ?)", (VERSIONED[key[0]], data.get(
                                       "ref") or key[1], json.dumps(data)))
                else:  # delete (tombstone) or revoke (left this user's scope)
                    if key[0] == "enterprise":
                        keep_name(db, key[1])
                    db.execute("DELETE FROM records WHERE entity = ? AND id = ?", key)
                count += 1
            forget_names(db)
            db.execute("INSERT INTO meta (key, value) VALUES ('cursor', ?) ON CONFLICT (key) "
                       "DO UPDATE SET value = excluded.value", (next_cursor,))
        return count

    def record_of(self, entity: str, record_id: str) -> tuple[int | None, dict[str, Any]] | None:
        """(server version, data with local edits) of a record, or None."""
        with self._lock:
            row = self.db.execute("SELECT version, data FROM records WHERE entity = ? AND id = ?",
                                  (entity, record_id)).fetchone()
        return (row["version"], json.loads(row["data"])) if row else None

    def records(self, entity: str) -> list[dict[str, Any]]:
        """Every local row of one entity (pulled, with local edits)."""
        with self._lock:
            rows = self.db.execute("SELECT id, version, data FROM records WHERE entity = ? "
                                   "ORDER BY id", (entity,)).fetchall()
        return [{"id": r["id"], "version": r["version"], **json.loads(r["data"])} for r in rows]

    def counts(self) -> dict[str, int]:
        """How many local rows per entity (names kept of enterprises gone are none)."""
        with self._lock:
            rows = self.db.execute("SELECT entity, COUNT(*) AS n FROM records WHERE entity != ? "
                                   "GROUP BY entity", (KEPT,)).fetchall()
        return {r["entity"]: r["n"] for r in rows}

    # -- outbox -----------------------------------------------------------------------------

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

    def settle(self, mutation: Mutation, result: dict[str, Any]) -> Outcome | None:
        """Store the server's answer to a sent mutation, in one transaction.

        A final answer removes it from the outbox and lets a chained successor go (a rejected
        create that queued edits need stays, stopped: see stopped.py); `pending`
        (held by the server for a predecessor) keeps it queued. A duplicate is settled by the
        first result it replays. Returns the Outcome, or None while still pending."""
        effective = result
        if result.get("status") == "duplicate" and isinstance(result.get("first"), dict):
            effective = {**result["first"], "mutation_id": mutation.mutation_id}
        status = effective.get("status", "rejected")
        with self.transaction() as db:
            if status == "rejected" and _for_now(effective):
                # refused for the moment (the server holds as many as it will for this user):
                # nothing was applied or remembered, so the same mutation is sent again later
                db.execute("UPDATE outbox SET held = 0, sent = 0 WHERE mutation_id = ?",
                           (mutation.mutation_id,))
                return None
            if status not in FINAL_STATUSES:
                db.execute("UPDATE outbox SET held = 1 WHERE mutation_id = ?",
                           (mutation.mutation_id,))
                return None
            if status == "duplicate":  # a duplicate without the first result: it was applied
                status = "applied"
            version = effective.get("version")
            answered = now_iso()
            # a soft conflict was merged: on record, but nothing for the user to decide
            settled_quietly = status == "applied" or effective.get("conflict") == "soft"
            withdrawal = withdrawal_settles(mutation, effective) if status == "rejected" \
                else None
            if withdrawal is not None:  # final: never sent again
                status, settled_quietly = withdrawal
                db.execute("DELETE FROM outbox WHERE mutation_id = ?", (mutation.mutation_id,))
            elif status == "rejected" and self._resend(db, mutation, effective):
                status, settled_quietly = "resent", True
            elif status == "rejected" and mutation.op == "create" and needed(db, mutation):
                db.execute("UPDATE outbox SET held = 0, sent = 0 WHERE mutation_id = ?",
                           (mutation.mutation_id,))  # kept for the user with what needs it
            else:
                db.execute("DELETE FROM outbox WHERE mutation_id = ?", (mutation.mutation_id,))
            if status == "rejected" and mutation.op == "create":  # kept only in its outcome
                db.execute("DELETE FROM records WHERE entity = ? AND id = ? AND version IS NULL "
                           "AND NOT EXISTS (SELECT 1 FROM outbox WHERE outbox.entity = ? AND "
                           "outbox.record_id = ?)", (mutation.entity, mutation.record_id) * 2)
                forget_names(db)
            db.execute("INSERT OR REPLACE INTO outcomes (mutation_id, entity, op, record_id, "
                       "status, conflict, version, fields, result, answered_at, acknowledged) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (mutation.mutation_id, mutation.entity, mutation.op, mutation.record_id,
                        status, effective.get("conflict"), version,
                        json.dumps(mutation.fields), json.dumps(result), answered,
                        int(settled_quietly)))
            if version is not None and status != "resent":
                advance(db, mutation, version, effective.get("server"), status == "applied")
        return Outcome(mutation.mutation_id, mutation.entity, mutation.op, mutation.record_id,
                       status, effective.get("conflict"), version, mutation.fields, result,
                       answered, settled_quietly)

    @staticmethod
    def _resend(db: sqlite3.Connection, mutation: Mutation, result: dict[str, Any]) -> bool:
        """A 409 rejection (e.g. the server's database refused the change under concurrency:
        "send it again") is queued again, in place, under a new mutation_id: a rejected
        mutation changed nothing, so this cannot apply anything twice. At most RESENDS times."""
        problem = result.get("problem") or {}
        row = db.execute("SELECT attempts FROM outbox WHERE mutation_id = ?",
                         (mutation.mutation_id,)).fetchone()
        if problem.get("status") != 409 or row is None or row["attempts"] >= RESENDS:
            return False
        db.execute("UPDATE outbox SET mutation_id = ?, attempts = attempts + 1, held = 0, "
                   "sent = 0 WHERE mutation_id = ?", (str(uuid.uuid4()), mutation.mutation_id))
        return True

    def outcomes(self, statuses: Iterable[str] | None = None,
                 unacknowledged: bool = False) -> list[Outcome]:
        """Answers received, oldest first; e.g. statuses=('conflict', 'rejected')."""
        sql, args = "SELECT * FROM outcomes WHERE 1 = 1", []
        if statuses is not None:
            wanted = list(statuses)
            sql += f" AND status IN ({', '.join('?' * len(wanted))})"
            args += wanted
        if unacknowledged:
            sql += " AND acknowledged = 0"
        with self._lock:
            rows = self.db.execute(sql + " ORDER BY answered_at, rowid", args).fetchall()
        return [Outcome(r["mutation_id"], r["entity"], r["op"], r["record_id"], r["status"],
                        r["conflict"], r["version"], json.loads(r["fields"]),
                        json.loads(r["result"]), r["answered_at"], bool(r["acknowledged"]))
                for r in rows]

    def issues(self) -> list[Outcome]:
        """Hard conflicts and rejections the user has not acknowledged yet."""
        return self.outcomes(("conflict", "rejected"), unacknowledged=True)

    def acknowledge(self, mutation_id: str) -> bool:
        """The user has seen an issue; True if there was one."""
        with self.transaction() as db:
            return db.execute("UPDATE outcomes SET acknowledged = 1 WHERE mutation_id = ? AND "
                              "acknowledged = 0", (mutation_id,)).rowcount == 1


__all__ = ["SCHEMA_VERSION", "EvidenceItem", "Mutation", "Outcome", "Store", "now_iso"]
