"""The tablet's local SQLite file: pulled rows, the pull cursor, the outbox, evidence, outcomes.

Every change that must survive a crash is one SQLite transaction (WAL, synchronous=FULL): a pull
page and the cursor after it commit together, so a page is applied exactly once; a mutation is
durable before `record` returns and leaves the outbox only in the transaction that stores the
server's answer.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from offline_sync.files import EvidenceItem, FileRecords, now_iso
from offline_sync.outbox import Mutation, Outbox
from offline_sync.outcomes import Outcome, Outcomes
from offline_sync.pulled import VERSIONED, PulledRecords
from offline_sync.schema import SCHEMA_VERSION, open_schema, refuse_newer
from offline_sync.stopped import StoppedEdits


class Store(PulledRecords, Outbox, Outcomes, FileRecords, StoppedEdits):
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


__all__ = ["SCHEMA_VERSION", "VERSIONED", "EvidenceItem", "Mutation", "Outcome", "Store",
           "now_iso"]
