"""An archived case's file is built once and never changes (LAW.md §6: nothing may be changed
after archiving): every later export returns the stored copy, whatever changed since."""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile

from pypdf import PdfReader

from tests.api.cases.archived_copies import (
    change_everything_the_file_draws_on,
    export_and_fetch,
    run_jobs,
)
from tests.api.cases.case_files import ok, verify_casefile


def _members(data: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {name: archive.read(name) for name in archive.namelist()}


def test_an_archived_case_file_stays_the_same_whatever_changes_after_archiving(
        app, client, party, runner, exporting, archived, monkeypatch, tmp_path):
    _, first = export_and_fetch(app, client, party, archived)
    change_everything_the_file_draws_on(app, client, party, archived, monkeypatch)
    export, again = export_and_fetch(app, client, party, archived)

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
    case = ok(client.get(f"/api/v1/cases/{archived['id']}", headers=party["legal"])).get_json()
    assert case["archive_sha256"] == digest
    result = verify_casefile(runner, tmp_path, again)
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
    change_everything_the_file_draws_on(app, client, party, archived, monkeypatch)
    assert run_jobs(app)["done"] == 1
    _, data = export_and_fetch(app, client, party, archived)

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

    assert run_jobs(app)["done"] == 1
    _, copy = export_and_fetch(app, client, party, archived)
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


def test_a_backup_keeps_the_archived_copy_and_the_restored_instance_returns_it(
        app, client, runner, party, exporting, archived, database_url, tmp_path):
    from tests.api.cases.test_backup_restore import _empty_instance

    run_jobs(app)  # the copy the archive step queued
    _, copy = export_and_fetch(app, client, party, archived)
    backup = tmp_path / "backup"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    target = _empty_instance(app, database_url, tmp_path / "new")
    restored = target.test_cli_runner().invoke(args=["restore", str(backup)])
    assert restored.exit_code == 0, restored.output
    api = target.test_client()
    started = ok(api.post(f"/api/v1/cases/{archived['id']}/exports", headers=party["legal"]),
                 202).get_json()
    run_jobs(target)
    done = ok(api.get(f"/api/v1/exports/{started['id']}", headers=party["legal"])).get_json()
    assert (done["status"], done["error"]) == ("done", None)
    assert ok(api.get(done["download_url"], headers=party["legal"])).data == copy
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

    run_jobs(app)  # the copy queued by the archive step
    frozen = ok(client.get(f"/api/v1/cases/{archived['id']}",
                           headers=party["legal"])).get_json()["archive_sha256"]
    assert JOBS_BY_ID["cases.archive_integrity"].target == \
        "server.cases.archive_check.verify_archived_copies"
    with app.app_context():
        assert archive_check.verify_archived_copies().checked == 1
        path = settings.current_store()._copy_path(frozen)
        path.chmod(0o644)
        path.write_bytes(b"X" + path.read_bytes()[1:])  # "PK…" no more
        changed = archive_check.verify_archived_copies()
        assert not changed.ok and [entry.split()[-1] for entry in changed.mismatched] == [frozen]
        assert changed.mismatched[0].startswith(archived["filing_number"])
        path.unlink()
        assert [m.split()[-1] for m in archive_check.verify_archived_copies().missing] == [frozen]
        entries = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "case.verify_archived_copies").order_by(AuditEntry.seq)).all()
        assert [len(e.details["mismatched"]) + len(e.details["missing"]) for e in entries] == [
            0, 1, 1]


def test_the_nightly_check_finds_an_archived_copy_whose_signing_key_is_no_longer_known(
        app, client, party, archived, monkeypatch):
    from server.cases import archive_check
    from server.cases.casefile_keys import derive

    run_jobs(app)  # the copy queued by the archive step, signed with today's key
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
