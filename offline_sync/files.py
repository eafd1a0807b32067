"""The tablet store's records of captured files, of tus upload URLs (tuspy's Storage) and of
the uploads begun that it no longer sends, to end on the server (tus termination)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


def now_iso() -> str:
    """The tablet's clock, UTC, ISO 8601."""
    return datetime.now(UTC).isoformat()


# Not owed to the server: refused by it, given up by the inspector (`ack`), or cancelled (the
# photo was removed from the violation citing it before it was sent, and nothing else cites it).
# A capture of the same bytes again sends it as captured now; a cancelled one, citing it too.
NOT_OWED = ("refused", "given_up", "cancelled")


@dataclass(frozen=True)
class EvidenceItem:
    """A captured file: its SHA-256 (computed at capture), local copy and upload state."""

    sha256: str
    path: str
    size: int
    filename: str | None
    kind: str
    captured_at: str
    state: str
    detail: str | None
    inspection_id: str | None = None  # the record it was captured for (None: not known)


class FileRecords:
    """Evidence rows and upload URLs; mixed into Store, which owns the connection."""

    db: sqlite3.Connection
    _lock: threading.RLock
    transaction: Callable[[], AbstractContextManager[sqlite3.Connection]]  # Store's

    # -- evidence ---------------------------------------------------------------------------

    def add_evidence(self, item: EvidenceItem) -> EvidenceItem:
        """Keep a captured file (a second capture of the same bytes is the same evidence,
        kept for the record it was first captured for; of a file the server refused, the
        inspector gave up or whose upload was cancelled, it goes again as captured now, e.g.
        of another kind). The server keeps one kind per file, that of its first upload: a
        file not sent yet becomes a photo when captured as one (so its place and time are
        checked as a photo's, though it is a signature image too, which the record's
        signature says by citing it); any other second kind leaves it as it is, and a document,
        audio or video captured again as a photo stays what it is (the server refuses it as a
        photo: no image)."""
        with self.transaction() as db:
            db.execute("INSERT INTO evidence (sha256, path, size, filename, kind, captured_at, "
                       "state, detail, inspection_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                       "ON CONFLICT (sha256) "
                       "DO UPDATE SET filename = excluded.filename, kind = excluded.kind, "
                       "state = excluded.state, detail = excluded.detail "
                       f"WHERE evidence.state IN {NOT_OWED}",
                       (item.sha256, item.path, item.size, item.filename, item.kind,
                        item.captured_at, item.state, item.detail, item.inspection_id))
            db.execute("UPDATE evidence SET inspection_id = ? WHERE sha256 = ? AND "
                       "inspection_id IS NULL", (item.inspection_id, item.sha256))
            if item.kind == "photo" and db.execute(
                    "UPDATE evidence SET kind = 'photo' WHERE sha256 = ? AND state = 'pending' "
                    "AND kind = 'signature'", (item.sha256,)).rowcount:
                # an upload begun declared a signature: start it afresh, declared a photo
                self.abandon_upload(db, item.sha256)
        return self.evidence_item(item.sha256)  # type: ignore[return-value]

    def evidence_item(self, sha256: str) -> EvidenceItem | None:
        """One captured file."""
        with self._lock:
            row = self.db.execute("SELECT * FROM evidence WHERE sha256 = ?", (sha256,)
                                  ).fetchone()
        return EvidenceItem(**dict(row)) if row else None

    def evidence(self, state: str | None = None) -> list[EvidenceItem]:
        """Captured files, optionally only those in one state (pending, uploaded, refused,
        given_up)."""
        with self._lock:
            rows = self.db.execute("SELECT * FROM evidence WHERE ? IS NULL OR state = ? "
                                   "ORDER BY captured_at, sha256", (state, state)).fetchall()
        return [EvidenceItem(**dict(r)) for r in rows]

    def mark_evidence(self, sha256: str, state: str, detail: str | None = None) -> None:
        """Record that a file was uploaded, or refused by the server (with why)."""
        with self.transaction() as db:
            db.execute("UPDATE evidence SET state = ?, detail = ? WHERE sha256 = ?",
                       (state, detail, sha256))

    @staticmethod
    def owe_again(db: sqlite3.Connection, fields: dict[str, Any]) -> None:
        """A file whose upload was cancelled is owed again once an edit cites it (a photo
        link, a violation's evidence, a signature image), in the edit's transaction `db`."""
        cited = [fields.get("sha256"), fields.get("evidence_sha256"),
                 *(fields.get("evidence") or ())]
        db.executemany("UPDATE evidence SET state = 'pending', detail = NULL WHERE sha256 = ? "
                       "AND state = 'cancelled'", [(sha,) for sha in cited if sha])

    # -- tus upload URLs (tuspy's url_storage) ----------------------------------------------

    def get_item(self, key: str) -> str | None:
        """tuspy Storage: the upload URL stored for a file fingerprint."""
        with self._lock:
            row = self.db.execute("SELECT url FROM tus_urls WHERE fingerprint = ?", (key,)
                                  ).fetchone()
        return row["url"] if row else None

    def set_item(self, key: str, value: str | None) -> None:
        """tuspy Storage: remember an upload URL, durably, as soon as it exists."""
        if value is None:
            self.remove_item(key)
            return
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO tus_urls (fingerprint, url) VALUES (?, ?)",
                       (key, value))

    def remove_item(self, key: str) -> None:
        """tuspy Storage: forget an upload URL (finished, or dead on the server)."""
        with self.transaction() as db:
            db.execute("DELETE FROM tus_urls WHERE fingerprint = ?", (key,))

    # -- uploads begun that the tablet no longer sends (tus termination) ---------------------

    @staticmethod
    def abandon_upload(db: sqlite3.Connection, sha256: str) -> None:
        """The upload begun of a file is not resumed: its URL is kept to end it on the server
        at the next push (tus termination), in the caller's transaction `db`."""
        db.execute("INSERT OR IGNORE INTO tus_terminations (url, sha256, recorded_at) "
                   "SELECT url, ?, ? FROM tus_urls WHERE fingerprint = ?",
                   (sha256, now_iso(), f"sha256:{sha256}"))
        db.execute("DELETE FROM tus_urls WHERE fingerprint = ?", (f"sha256:{sha256}",))

    def cancel_upload(self, sha256: str) -> None:
        """Abandon the upload begun of a file, if any (its own transaction, or the caller's)."""
        with self.transaction() as db:
            self.abandon_upload(db, sha256)

    def abandoned_uploads(self) -> list[str]:
        """URLs of uploads to end on the server, oldest first."""
        with self._lock:
            rows = self.db.execute("SELECT url FROM tus_terminations ORDER BY recorded_at, url"
                                   ).fetchall()
        return [row["url"] for row in rows]

    def forget_abandoned(self, url: str) -> None:
        """An abandoned upload the server ended (or no longer has)."""
        with self.transaction() as db:
            db.execute("DELETE FROM tus_terminations WHERE url = ?", (url,))
