"""An archived case's file is built once and never changes (LAW.md §6: nothing may be changed
after archiving): every later export returns the stored copy, whatever changed since."""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from tests.api.cases.conftest import upload_file, upload_photo
from tests.api.cases.test_case_exports import _now, _ok, _verify


def _late_photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 10, 10)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def exporting(app, tmp_path):
    """Exports land in tmp_path; background threads are off (a test runs the job)."""
    app.config.update(CASE_EXPORT_DIR=str(tmp_path / "exports"), CASE_EXPORT_THREAD=False)
    return tmp_path / "exports"


@pytest.fixture
def closed(exporting, client, party, violation, file_case, step, frozen):
    """A fined case closed with two uploaded photos and one cited photo not yet uploaded."""
    photos = dict(upload_photo(client, party["supervisor"], shade) for shade in (0, 90))
    late = hashlib.sha256(_late_photo()).hexdigest()
    frozen.on("2021-06-03")
    case = _ok(file_case(violation(evidence=[*photos, late])["id"]), 201).get_json()
    for to, params in (("investigating", {}), ("notified", {}),
                       ("decided", {"fine_fen": 3_000_000, "rights_waived": True}),
                       ("served", {"method": "direct"}), ("paid", {"amount_fen": 3_000_000}),
                       ("closed", {})):
        case = _ok(step(case, to, **params)).get_json()
    return case | {"photos": photos, "late": late}


@pytest.fixture
def archived(closed, step):
    """The closed case, archived."""
    return _ok(step(closed, "archived")).get_json() | {k: closed[k] for k in ("photos", "late")}


def _run_jobs(app) -> dict[str, int]:
    from server.cases import exports

    with app.app_context():
        return exports.run_pending_exports(_now())


def _export(app, client, party, case) -> tuple[dict, bytes]:
    """Request an export, let the job build it; the export as the API shows it, and the ZIP."""
    started = _ok(client.post(f"/api/v1/cases/{case['id']}/exports", headers=party["legal"]),
                  202).get_json()
    _run_jobs(app)
    done = _ok(client.get(f"/api/v1/exports/{started['id']}", headers=party["legal"])).get_json()
    assert done["status"] == "done", done
    return done, _ok(client.get(done["download_url"], headers=party["legal"])).data


def _change_everything_the_file_draws_on(app, client, party, case, monkeypatch) -> None:
    """What can change after archiving: the party's register entry, a cited photo arriving
    late, the maker's name, and what the documents are set from (the bureau's name)."""
    from server.auth.models import User
    from server.cases import documents
    from server.extensions import db

    url = f"/api/v1/enterprises/{party['enterprise']['id']}"
    version = _ok(client.get(url, headers=party["supervisor"])).get_json()["version"]
    _ok(client.patch(url, json={"version": version, "name": "上海改名后化工有限公司",
                                "address": "上海市新址路9号"}, headers=party["supervisor"]))
    assert upload_file(client, party["supervisor"], _late_photo())[0] == case["late"]
    with app.app_context():
        maker = db.session.scalar(db.select(User).where(User.role == "supervisor"))
        maker.display_name = "改名后的上传人"
        db.session.commit()
    monkeypatch.setattr(documents, "authority_name", lambda _district: "上海市改组后的环境局")


def _members(data: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {name: archive.read(name) for name in archive.namelist()}


def test_an_archived_case_file_stays_the_same_whatever_changes_after_archiving(
        app, client, party, runner, exporting, archived, monkeypatch, tmp_path):
    _, first = _export(app, client, party, archived)
    _change_everything_the_file_draws_on(app, client, party, archived, monkeypatch)
    export, again = _export(app, client, party, archived)

    before, after = _members(first), _members(again)
    assert sorted(after) == sorted(before)  # no evidence appears after archiving
    changed = sorted(name for name in before if before[name] != after[name])
    assert changed == []
    assert again == first  # byte for byte
    manifest = json.loads(after["manifest.json"])
    assert manifest["missing_evidence"] == [archived["late"]]
    assert all("改名后" not in entry.get("maker", "") for entry in manifest["files"])
    digest = hashlib.sha256(again).hexdigest()
    assert (export["archived_copy"], export["archive_sha256"]) == (True, digest)
    case = _ok(client.get(f"/api/v1/cases/{archived['id']}", headers=party["legal"])).get_json()
    assert case["archive_sha256"] == digest
    result = _verify(runner, tmp_path, again)
    assert result.exit_code == 0 and "intact" in result.output, result.output


def _text(members: dict[str, bytes]) -> str:
    """The text of every PDF member of a case file."""
    return "".join(page.extract_text() for name, body in members.items()
                   if name.endswith(".pdf") for page in PdfReader(io.BytesIO(body)).pages)


def test_what_changes_between_the_archive_commit_and_the_build_of_its_copy_is_not_in_it(
        app, client, party, exporting, archived, monkeypatch):
    # The archive step committed and queued the build; before it runs (seconds, or up to a
    # minute after a crash) the register entry, a late photo, the maker's name and the
    # bureau's name change. The copy is the case as it stood when it was archived.
    _change_everything_the_file_draws_on(app, client, party, archived, monkeypatch)
    assert _run_jobs(app)["done"] == 1
    _, data = _export(app, client, party, archived)

    members = _members(data)
    manifest = json.loads(members["manifest.json"])
    assert manifest["missing_evidence"] == [archived["late"]]
    originals = [f for f in manifest["files"] if f["role"] == "evidence"]
    assert sorted(f["sha256"] for f in originals) == sorted(archived["photos"])
    assert all("改名后" not in f["maker"] for f in originals)
    text = _text(members)
    for changed in ("上海改名后化工有限公司", "上海市新址路9号", "改名后的上传人",
                    "上海市改组后的环境局"):
        assert changed not in text
    assert party["enterprise"]["name"] in text and "上海市浦东新区生态环境局" in text


def test_the_copy_built_from_the_data_fixed_at_archiving_reads_as_a_build_from_the_case(
        app, client, party, exporting, archived, tmp_path):
    from server.auth import service as auth
    from server.cases import casefile, casefile_build
    from server.cases.models import CaseExport
    from server.extensions import db

    assert _run_jobs(app)["done"] == 1
    _, copy = _export(app, client, party, archived)
    with app.app_context():  # nothing changed since archiving: a build from the data now
        row = db.session.query(CaseExport).filter_by(purpose="archive").one()
        actor = auth.active_actor(row.requested_by)
        casefile_build.build_zip(actor, uuid.UUID(archived["id"]), tmp_path / "now.zip",
                                 release=False)
    fixed, now = _members(copy), _members((tmp_path / "now.zip").read_bytes())
    assert sorted(fixed) == sorted(now)
    for name in fixed:
        if name.endswith(".pdf"):
            assert _text({name: fixed[name]}) == _text({name: now[name]}), name
        elif name not in casefile.UNLISTED[casefile.FORMAT]:  # the manifest and what it gives
            assert fixed[name] == now[name], name
    stated, built = (json.loads(m["manifest.json"]) for m in (fixed, now))
    assert stated["missing_evidence"] == built["missing_evidence"] == [archived["late"]]
    assert [{k: v for k, v in f.items() if k not in ("sha256", "size")} for f in stated["files"]] \
        == [{k: v for k, v in f.items() if k not in ("sha256", "size")} for f in built["files"]]


def _audits(app, case_id: str, action: str) -> list[dict]:
    from server.audit.models import AuditEntry
    from server.extensions import db

    with app.app_context():
        return [e.details for e in db.session.query(AuditEntry).filter_by(
            entity="case", entity_id=case_id, action=action).order_by(AuditEntry.seq)]


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
    assert _run_jobs(app)["done"] == 1
    built = _ok(client.get(f"/api/v1/exports/{queued_id}", headers=party["legal"])).get_json()
    assert (built["purpose"], built["archived_copy"]) == ("archive", True)
    digest = built["archive_sha256"]
    case = _ok(client.get(f"/api/v1/cases/{archived['id']}", headers=party["legal"])).get_json()
    assert case["archive_sha256"] == digest
    with app.app_context():  # kept content-addressed in the evidence store
        with settings.current_store().open(digest) as stored:
            assert hashlib.sha256(stored.read()).hexdigest() == digest
    [frozen] = _audits(app, archived["id"], "case.archive_copy")
    assert (frozen["sha256"], frozen["built"], frozen["data"]) == (
        digest, "at_archiving", "as_archived")
    _, data = _export(app, client, party, archived)
    assert hashlib.sha256(data).hexdigest() == digest
    assert _audits(app, archived["id"], "case.archive_copy") == [frozen]  # built once


def test_a_case_archived_before_copies_were_stored_gets_its_copy_at_its_first_export(
        app, client, party, exporting, archived, monkeypatch):
    from server.cases.models import CaseExport
    from server.extensions import db

    with app.app_context():  # archived by the old code: no build was queued
        db.session.query(CaseExport).filter_by(case_id=uuid.UUID(archived["id"])).delete()
        db.session.commit()
    export, first = _export(app, client, party, archived)
    assert (export["purpose"], export["archived_copy"]) == ("request", True)
    [frozen] = _audits(app, archived["id"], "case.archive_copy")
    assert frozen["built"] == "first_export" and "frozen from now on" in frozen["note"]
    assert frozen["data"] == "at_this_build"  # nothing was fixed when it was archived
    assert frozen["sha256"] == hashlib.sha256(first).hexdigest()
    _change_everything_the_file_draws_on(app, client, party, archived, monkeypatch)
    assert _export(app, client, party, archived)[1] == first


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
    ids = [_ok(client.post(f"/api/v1/cases/{archived['id']}/exports", headers=headers),
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
    done = [_ok(client.get(f"/api/v1/exports/{i}", headers=party["legal"])).get_json()
            for i in ids]
    files = {_ok(client.get(d["download_url"], headers=party["legal"])).data for d in done}
    [frozen] = _audits(app, archived["id"], "case.archive_copy")
    assert {hashlib.sha256(f).hexdigest() for f in files} == {frozen["sha256"]}
    assert {d["archive_sha256"] for d in done} == {frozen["sha256"]}


def _store_objects(app) -> set[str]:
    """The originals the (local-disk) evidence store holds."""
    root = Path(app.config["EVIDENCE_STORE"].removeprefix("file://"))
    return {path.name for path in root.rglob("*") if path.is_file()
            and not any(part.startswith(".") for part in path.relative_to(root).parts)}


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
    other = _ok(client.post(f"/api/v1/cases/{archived['id']}/exports",
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

    [frozen] = _audits(app, archived["id"], "case.archive_copy")
    assert frozen["export_id"] == other and lost and lost != [frozen["sha256"]]
    for export_id in (queued_id, other):
        done = _ok(client.get(f"/api/v1/exports/{export_id}", headers=party["legal"])).get_json()
        assert done["archive_sha256"] == frozen["sha256"]
        data = _ok(client.get(done["download_url"], headers=party["legal"])).data
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
    case = _ok(step(closed, "archived")).get_json()
    assert case["archive_sha256"] is None  # built after the commit, not under its lock
    deadline = time.monotonic() + 60
    while case["archive_sha256"] is None and time.monotonic() < deadline:
        time.sleep(0.2)
        case = _ok(client.get(f"/api/v1/cases/{case['id']}", headers=party["legal"])).get_json()
    assert case["archive_sha256"] is not None
    [frozen] = _audits(app, case["id"], "case.archive_copy")
    assert (frozen["sha256"], frozen["built"]) == (case["archive_sha256"], "at_archiving")


def test_a_backup_keeps_the_archived_copy_and_the_restored_instance_returns_it(
        app, client, runner, party, exporting, archived, database_url, tmp_path):
    from tests.api.cases.test_backup_restore import _empty_instance

    _run_jobs(app)  # the copy the archive step queued
    _, copy = _export(app, client, party, archived)
    backup = tmp_path / "backup"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    target = _empty_instance(app, database_url, tmp_path / "new")
    restored = target.test_cli_runner().invoke(args=["restore", str(backup)])
    assert restored.exit_code == 0, restored.output
    api = target.test_client()
    started = _ok(api.post(f"/api/v1/cases/{archived['id']}/exports", headers=party["legal"]),
                  202).get_json()
    _run_jobs(target)
    done = _ok(api.get(f"/api/v1/exports/{started['id']}", headers=party["legal"])).get_json()
    assert (done["status"], done["error"]) == ("done", None)
    assert _ok(api.get(done["download_url"], headers=party["legal"])).data == copy
    with target.app_context():
        from server.extensions import db

        db.session.remove()
        db.engine.dispose()


def test_the_nightly_check_finds_a_changed_or_missing_archived_case_file(
        app, client, party, archived):
    from sqlalchemy import select

    from server.audit.models import AuditEntry
    from server.cases import archive_check
    from server.evidence import settings
    from server.extensions import db
    from server.jobs import JOBS_BY_ID

    _run_jobs(app)  # the copy queued by the archive step
    frozen = _ok(client.get(f"/api/v1/cases/{archived['id']}",
                            headers=party["legal"])).get_json()["archive_sha256"]
    assert JOBS_BY_ID["cases.archive_integrity"].target == \
        "server.cases.archive_check.verify_archived_copies"
    with app.app_context():
        assert archive_check.verify_archived_copies().checked == 1
        path = settings.current_store()._path(frozen)
        path.chmod(0o644)
        path.write_bytes(b"X" + path.read_bytes()[1:])  # "PK…" no more
        changed = archive_check.verify_archived_copies()
        assert not changed.ok and [entry.split()[-1] for entry in changed.mismatched] == [frozen]
        assert changed.mismatched[0].startswith(archived["filing_number"])
        path.unlink()
        assert [m.split()[-1] for m in archive_check.verify_archived_copies().missing] == [frozen]
        entries = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "case.verify_archived_copies")).all()
        assert [len(e.details["mismatched"]) + len(e.details["missing"]) for e in entries] == [
            0, 1, 1]


def test_a_copy_the_archive_step_could_not_build_says_it_was_built_at_its_first_export(
        app, client, party, make_user, exporting, closed, step):
    """The legal officer who archived is disabled before the queued build ran: that build
    fails (1284780), the copy is made by the next export, and its audit entry must not claim
    it was built at archiving."""
    from server.auth import service as auth

    archiver, password = make_user("legal", "310115")
    token = client.post("/api/v1/auth/token", json={
        "username": archiver.username, "password": password, "device_id": "desk-9"}).get_json()
    _ok(step(closed, "archived",
             headers={"Authorization": f"Bearer {token['access_token']}"}))
    with app.app_context():
        auth.disable_user(archiver.username)
    assert _run_jobs(app)["failed"] == 1
    export, data = _export(app, client, party, closed)
    assert (export["purpose"], export["archived_copy"]) == ("request", True)
    [frozen] = _audits(app, closed["id"], "case.archive_copy")
    assert frozen["sha256"] == hashlib.sha256(data).hexdigest()
    assert frozen["built"] == "first_export" and "failed" in frozen["note"]
    assert frozen["data"] == "as_archived" and "as it stood when archived" in frozen["note"]


def test_the_nightly_check_finds_an_archived_copy_whose_signing_key_is_no_longer_known(
        app, client, party, archived, monkeypatch):
    from server.cases import archive_check
    from server.cases.casefile_keys import derive

    _run_jobs(app)  # the copy queued by the archive step, signed with today's key
    old_secret = app.config.get("CASEFILE_SIGNING_KEY") or app.config["SECRET_KEY"]
    monkeypatch.setitem(app.config, "CASEFILE_SIGNING_KEY", "rotated-" + "k" * 40)
    monkeypatch.setitem(app.config, "CASEFILE_RETIRED_KEYS", [])  # the old one dropped
    with app.app_context():
        dropped = archive_check.verify_archived_copies()
    assert not dropped.ok and not dropped.mismatched and not dropped.missing
    [entry] = dropped.unverified
    assert entry.startswith(archived["filing_number"])
    assert f"unknown signing key {derive(old_secret).key_id}" in entry  # casefile/v2, Ed25519
    monkeypatch.setitem(app.config, "CASEFILE_RETIRED_KEYS", [old_secret])  # kept to verify
    with app.app_context():
        assert archive_check.verify_archived_copies().ok
