"""The versions queued edits are made on: parts of a record and their parent, and how the
server's answer to one edit moves the base of those still queued (one SQLite transaction of
the store's, passed in)."""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from offline_sync.store import Mutation

# Parts of a record: their result's version is the version of the record they belong to.
PARENTS = {"evidence_link": ("violation", "violation_id"),
           "signature": ("inspection", "inspection_id"),
           "checklist_answer": ("inspection", "inspection_id")}
# Parts made on a version of their parent: the server compares a checklist answer with the
# item's answer at that version (another tablet's answer since then is a hard conflict).
# Signatures and evidence links are sets: they never meet a stale base.
PARENT_BASED = ("checklist_answer",)


def parent_of(entity: str, fields: dict[str, Any]) -> tuple[str, str]:
    """The record a part belongs to, as its fields name it."""
    kind, field = PARENTS[entity]
    return kind, str(fields.get(field) or "")


def pending_fields(db: sqlite3.Connection, entity: str, record_id: str) -> dict[str, Any]:
    """The fields of a record's queued edits, later ones over earlier ones."""
    merged: dict[str, Any] = {}
    for row in db.execute("SELECT fields FROM outbox WHERE entity = ? AND record_id = ? "
                          "ORDER BY seq", (entity, record_id)):
        merged.update(json.loads(row["fields"]))
    return merged


def unlinked(db: sqlite3.Connection, entity: str, record_id: str,
             data: dict[str, Any]) -> dict[str, Any]:
    """A violation's data without the files a queued evidence_link delete stops citing (the
    last queued edit of that link is its delete): the tablet shows what it will send."""
    if entity != "violation" or not data.get("evidence"):
        return data
    last: dict[str, str] = {}
    for row in db.execute("SELECT op, fields FROM outbox WHERE entity = 'evidence_link' AND "
                          "json_extract(fields, '$.violation_id') = ? ORDER BY seq",
                          (record_id,)):
        last[json.loads(row["fields"]).get("sha256")] = row["op"]
    gone = {sha for sha, op in last.items() if op == "delete"}
    return {**data, "evidence": [sha for sha in data["evidence"] if sha not in gone]}


def shown_without(db: sqlite3.Connection, parent: tuple[str, str]) -> None:
    """The parent's local copy as the queued deletes of its parts leave it."""
    row = db.execute("SELECT data FROM records WHERE entity = ? AND id = ?", parent).fetchone()
    if row is not None:
        db.execute("UPDATE records SET data = ? WHERE entity = ? AND id = ?",
                   (json.dumps(unlinked(db, *parent, json.loads(row["data"]))), *parent))


def advance(db: sqlite3.Connection, mutation: Mutation, version: int,
            server: dict[str, Any] | None, applied: bool) -> None:
    """The record now stands at `version` on the server; the next chained edit builds on it.

    For a part (signature, checklist answer, evidence link) the record is its parent, whose
    local copy moves to `version` only when it then shows that version: a copy of the
    server's record came with the answer, or our part was the only change (local version
    + 1). Then queued edits and answers of the record made on the version before are
    rebased, since the tablet saw its own change; an answer in conflict rebases nothing.
    An applied answer gives the next answer to its item its base."""
    key, own = mutation.target, (mutation.entity, mutation.record_id)
    row = db.execute("SELECT version, data FROM records WHERE entity = ? AND id = ?",
                     key).fetchone()
    if row is not None and (row["version"] is None or row["version"] < version):
        only_ours = applied and row["version"] == version - 1
        if key == own or isinstance(server, dict) or only_ours or row["version"] is None:
            data = json.loads(row["data"])
            if isinstance(server, dict):
                data = unlinked(db, *key, {**data, **server, **pending_fields(db, *key)})
            db.execute("UPDATE records SET version = ?, data = ? WHERE entity = ? AND id = ?",
                       (version, json.dumps(data), *key))
        if only_ours:
            rebase_answers(db, key, version, version - 1)
        if only_ours and key != own:
            db.execute("UPDATE outbox SET base_version = ? WHERE entity = ? AND "
                       "record_id = ? AND chained = 0 AND base_version = ?",
                       (version, *key, version - 1))
    if applied and mutation.op == "create" and key == own:
        rebase_answers(db, key, version, None)  # made on the record as it was created
    if applied and mutation.entity in PARENT_BASED:
        db.execute("UPDATE outbox SET base_version = MAX(COALESCE(base_version, ?), ?) "
                   "WHERE entity = ? AND record_id = ?", (version, version, *own))
    successor = db.execute("SELECT seq FROM outbox WHERE entity = ? AND record_id = ? "
                           "ORDER BY seq LIMIT 1", own).fetchone()
    if successor is not None:
        db.execute("UPDATE outbox SET chained = 0, base_version = ? WHERE seq = ? "
                   "AND chained = 1", (version, successor["seq"]))


def rebase_answers(db: sqlite3.Connection, parent: tuple[str, str], version: int,
                   before: int | None) -> None:
    """Queued answers of `parent` made on version `before` (None: on none) go on `version`."""
    for entity in PARENT_BASED:
        kind, field = PARENTS[entity]
        if kind == parent[0]:
            db.execute(f"UPDATE outbox SET base_version = ? WHERE entity = ? AND "
                       f"json_extract(fields, '$.{field}') = ? AND base_version IS ?",
                       (version, entity, parent[1], before))
