"""A tablet's store file made by an earlier version of the tablet software (version 0: before
the file had a version; version 1: outbox.sent) is upgraded in place when opened: nothing it
holds is lost, it then works like a file made now, and opening it again changes nothing. A file
made by a newer version (a tablet downgraded) is refused as it is, with a clear message.

The old files are built with the old DDL written out here, as the code of the time made them."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from tablet_fakes import FakeSyncServer

from offline_sync import SyncError, Tablet, cli
from offline_sync.store import SCHEMA_VERSION, Store

# offline_sync/store.py SCHEMA before the file had a version (commit 404f6cf^)
V0_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    entity TEXT NOT NULL, id TEXT NOT NULL, version INTEGER, data TEXT NOT NULL,
    PRIMARY KEY (entity, id));
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, mutation_id TEXT NOT NULL UNIQUE,
    entity TEXT NOT NULL, op TEXT NOT NULL, record_id TEXT NOT NULL,
    base_version INTEGER, chained INTEGER NOT NULL DEFAULT 0, fields TEXT NOT NULL,
    recorded_at TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    held INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS outcomes (
    mutation_id TEXT PRIMARY KEY, entity TEXT NOT NULL, op TEXT NOT NULL,
    record_id TEXT NOT NULL, status TEXT NOT NULL, conflict TEXT, version INTEGER,
    fields TEXT NOT NULL, result TEXT NOT NULL, answered_at TEXT NOT NULL,
    acknowledged INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS evidence (
    sha256 TEXT PRIMARY KEY, path TEXT NOT NULL, size INTEGER NOT NULL, filename TEXT,
    kind TEXT NOT NULL, captured_at TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'pending',
    detail TEXT);
CREATE TABLE IF NOT EXISTS tus_urls (fingerprint TEXT PRIMARY KEY, url TEXT NOT NULL);
"""
# version 1 (commit 404f6cf): the outbox notes what was sent
V1_DDL = V0_DDL.replace("held INTEGER NOT NULL DEFAULT 0);",
                        "held INTEGER NOT NULL DEFAULT 0, sent INTEGER NOT NULL DEFAULT 0);")
assert V1_DDL != V0_DDL

E, I1, I2, I3 = "e-1", "i-1", "i-2", "i-3"  # a pulled record, one made here, one rejected
STARTED = "2026-06-01T08:00:00+00:00"
REJECTION = {"mutation_id": "m-5", "status": "rejected", "entity": "inspection", "id": I3,
             "version": None, "problem": {"title": "Validation failed", "status": 422,
                                          "detail": "inspector_ids: unknown officer"}}
# (mutation_id, entity, op, record_id, base_version, chained, fields, held, sent in version 1)
OUTBOX = [
    ("m-1", "inspection", "update", I1, 3, 0, {"findings": "门窗敞开"}, 0, 1),
    ("m-2", "inspection", "create", I2, None, 0,
     {"enterprise_id": E, "inspector_ids": ["u-1", "u-2"], "started_at": STARTED}, 0, 0),
    ("m-3", "inspection", "update", I2, None, 1, {"findings": "喷漆间"}, 0, 0),
    ("m-4", "signature", "create", "s-2", None, 0,
     {"inspection_id": I2, "signer": "王经理", "role": "party", "refused": True,
      "refusal_reason": "不签"}, 0, 0),
    ("m-5", "inspection", "create", I3, None, 0,
     {"enterprise_id": E, "inspector_ids": ["u-9"], "started_at": STARTED}, 0, 0),
    ("m-6", "violation", "create", "v-3", None, 0,
     {"inspection_id": I3, "code": "AIR_VOC", "occurred_on": "2026-06-01"}, 1, 1),
]
# what version 0 did not record: taken as sent unless chained or answered (the rejected create)
V0_SENT = {"m-1": True, "m-2": True, "m-3": False, "m-4": True, "m-5": False, "m-6": True}
PHOTOS = {"a" * 64: ("DSCN0010.jpg", "pending"), "b" * 64: ("DSCN0011.jpg", "uploaded")}


def _old_file(home: Path, version: int) -> Path:
    """A tablet folder whose store the code of `version` made, in the middle of a working day:
    pulled rows, queued edits (one rejected create with an edit behind it), answers, captured
    files on disk with their upload URLs."""
    (home / "evidence").mkdir(parents=True)
    path = home / "tablet.sqlite3"
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(V1_DDL if version == 1 else V0_DDL)
    meta = {"server": "http://127.0.0.1:5000", "token": "t0k3n", "device_id": "tablet-7",
            "cursor": "42", "user": json.dumps({"id": "u-1", "username": "inspector1"})}
    db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
    records = [("enterprise", E, 1, {"name": "东方涂装"}),
               ("inspection", I1, 3, {"enterprise_id": E, "started_at": "2026-05-30T08:00:00Z",
                                      "status": "submitted", "findings": "门窗敞开"}),
               ("inspection", I2, None, {**OUTBOX[1][6], "findings": "喷漆间"}),
               ("signature", "s-2", None, OUTBOX[3][6]),
               ("inspection", I3, None, OUTBOX[4][6]), ("violation", "v-3", None, OUTBOX[5][6])]
    db.executemany("INSERT INTO records VALUES (?, ?, ?, ?)",
                   [(k, i, v, json.dumps(d, ensure_ascii=False)) for k, i, v, d in records])
    for mid, entity, op, rid, base, chained, fields, held, sent in OUTBOX:
        columns = "mutation_id, entity, op, record_id, base_version, chained, fields, " \
                  "recorded_at, held" + (", sent" if version == 1 else "")
        values = [mid, entity, op, rid, base, chained, json.dumps(fields, ensure_ascii=False),
                  STARTED, held] + ([sent] if version == 1 else [])
        db.execute(f"INSERT INTO outbox ({columns}) VALUES ({', '.join('?' * len(values))})",
                   values)
    db.executemany("INSERT INTO outcomes (mutation_id, entity, op, record_id, status, version, "
                   "fields, result, answered_at, acknowledged) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
                   "?, ?)", [
                       ("m-0", "inspection", "update", I1, "applied", 3, "{}",
                        json.dumps({"status": "applied", "version": 3}), STARTED, 1),
                       ("m-5", "inspection", "create", I3, "rejected", None,
                        json.dumps(OUTBOX[4][6]), json.dumps(REJECTION), STARTED, 0)])
    for sha, (name, state) in PHOTOS.items():
        copy = home / "evidence" / sha
        copy.write_bytes(b"\xff\xd8\xff\xe0" + sha.encode())
        db.execute("INSERT INTO evidence (sha256, path, size, filename, kind, captured_at, "
                   "state) VALUES (?, ?, ?, ?, 'photo', ?, ?)",
                   (sha, str(copy), copy.stat().st_size, name, STARTED, state))
    db.execute("INSERT INTO tus_urls VALUES ('fp-a', 'http://127.0.0.1:5000/files/1')")
    if version:
        db.execute(f"PRAGMA user_version = {version}")
    db.commit()
    db.close()
    return path


def _contents(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table, and the file's version, read without the store."""
    db = sqlite3.connect(path)
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                           "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        found = {t: db.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in tables}
        found["user_version"] = db.execute("PRAGMA user_version").fetchall()
        return found
    finally:
        db.close()


def _shape(path: Path) -> dict[str, list[tuple]]:
    """Each table's columns (name, type, not null, default, key) and indexes."""
    db = sqlite3.connect(path)
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                           "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {t: [r[1:] for r in db.execute(f"PRAGMA table_info({t})")]
                + sorted(r[1:] for r in db.execute(f"PRAGMA index_list({t})")) for t in tables}
    finally:
        db.close()


@pytest.mark.parametrize("version", [0, 1])
def test_an_old_store_keeps_everything_it_held_and_gets_the_shape_of_a_new_one(
        tmp_path, version):
    path = _old_file(tmp_path / "old", version)
    before = _contents(path)
    Store(path).close()
    after = _contents(path)
    assert after.keys() == {*before.keys(), "tus_terminations"}  # a table of its own, empty
    assert after["tus_terminations"] == [] and after["user_version"] == [(SCHEMA_VERSION,)]
    for table in ("meta", "records", "outcomes", "tus_urls"):
        assert after[table] == before[table], table
    assert [row[:11] for row in after["outbox"]] == before["outbox"] if version == 0 \
        else after["outbox"] == before["outbox"]
    assert [row[:8] for row in after["evidence"]] == before["evidence"]
    assert [row[8] for row in after["evidence"]] == [None, None]  # its record was not kept
    assert all(Path(row[1]).is_file() for row in after["evidence"])
    (tmp_path / "new").mkdir()
    Store(tmp_path / "new" / "tablet.sqlite3").close()
    assert _shape(path) == _shape(tmp_path / "new" / "tablet.sqlite3")


@pytest.mark.parametrize("version", [0, 1])
def test_an_old_store_reads_as_it_was_written(tmp_path, version):
    path = _old_file(tmp_path, version)
    store = Store(path)
    sent = V0_SENT if version == 0 else {m[0]: bool(m[8]) for m in OUTBOX}
    assert [(m.mutation_id, m.chained, m.held, m.sent) for m in store.queued()] == [
        (m[0], bool(m[5]), bool(m[7]), sent[m[0]]) for m in OUTBOX]
    assert [m.fields for m in store.queued()] == [m[6] for m in OUTBOX]
    assert store.cursor == "42" and store.get("device_id") == "tablet-7"
    assert store.record_of("inspection", I1) == (3, {
        "enterprise_id": E, "started_at": "2026-05-30T08:00:00Z", "status": "submitted",
        "findings": "门窗敞开"})
    assert [(i.sha256, i.filename, i.state) for i in store.evidence()] == [
        (sha, name, state) for sha, (name, state) in PHOTOS.items()]
    assert store.get_item("fp-a") == "http://127.0.0.1:5000/files/1"
    assert [o.mutation_id for o in store.issues()] == ["m-5"]
    store.close()


@pytest.mark.parametrize("version", [0, 1])
def test_an_upgraded_store_pushes_reports_and_discards_as_a_new_one(tmp_path, version):
    _old_file(tmp_path, version)
    server = FakeSyncServer()
    server.rows[("inspection", I1)] = {"version": 3, "data": {"enterprise_id": E},
                                       "history": {1: {"enterprise_id"}, 2: set(), 3: set()}}
    tablet = Tablet(tmp_path, server)
    assert tablet.status()["outbox"] == 6 and tablet.status()["held"] == 1
    assert [(b["id"], [m["id"] for m in b["blocked"]]) for b in tablet.status()["blocked"]] \
        == [(I3, ["v-3"])]
    assert tablet.owed() == (6, 1)
    outcomes = tablet.push()
    assert [(o.mutation_id, o.status) for o in outcomes] == [
        ("m-1", "applied"), ("m-2", "applied"), ("m-4", "applied"), ("m-3", "applied")]
    assert server.rows[("inspection", I2)]["data"]["findings"] == "喷漆间"
    status = tablet.status()
    assert status["outbox"] == 2 and [i["id"] for i in status["issues"]] == [I3]
    assert [m.mutation_id for m in tablet.store.queued()] == ["m-5", "m-6"]  # blocked
    dropped = tablet.discard_rejected(I3)
    assert [m.mutation_id for m in dropped] == ["m-5", "m-6"]
    # the violation was answered pending: the server may hold it, so it is withdrawn
    assert [(m.entity, m.record_id) for m in tablet.store.queued()] == [("mutation", "m-6")]
    assert tablet.status()["withdrawals"] == 1
    [withdrawn] = tablet.push()
    assert (withdrawn.status, withdrawn.acknowledged) == ("not_held", True)  # never got there
    assert tablet.store.queued() == [] and tablet.owed() == (0, 1)
    later = tablet.add_photo(_camera(tmp_path, 7))
    assert later.inspection_id == I2  # a file captured now is kept for its record
    tablet.close()


def _camera(tmp_path: Path, seed: int) -> Path:
    photo = tmp_path / "camera" / f"IMG_{seed:04}.jpg"
    photo.parent.mkdir(exist_ok=True)
    photo.write_bytes(b"\xff\xd8\xff\xe0" + bytes([seed]) * 64)
    return photo


@pytest.mark.parametrize("version", [0, 1])
def test_opening_an_upgraded_store_again_changes_nothing(tmp_path, version):
    path = _old_file(tmp_path, version)
    store = Store(path)
    store.sending(store.queued()[2:3])  # m-3 goes now: sent, as a new store notes it
    store.close()
    upgraded = _contents(path)
    Store(path).close()
    Store(path).close()
    assert _contents(path) == upgraded  # the upgrade of version 0 did not run again


def test_tablets_opening_one_old_store_at_once_upgrade_it_once(tmp_path):
    path = _old_file(tmp_path, 0)
    start, failures, stores = threading.Barrier(4), [], []

    def open_it() -> None:
        start.wait()
        try:
            stores.append(Store(path))
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == [] and len(stores) == 4
    assert {m.mutation_id: m.sent for m in stores[0].queued()} == V0_SENT
    for store in stores:
        store.close()


def _newer_file(home: Path) -> tuple[Path, dict]:
    """A store a newer tablet made: a higher version, and a table of this version gone."""
    home.mkdir(parents=True)
    path = home / "tablet.sqlite3"
    store = Store(path)
    store.record("inspection", "create", I2, {"enterprise_id": E, "started_at": STARTED})
    store.close()
    db = sqlite3.connect(path)
    db.execute("DROP TABLE tus_urls")
    db.execute("CREATE TABLE uploads (fingerprint TEXT PRIMARY KEY, url TEXT NOT NULL)")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    return path, _contents(path)


def test_a_store_made_by_a_newer_version_is_refused_and_left_as_it_is(tmp_path):
    path, before = _newer_file(tmp_path / "tablet")
    with pytest.raises(SyncError) as refused:
        Store(path)
    said = str(refused.value)
    assert f"version {SCHEMA_VERSION + 1}" in said and "newer" in said and str(path) in said
    assert _contents(path) == before  # no table made again, no upgrade, no version written


def test_the_command_line_says_why_it_will_not_open_a_newer_store(tmp_path):
    path, before = _newer_file(tmp_path / "tablet")
    result = CliRunner().invoke(cli.main, ["--home", str(tmp_path / "tablet"), "status"])
    assert result.exit_code == 1 and not isinstance(result.exception, SyncError), result.output
    assert "newer" in result.output and "Traceback" not in result.output
    assert _contents(path) == before
