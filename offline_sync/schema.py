"""The tables of the tablet's local SQLite file and their upgrades: the file's version is
SQLite's user_version, and a file made by an earlier version is brought up to date in place, in
one transaction, when the store opens it."""

from __future__ import annotations

import sqlite3

from offline_sync.errors import NewerStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    entity TEXT NOT NULL, id TEXT NOT NULL, version INTEGER, data TEXT NOT NULL,
    PRIMARY KEY (entity, id));
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, mutation_id TEXT NOT NULL UNIQUE,
    entity TEXT NOT NULL, op TEXT NOT NULL, record_id TEXT NOT NULL,
    base_version INTEGER, chained INTEGER NOT NULL DEFAULT 0, fields TEXT NOT NULL,
    recorded_at TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    held INTEGER NOT NULL DEFAULT 0, sent INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS outcomes (
    mutation_id TEXT PRIMARY KEY, entity TEXT NOT NULL, op TEXT NOT NULL,
    record_id TEXT NOT NULL, status TEXT NOT NULL, conflict TEXT, version INTEGER,
    fields TEXT NOT NULL, result TEXT NOT NULL, answered_at TEXT NOT NULL,
    acknowledged INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS evidence (
    sha256 TEXT PRIMARY KEY, path TEXT NOT NULL, size INTEGER NOT NULL, filename TEXT,
    kind TEXT NOT NULL, captured_at TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'pending',
    detail TEXT, inspection_id TEXT);
CREATE TABLE IF NOT EXISTS tus_urls (fingerprint TEXT PRIMARY KEY, url TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tus_terminations (
    url TEXT PRIMARY KEY, sha256 TEXT NOT NULL, recorded_at TEXT NOT NULL);
"""
# 1: outbox.sent, set when a mutation goes out and cleared by a final answer (the server may
# hold one sent whose answer never came back: a discard withdraws it).
# 2: evidence.inspection_id, the record a file was captured for (files captured before: none).
# tus_terminations (unfinished uploads to end on the server) is a new table, made when a file
# is opened, with no version of its own: an earlier version ignores it (the uploads it names
# then wait for their expiry on the server, as before it).
SCHEMA_VERSION = 2


def refuse_newer(db: sqlite3.Connection, path: str) -> int:
    """The file's version; NewerStore when a newer version of the tablet made it (nothing is
    written to it: its tables may mean what this version does not know)."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise NewerStore(
            f"The tablet's store {path} was made by a newer version of this software (store "
            f"version {version}; this one reads up to version {SCHEMA_VERSION}). It is left "
            "as it is, with everything it holds: install the newer version again to use it "
            "and send its work.")
    return version


def open_schema(db: sqlite3.Connection, path: str) -> None:
    """Create the tables a new file lacks and upgrade one an earlier version made;
    NewerStore, leaving it untouched, for one a newer version made."""
    db.execute("BEGIN IMMEDIATE")  # two processes opening one file upgrade it once
    try:
        version = refuse_newer(db, path)
        outbox = {row[1] for row in db.execute("PRAGMA table_info(outbox)")}
        evidence = {row[1] for row in db.execute("PRAGMA table_info(evidence)")}
        _create(db)
        if version < 1 and outbox and "sent" not in outbox:
            db.execute("ALTER TABLE outbox ADD COLUMN sent INTEGER NOT NULL DEFAULT 0")
            # Sends were not recorded: any edit queued may have gone, except a chained one,
            # which waits for its predecessor's answer, and a rejected create kept for the
            # user, which was answered. A withdrawal the server did not need is answered 404
            # and settles quietly.
            db.execute("UPDATE outbox SET sent = 1 WHERE chained = 0 AND mutation_id NOT IN "
                       "(SELECT mutation_id FROM outcomes)")
        if version < 2 and evidence and "inspection_id" not in evidence:
            db.execute("ALTER TABLE evidence ADD COLUMN inspection_id TEXT")
        if version < SCHEMA_VERSION:
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _create(db: sqlite3.Connection) -> None:
    """Each CREATE TABLE IF NOT EXISTS of SCHEMA, inside the caller's transaction
    (executescript would commit it first)."""
    for statement in SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)
