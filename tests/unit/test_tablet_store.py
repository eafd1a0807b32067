"""The tablet's store: pull pages and the cursor commit together; the outbox survives a crash."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from offline_sync.evidence import capture
from offline_sync.store import SCHEMA_VERSION, Store

ROOT = Path(__file__).resolve().parents[2]


def _change(n: int, op: str = "upsert", version: int = 1) -> dict:
    return {"entity": "enterprise", "id": f"e{n}", "op": op, "version": version,
            "data": {"name": f"企业{n}"} if op == "upsert" else None}


def _run_and_die(code: str, home: Path) -> int:
    """Run `code` in a fresh interpreter that is killed (os._exit) where the code says so."""
    script = textwrap.dedent(code).replace("HOME", repr(str(home)))
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, timeout=60).returncode


def test_a_page_and_its_cursor_commit_together(tmp_path):
    store = Store(tmp_path / "t.sqlite3")
    assert store.apply_page([_change(1), _change(2)], "c2") == 2
    assert store.cursor == "c2" and store.counts() == {"enterprise": 2}


def test_a_page_that_fails_half_way_leaves_neither_rows_nor_cursor(tmp_path):
    store = Store(tmp_path / "t.sqlite3")
    store.apply_page([_change(1)], "c1")
    broken = [_change(2), {"entity": "enterprise", "op": "upsert"}]  # no id: fails mid-page
    with pytest.raises(KeyError):
        store.apply_page(broken, "c3")
    assert store.cursor == "c1" and [r["id"] for r in store.records("enterprise")] == ["e1"]


def test_a_crash_in_the_middle_of_a_page_applies_none_of_it(tmp_path):
    store = Store(tmp_path / "t.sqlite3")
    store.apply_page([_change(1)], "c1")
    store.close()
    code = """
        import os, json
        from offline_sync.store import Store
        store = Store(HOME + "/t.sqlite3")
        real = json.dumps
        calls = []
        def dying(value, *a, **k):
            calls.append(value)
            if len(calls) == 3:
                os._exit(9)  # the tablet's battery dies with two rows written
            return real(value, *a, **k)
        json.dumps = dying
        store.apply_page([{"entity": "enterprise", "id": f"e{n}", "op": "upsert",
                           "version": 1, "data": {}} for n in range(2, 6)], "c5")
    """
    assert _run_and_die(code, tmp_path) == 9
    store = Store(tmp_path / "t.sqlite3")
    assert store.cursor == "c1" and store.counts() == {"enterprise": 1}
    assert store.apply_page([_change(n) for n in range(2, 6)], "c5") == 4  # pulled again: once
    assert store.counts() == {"enterprise": 5}


def test_tombstones_and_revocations_remove_the_local_copy(tmp_path):
    store = Store(tmp_path / "t.sqlite3")
    store.apply_page([_change(1), _change(2), _change(3)], "c3")
    store.apply_page([_change(1, "delete", 2), _change(2, "revoke", 1)], "c5")
    assert [r["id"] for r in store.records("enterprise")] == ["e3"]


def test_an_older_upsert_never_overwrites_a_newer_copy(tmp_path):
    store = Store(tmp_path / "t.sqlite3")
    store.apply_page([{**_change(1, version=3), "data": {"name": "新"}}], "a")
    store.apply_page([{**_change(1, version=2), "data": {"name": "旧"}}], "b")
    assert store.record_of("enterprise", "e1") == (3, {"name": "新"})


def test_a_recorded_mutation_survives_a_crash_with_its_mutation_id(tmp_path):
    code = """
        import os
        from offline_sync.store import Store
        store = Store(HOME + "/t.sqlite3")
        m = store.record("inspection", "create", "i-1", {"findings": "门窗敞开"})
        print(m.mutation_id, flush=True)
        os._exit(9)
    """
    script = textwrap.dedent(code).replace("HOME", repr(str(tmp_path)))
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, timeout=60,
                          capture_output=True, text=True)
    assert done.returncode == 9
    [queued] = Store(tmp_path / "t.sqlite3").queued()
    assert queued.mutation_id == done.stdout.strip()
    assert queued.fields == {"findings": "门窗敞开"} and queued.base_version is None


def test_an_edit_carries_the_version_it_was_made_on_and_a_second_one_is_chained(tmp_path):
    store = Store(tmp_path / "t.sqlite3")
    store.apply_page([{"entity": "inspection", "id": "i-1", "op": "upsert", "version": 4,
                       "data": {"findings": "a", "ended_at": None}}], "c1")
    first = store.record("inspection", "update", "i-1", {"findings": "b"})
    second = store.record("inspection", "update", "i-1", {"ended_at": "2026-06-01T03:00:00Z"})
    assert (first.base_version, first.chained) == (4, False)
    assert (second.base_version, second.chained) == (None, True)
    assert [m.mutation_id for m in store.next_batch(10)] == [first.mutation_id]
    store.settle(first, {"mutation_id": first.mutation_id, "status": "applied", "version": 5})
    [after] = store.next_batch(10)
    assert (after.mutation_id, after.base_version) == (second.mutation_id, 5)
    assert store.record_of("inspection", "i-1") == (5, {"findings": "b",
                                                         "ended_at": "2026-06-01T03:00:00Z"})


def test_an_edit_waits_behind_a_part_of_its_record_and_goes_on_the_version_it_gives(tmp_path):
    store = Store(tmp_path / "t.sqlite3")
    store.apply_page([{"entity": "inspection", "id": "i-1", "op": "upsert", "version": 4,
                       "data": {"findings": "a"}}], "c1")
    part = store.record("signature", "create", "s-1", {"inspection_id": "i-1", "signer": "王"})
    edit = store.record("inspection", "update", "i-1", {"findings": "b"})
    other = store.record("inspection", "update", "i-2", {"findings": "c"})
    assert [m.mutation_id for m in store.next_batch(10)] == [part.mutation_id,
                                                             other.mutation_id]
    store.settle(part, {"mutation_id": part.mutation_id, "status": "applied", "version": 5})
    [after, _] = store.next_batch(10)
    assert (after.mutation_id, after.base_version) == (edit.mutation_id, 5)


def test_a_pulled_copy_keeps_the_edits_still_in_the_outbox(tmp_path):
    store = Store(tmp_path / "t.sqlite3")
    store.apply_page([{"entity": "inspection", "id": "i", "op": "upsert", "version": 1,
                       "data": {"findings": "a", "people": 1}}], "c1")
    store.record("inspection", "update", "i", {"findings": "mine"})
    store.apply_page([{"entity": "inspection", "id": "i", "op": "upsert", "version": 2,
                       "data": {"findings": "theirs", "people": 2}}], "c2")
    assert store.record_of("inspection", "i") == (2, {"findings": "mine", "people": 2})


def test_a_pulled_violation_does_not_show_again_a_photo_whose_removal_is_queued(tmp_path):
    store = Store(tmp_path / "t.sqlite3")
    cited = {"entity": "violation", "id": "v", "op": "upsert", "version": 1,
             "data": {"evidence": ["a" * 64, "b" * 64]}}
    store.apply_page([cited], "c1")
    link = {"violation_id": "v", "sha256": "a" * 64}
    store.record("evidence_link", "delete", "l-a", link)
    assert store.record_of("violation", "v")[1]["evidence"] == ["b" * 64]  # shown at once
    store.apply_page([{**cited, "version": 2}], "c2")  # pulled before the removal was sent
    assert store.record_of("violation", "v")[1]["evidence"] == ["b" * 64]
    store.record("evidence_link", "create", "l-a", link)  # cited again after all
    store.apply_page([{**cited, "version": 3}], "c3")
    assert store.record_of("violation", "v")[1]["evidence"] == ["a" * 64, "b" * 64]


def test_a_held_answer_keeps_the_mutation_and_a_final_one_removes_it(tmp_path):
    store = Store(tmp_path / "t.sqlite3")
    m = store.record("violation", "update", "v-1", {"note": "x"})
    assert store.settle(m, {"mutation_id": m.mutation_id, "status": "pending"}) is None
    assert [q.held for q in store.queued()] == [True]
    outcome = store.settle(m, {"mutation_id": m.mutation_id, "status": "rejected",
                               "problem": {"detail": "no such violation"}})
    assert outcome.status == "rejected" and store.queued() == []
    assert [i.mutation_id for i in store.issues()] == [m.mutation_id]
    assert store.acknowledge(m.mutation_id) and store.issues() == []


def test_a_duplicate_is_settled_by_the_first_result_it_replays(tmp_path):
    store = Store(tmp_path / "t.sqlite3")
    m = store.record("inspection", "create", "i-9", {"findings": "x"})
    first = {"mutation_id": m.mutation_id, "status": "conflict", "conflict": "hard",
             "version": 3, "conflicting_fields": ["findings"]}
    outcome = store.settle(m, {"mutation_id": m.mutation_id, "status": "duplicate",
                               "first": first})
    assert (outcome.status, outcome.conflict, outcome.version) == ("conflict", "hard", 3)
    assert [i.conflict for i in store.issues()] == ["hard"]


def test_capture_hashes_the_bytes_it_keeps_and_a_second_capture_is_the_same_item(tmp_path):
    store = Store(tmp_path / "t.sqlite3")
    photo = tmp_path / "p.jpg"
    photo.write_bytes(b"\xff\xd8" + bytes(range(256)) * 5000)
    item = capture(store, photo, tmp_path / "evidence")
    assert item.sha256 == hashlib.sha256(photo.read_bytes()).hexdigest()
    assert Path(item.path).read_bytes() == photo.read_bytes()
    assert (item.state, item.filename, item.size) == ("pending", "p.jpg", photo.stat().st_size)
    photo.write_bytes(b"changed after capture")  # the kept copy is what gets uploaded
    assert capture(store, tmp_path / "evidence" / item.sha256, tmp_path / "evidence"
                   ).sha256 == item.sha256
    assert len(store.evidence()) == 1


def test_bytes_captured_as_a_photo_and_as_another_kind_go_as_a_photo_while_not_sent(
        tmp_path):
    store = Store(tmp_path / "t.sqlite3")
    pad = tmp_path / "pad.png"
    pad.write_bytes(b"\x89PNG" + bytes(range(256)) * 20)
    folder = tmp_path / "evidence"
    signed = capture(store, pad, folder, "signature")
    store.set_item(f"sha256:{signed.sha256}", "http://server/uploads/1")  # begun as that
    assert capture(store, pad, folder, "photo").kind == "photo"  # checked as a photo is
    assert store.get_item(f"sha256:{signed.sha256}") is None  # a new upload, declared so
    assert capture(store, pad, folder, "signature").kind == "photo"  # one kind per file
    store.mark_evidence(signed.sha256, "uploaded")
    other = tmp_path / "other.png"
    other.write_bytes(b"\x89PNG" + bytes(range(255)) * 20)
    sent = capture(store, other, folder, "signature")
    store.mark_evidence(sent.sha256, "uploaded")  # the server holds it as a signature now
    assert capture(store, other, folder, "photo").kind == "signature"



@pytest.mark.parametrize("kind", ["document", "audio", "video"])
def test_a_file_not_sent_of_another_kind_than_a_signature_stays_it_when_captured_as_a_photo(
        tmp_path, kind):
    store = Store(tmp_path / "t.sqlite3")
    report = tmp_path / "report.pdf"
    report.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20)
    folder = tmp_path / "evidence"
    kept = capture(store, report, folder, kind)
    store.set_item(f"sha256:{kept.sha256}", "http://server/uploads/1")
    again = capture(store, report, folder, "photo")  # the server would refuse it as no image
    assert (again.kind, again.state) == (kind, "pending")
    assert store.get_item(f"sha256:{kept.sha256}") == "http://server/uploads/1"  # goes on


def test_an_upload_begun_as_a_signature_is_ended_on_the_server_when_it_goes_as_a_photo(
        tmp_path):
    store = Store(tmp_path / "t.sqlite3")
    pad = tmp_path / "pad.png"
    pad.write_bytes(b"\x89PNG" + bytes(range(256)) * 20)
    signed = capture(store, pad, tmp_path / "evidence", "signature")
    store.set_item(f"sha256:{signed.sha256}", "http://server/api/v1/uploads/1")
    capture(store, pad, tmp_path / "evidence", "photo")  # sent afresh, declared a photo
    assert store.abandoned_uploads() == ["http://server/api/v1/uploads/1"]  # its part ended
    store.forget_abandoned("http://server/api/v1/uploads/1")
    assert store.abandoned_uploads() == []

def test_a_409_rejection_goes_again_under_a_new_id_a_bounded_number_of_times(tmp_path):
    store = Store(tmp_path / "t.sqlite3")
    store.record("inspection", "create", "i-1", {"findings": "x"})
    refused = {"status": "rejected", "problem": {"status": 409, "detail": "send it again"}}
    seen = []
    for _ in range(3):
        [queued] = store.queued()
        seen.append(queued.mutation_id)
        outcome = store.settle(queued, {**refused, "mutation_id": queued.mutation_id})
        if outcome.status == "rejected":
            break
        assert outcome.status == "resent" and outcome.acknowledged
    assert len(set(seen)) == 3 and outcome.status == "rejected" and store.queued() == []
    assert [i.mutation_id for i in store.issues()] == [seen[-1]]


def test_a_422_rejection_is_final_at_once(tmp_path):
    store = Store(tmp_path / "t.sqlite3")
    m = store.record("inspection", "create", "i-1", {"findings": "x"})
    outcome = store.settle(m, {"mutation_id": m.mutation_id, "status": "rejected",
                               "problem": {"status": 422, "detail": "bad"}})
    assert outcome.status == "rejected" and store.queued() == []


OLD_OUTBOX = """
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, mutation_id TEXT NOT NULL UNIQUE,
    entity TEXT NOT NULL, op TEXT NOT NULL, record_id TEXT NOT NULL,
    base_version INTEGER, chained INTEGER NOT NULL DEFAULT 0, fields TEXT NOT NULL,
    recorded_at TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    held INTEGER NOT NULL DEFAULT 0);
CREATE TABLE outcomes (
    mutation_id TEXT PRIMARY KEY, entity TEXT NOT NULL, op TEXT NOT NULL,
    record_id TEXT NOT NULL, status TEXT NOT NULL, conflict TEXT, version INTEGER,
    fields TEXT NOT NULL, result TEXT NOT NULL, answered_at TEXT NOT NULL,
    acknowledged INTEGER NOT NULL DEFAULT 0);
INSERT INTO outbox (mutation_id, entity, op, record_id, chained, fields, recorded_at)
VALUES ('m-1', 'inspection', 'create', 'i-1', 0, '{}', '2026-06-01T08:00:00+00:00'),
       ('m-2', 'inspection', 'update', 'i-1', 1, '{}', '2026-06-01T08:01:00+00:00'),
       ('m-3', 'inspection', 'create', 'i-2', 0, '{}', '2026-06-01T08:02:00+00:00'),
       ('m-4', 'signature', 'create', 's-2', 0, '{"inspection_id": "i-2"}',
        '2026-06-01T08:03:00+00:00');
INSERT INTO outcomes (mutation_id, entity, op, record_id, status, fields, result, answered_at)
VALUES ('m-3', 'inspection', 'create', 'i-2', 'rejected', '{}', '{"status": "rejected"}',
        '2026-06-01T09:00:00+00:00');
"""


def test_a_store_made_before_sends_were_recorded_is_upgraded_in_place(tmp_path):
    path = tmp_path / "t.sqlite3"
    with sqlite3.connect(path) as old:
        old.executescript(OLD_OUTBOX)
    store = Store(path)
    # a queued edit may have gone before the store recorded sends: taken as sent (a
    # withdrawal the server never needed is answered 404 and settles quietly); a chained
    # one waits for its predecessor's answer, so it never went, and a rejected create kept
    # for the user was answered
    sent = [(m.mutation_id, m.sent) for m in store.queued()]
    assert sent == [("m-1", True), ("m-2", False), ("m-3", False), ("m-4", True)]
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert [m.record_id for m in store.discard("m-3")] == ["i-2", "s-2"]
    assert [m.record_id for m in store.queued() if m.entity == "mutation"] == ["m-4"]
    store.close()
    assert [m.sent for m in Store(path).queued()] == [True, False, False]  # upgraded once


def test_a_new_store_records_which_edits_were_sent(tmp_path):
    store = Store(tmp_path / "t.sqlite3")
    first = store.record("inspection", "create", "i-1", {"findings": "x"})
    store.record("inspection", "create", "i-2", {"findings": "y"})
    store.sending([first])
    assert [m.sent for m in store.queued()] == [True, False]
    store.settle(first, {"mutation_id": first.mutation_id, "status": "pending"})
    assert [(m.held, m.sent) for m in store.queued()] == [(True, True), (False, False)]


def test_the_tablets_folder_and_store_holding_its_token_are_for_its_own_user_only(tmp_path):
    from offline_sync.engine import Tablet

    home = tmp_path / "tablet"
    tablet = Tablet(home)
    tablet.store.set(token="secret-bearer-token")
    tablet.close()
    assert home.stat().st_mode & 0o077 == 0
    assert (home / "tablet.sqlite3").stat().st_mode & 0o077 == 0


def test_a_store_readable_by_others_becomes_the_tablet_users_own_when_opened(tmp_path):
    path = tmp_path / "t.sqlite3"
    Store(path).close()
    path.chmod(0o644)  # as a tablet made before stores were private left it
    Store(path).close()
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_mutation_refused_for_now_stays_queued_to_be_sent_again(tmp_path):
    # The server refuses one more held mutation with a transient 429 (SYNC_MAX_HELD); the
    # tablet took any rejection as final and dropped the edit from its outbox.
    store = Store(str(tmp_path / "t.db"))
    record = str(uuid.uuid4())
    queued = store.record("inspection", "update", record, {"findings": "补记"})
    store.sending([queued])
    answer = {"mutation_id": queued.mutation_id, "entity": "inspection", "op": "update",
              "id": record, "status": "rejected", "version": None,
              "problem": {"status": 429, "transient": True, "detail": "held enough"}}
    assert store.settle(queued, answer) is None
    assert [m.mutation_id for m in store.queued()] == [queued.mutation_id]
    final = dict(answer, problem={"status": 422, "detail": "invalid"})
    store.sending([queued])
    assert store.settle(queued, final) is not None and store.queued() == []


def test_a_write_inside_another_commits_with_it_and_a_failed_one_undoes_only_itself(tmp_path):
    store = Store(tmp_path / "t.sqlite3")
    with store.transaction():
        store.set(a="1")
        with pytest.raises(ValueError), store.transaction() as db:
            db.execute("INSERT INTO meta (key, value) VALUES ('b', '2')")
            raise ValueError("refused")
        store.set(c="3")
    with pytest.raises(ValueError), store.transaction():
        store.set(d="4")
        raise ValueError("refused")
    reopened = Store(tmp_path / "t.sqlite3")
    assert [reopened.get(key) for key in "abcd"] == ["1", None, "3", None]


def test_a_transient_409_goes_again_under_its_own_id_so_a_racing_request_is_a_duplicate(
        tmp_path):
    # A create refused for the moment (its key taken by a retry of the same request running
    # meanwhile) went again under a new mutation_id: not `duplicate` of the request that had
    # applied it, but a second create, refused (409) once anyone had edited the record.
    store = Store(tmp_path / "t.sqlite3")
    first = store.record("inspection", "create", "i-1", {"findings": "x"})
    refused = {"status": "rejected", "problem": {"status": 409, "transient": True,
                                                 "detail": "send it again"}}
    for _ in range(2):
        [queued] = store.queued()
        outcome = store.settle(queued, {**refused, "mutation_id": queued.mutation_id})
        assert outcome.status == "resent" and outcome.acknowledged
    [queued] = store.queued()
    assert queued.mutation_id == first.mutation_id
    replay = {"mutation_id": first.mutation_id, "status": "duplicate", "version": 1,
              "first": {"mutation_id": first.mutation_id, "status": "applied", "version": 1}}
    assert store.settle(queued, replay).status == "applied" and store.queued() == []
    assert store.issues() == []
