"""The tablet store's pulled rows: a pull page and the cursor after it commit together, so a
page is applied exactly once; a local edit still queued shows over the pulled copy."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from typing import Any

from offline_sync.bases import pending_fields, unlinked
from offline_sync.names import KEPT, forget_names, keep_name

# Pulled reference data in force today whose every version the tablet keeps (by its ref): an
# answer is checked against the templates in force on its record's visit day, as on the server.
VERSIONED = {"checklist_template": "checklist_version"}


class PulledRecords:
    """Rows as pulled, with local edits; mixed into Store, which owns the connection."""

    db: sqlite3.Connection
    _lock: threading.RLock
    transaction: Callable[[], AbstractContextManager[sqlite3.Connection]]  # Store's

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
