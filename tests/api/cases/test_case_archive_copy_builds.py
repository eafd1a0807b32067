"""When the archived copy is built: queued by the archive step, after a crash, at a first
export, by racing runners, on a thread."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest

from tests.api.cases.archived_copies import (
    audits,
    change_everything_the_file_draws_on,
    export_and_fetch,
    run_jobs,
)
from tests.api.cases.case_files import ok


def test_the_archive_step_queues_the_copy_with_it_and_the_job_builds_it_after_a_crash(
        app, client, party, exporting, archived):
    from server.cases.models import CaseExport
    from server.evidence import settings
    from server.extensions import db

    # The archive step committed a queued build with the transition; no thread ran (as if
    # the process died right after the commit): the scheduled job builds it.
    with app.app_context():
        [queued] = db.session.query(CaseExport).filter_by(case_id=uuid.UUID(archived["id"])).all()
        assert (queued.status, queued.purpose) == ("queued", "archive")
        queued_id = queued.id
    assert run_jobs(app)["done"] == 1
    built = ok(client.get(f"/api/v1/exports/{queued_id}", headers=party["legal"])).get_json()
    assert (built["purpose"], built["archived_copy"]) == ("archive", True)
    digest = built["archive_sha256"]
    case = ok(client.get(f"/api/v1/cases/{archived['id']}", headers=party["legal"])).get_json()
    assert case["archive_sha256"] == digest
    with app.app_context():  # kept content-addressed among the evidence store's copies
        with settings.current_store().open_copy(digest) as stored:
            assert hashlib.sha256(stored.read()).hexdigest() == digest
    [frozen] = audits(app, archived["id"], "case.archive_copy")
    assert (frozen["sha256"], frozen["built"], frozen["data"]) == (
        digest, "at_archiving", "as_archived")
    _, data = export_and_fetch(app, client, party, archived)
    assert hashlib.sha256(data).hexdigest() == digest
    assert audits(app, archived["id"], "case.archive_copy") == [frozen]  # built once


def test_a_case_archived_before_copies_were_stored_gets_its_copy_at_its_first_export(
        app, client, party, exporting, archived, monkeypatch):
    from server.cases.models import CaseExport
    from server.extensions import db

    with app.app_context():  # archived by the old code: no build was queued
        db.session.query(CaseExport).filter_by(case_id=uuid.UUID(archived["id"])).delete()
        db.session.commit()
    export, first = export_and_fetch(app, client, party, archived)
    assert (export["purpose"], export["archived_copy"]) == ("request", True)
    [frozen] = audits(app, archived["id"], "case.archive_copy")
    assert frozen["built"] == "first_export" and "frozen from now on" in frozen["note"]
    assert frozen["data"] == "at_this_build"  # nothing was fixed when it was archived
    assert frozen["sha256"] == hashlib.sha256(first).hexdigest()
    change_everything_the_file_draws_on(app, client, party, archived, monkeypatch)
    assert export_and_fetch(app, client, party, archived)[1] == first


def test_a_copy_the_archive_step_could_not_build_says_it_was_built_at_its_first_export(
        app, client, party, make_user, exporting, closed, step):
    """The legal officer who archived is disabled before the queued build ran: that build
    fails (1284780), the copy is made by the next export, and its audit entry must not claim
    it was built at archiving."""
    from server.auth import service as auth

    archiver, password = make_user("legal", "310115")
    token = client.post("/api/v1/auth/token", json={
        "username": archiver.username, "password": password, "device_id": "desk-9"}).get_json()
    ok(step(closed, "archived",
            headers={"Authorization": f"Bearer {token['access_token']}"}))
    with app.app_context():
        auth.disable_user(archiver.username)
    assert run_jobs(app)["failed"] == 1
    export, data = export_and_fetch(app, client, party, closed)
    assert (export["purpose"], export["archived_copy"]) == ("request", True)
    [frozen] = audits(app, closed["id"], "case.archive_copy")
    assert frozen["sha256"] == hashlib.sha256(data).hexdigest()
    assert frozen["built"] == "first_export" and "failed" in frozen["note"]
    assert frozen["data"] == "as_archived" and "as it stood when archived" in frozen["note"]


def test_two_runners_building_a_missing_copy_at_once_both_return_the_one_that_was_frozen(
        app, client, party, login, exporting, archived):
    import threading

    from server.cases import archived as copies
    from server.cases import exports
    from server.cases.models import CaseExport
    from server.extensions import db

    with app.app_context():
        db.session.query(CaseExport).filter_by(case_id=uuid.UUID(archived["id"])).delete()
        db.session.commit()
    # Two legal officers (the manifest names who built it, so their ZIPs differ) on two
    # workers: both build, then both try to freeze their own at the same moment.
    ids = [ok(client.post(f"/api/v1/cases/{archived['id']}/exports", headers=headers),
              202).get_json()["id"] for headers in (party["legal"], login("legal"))]
    both_built, freeze = threading.Barrier(2, timeout=60), copies._freeze
    monkeypatch = pytest.MonkeyPatch()

    def freeze_together(*args, **kwargs):
        both_built.wait()
        return freeze(*args, **kwargs)

    monkeypatch.setattr(copies, "_freeze", freeze_together)
    results: list[str] = []

    def run(export_id: str) -> None:
        with app.app_context():
            results.append(exports.run_export(uuid.UUID(export_id)))
            db.session.remove()

    try:
        threads = [threading.Thread(target=run, args=(export_id,)) for export_id in ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    finally:
        monkeypatch.undo()
    assert results == ["done", "done"]
    done = [ok(client.get(f"/api/v1/exports/{i}", headers=party["legal"])).get_json()
            for i in ids]
    files = {ok(client.get(d["download_url"], headers=party["legal"])).data for d in done}
    [frozen] = audits(app, archived["id"], "case.archive_copy")
    assert {hashlib.sha256(f).hexdigest() for f in files} == {frozen["sha256"]}
    assert {d["archive_sha256"] for d in done} == {frozen["sha256"]}


def _store_objects(app) -> set[str]:
    """The originals and case-file copies the (local-disk) evidence store holds."""
    root = Path(app.config["EVIDENCE_STORE"].removeprefix("file://"))
    return {path.name for path in root.rglob("*") if path.is_file() and not any(
        part.startswith(".") and part != ".casefiles"
        for part in path.relative_to(root).parts)}


def test_a_runner_that_loses_the_race_to_freeze_leaves_no_file_and_releases_once(
        app, client, party, login, exporting, archived, monkeypatch):
    from server.audit.models import AuditEntry
    from server.cases import archived as copies
    from server.cases import exports
    from server.cases.models import CaseExport
    from server.evidence.models import Evidence
    from server.extensions import db

    with app.app_context():
        [queued] = db.session.query(CaseExport).filter_by(case_id=uuid.UUID(archived["id"]))
        queued_id = queued.id
    other = ok(client.post(f"/api/v1/cases/{archived['id']}/exports",
                           headers=login("legal")), 202).get_json()["id"]
    # The build the archive step queued has stored its file and is about to freeze it when
    # another runner (another officer's export: its manifest names them) builds, stores and
    # freezes its own first.
    freeze, lost = copies._freeze, []

    def beaten_to_it(actor, row, case, sha256, *rest):
        monkeypatch.setattr(copies, "_freeze", freeze)
        with app.app_context():
            assert exports.run_export(uuid.UUID(other)) == "done"
        lost.append(sha256)
        return freeze(actor, row, case, sha256, *rest)

    monkeypatch.setattr(copies, "_freeze", beaten_to_it)
    with app.app_context():
        assert exports.run_export(queued_id) == "done"

    [frozen] = audits(app, archived["id"], "case.archive_copy")
    assert frozen["export_id"] == other and lost and lost != [frozen["sha256"]]
    for export_id in (queued_id, other):
        done = ok(client.get(f"/api/v1/exports/{export_id}", headers=party["legal"])).get_json()
        assert done["archive_sha256"] == frozen["sha256"]
        data = ok(client.get(done["download_url"], headers=party["legal"])).data
        assert hashlib.sha256(data).hexdigest() == frozen["sha256"]
    with app.app_context():
        originals = set(db.session.scalars(db.select(Evidence.sha256)))
        released = db.session.scalars(db.select(AuditEntry).where(
            AuditEntry.action == "evidence.export_original")).all()
    assert _store_objects(app) == originals | {frozen["sha256"]}  # the loser's file is gone
    # each of the two exports released the two originals once
    assert sorted(e.entity_id for e in released) == sorted(2 * list(archived["photos"]))


def test_with_threads_on_the_copy_is_built_right_after_the_archive_step_commits(
        app, client, party, closed, step):
    import time

    app.config["CASE_EXPORT_THREAD"] = True
    case = ok(step(closed, "archived")).get_json()
    assert case["archive_sha256"] is None  # built after the commit, not under its lock
    deadline = time.monotonic() + 60
    while case["archive_sha256"] is None and time.monotonic() < deadline:
        time.sleep(0.2)
        case = ok(client.get(f"/api/v1/cases/{case['id']}", headers=party["legal"])).get_json()
    assert case["archive_sha256"] is not None
    [frozen] = audits(app, case["id"], "case.archive_copy")
    assert (frozen["sha256"], frozen["built"]) == (case["archive_sha256"], "at_archiving")
