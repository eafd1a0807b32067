"""The tablet store's outcomes: the server's answer to a sent edit is stored, and the edit
leaves the outbox, in one transaction; conflicts and rejections wait there for the user."""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from offline_sync.bases import advance
from offline_sync.files import now_iso
from offline_sync.names import forget_names
from offline_sync.outbox import Mutation
from offline_sync.stopped import needed, withdrawal_settles

FINAL_STATUSES = ("applied", "duplicate", "conflict", "rejected")
RESENDS = 2  # how often a 409-rejected mutation goes again under a new mutation_id


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


class Outcomes:
    """Answers to sent edits; mixed into Store, which owns the connection."""

    db: sqlite3.Connection
    _lock: threading.RLock
    transaction: Callable[[], AbstractContextManager[sqlite3.Connection]]  # Store's

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
        mutation changed nothing, so this cannot apply anything twice. One the server marks
        transient it does not remember, so it goes under its own id: a retry of the same
        request that applied it meanwhile (and took its key) answers it `duplicate`, where a
        new id would be a second create. At most RESENDS times."""
        problem = result.get("problem") or {}
        row = db.execute("SELECT attempts FROM outbox WHERE mutation_id = ?",
                         (mutation.mutation_id,)).fetchone()
        if problem.get("status") != 409 or row is None or row["attempts"] >= RESENDS:
            return False
        again = mutation.mutation_id if problem.get("transient") else str(uuid.uuid4())
        db.execute("UPDATE outbox SET mutation_id = ?, attempts = attempts + 1, held = 0, "
                   "sent = 0 WHERE mutation_id = ?", (again, mutation.mutation_id))
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

