"""flask backup / restore: a backup restores into an empty instance where the audit chain and
case files verify; a damaged backup or a non-empty target is refused before anything changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.api.cases.conftest import upload_photo


def _ok(result):
    assert result.exit_code == 0, result.output
    return result


def _run_exports(app) -> None:
    from server import clock
    from server.cases import exports

    with app.app_context():
        assert exports.run_pending_exports(clock.utcnow())["done"] == 1


@pytest.fixture
def exported(app, client, party, violation, file_case, frozen, tmp_path):
    """A case with two photos, its case file exported; returns the export's file."""
    app.config.update(CASE_EXPORT_DIR=str(tmp_path / "exports"), CASE_EXPORT_THREAD=False)
    photos = dict(upload_photo(client, party["supervisor"], shade) for shade in (0, 90))
    frozen.on("2021-06-03")
    case = file_case(violation(evidence=list(photos))["id"]).get_json()
    response = client.post(f"/api/v1/cases/{case['id']}/exports", headers=party["legal"])
    assert response.status_code == 202, response.get_json()
    _run_exports(app)
    return {"case": case, "photos": photos,
            "file": next((tmp_path / "exports").glob("*.zip"))}


def _empty_instance(app, database_url: str, root: Path, seal_key: str | None = None):
    """A new instance: its own (migrated, empty) database and evidence store, same secret."""
    from flask_migrate import upgrade

    from server import create_app
    from server.config import normalise_database_url
    from server.extensions import db

    root.mkdir(parents=True, exist_ok=True)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if database_url.startswith("postgres"):  # only our test database: empty it in place
        url = normalise_database_url(database_url)
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    else:
        url = f"sqlite:///{root / 'restored.db'}"
    target = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url,
                         "SECRET_KEY": app.config["SECRET_KEY"],
                         "AUDIT_SEAL_KEY": seal_key or app.config["AUDIT_SEAL_KEY"],
                         "PASSWORD_HASH": app.config["PASSWORD_HASH"],
                         "EVIDENCE_STORE": f"file://{root / 'restored-evidence'}",
                         "CASE_EXPORT_DIR": str(root / "restored-exports"),
                         "CASE_EXPORT_THREAD": False})
    with target.app_context():
        upgrade(revision="heads")
    return target


def test_a_backup_restores_into_an_empty_instance_where_audit_and_case_files_verify(
        app, client, runner, party, exported, database_url, tmp_path):
    backup = tmp_path / "backup"
    _ok(runner.invoke(args=["backup", str(backup)]))
    manifest = json.loads((backup / "manifest.json").read_text())
    roles = [f["role"] for f in manifest["files"]]
    assert roles.count("evidence") == 2 and roles.count("export") == 1
    assert roles[0] == "database"
    refused = runner.invoke(args=["backup", str(backup)])
    assert refused.exit_code == 1 and "not an empty folder" in refused.output

    target = _empty_instance(app, database_url, tmp_path / "new")
    restore = target.test_cli_runner()
    restored = _ok(restore.invoke(args=["restore", str(backup)])).output
    assert f"restored {len(roles)} files" in restored
    assert "audit chain intact" in _ok(restore.invoke(args=["audit", "verify"])).output
    restored_file = tmp_path / "new" / "restored-exports" / exported["file"].name
    _ok(restore.invoke(args=["casefile", "verify", str(restored_file)]))

    # the restored instance works: same tokens, same originals, and a new case file verifies
    api = target.test_client()
    for digest, original in exported["photos"].items():
        got = api.get(f"/api/v1/evidence/{digest}/original", headers=party["legal"])
        assert got.status_code == 200 and got.data == original
    again = api.post(f"/api/v1/cases/{exported['case']['id']}/exports", headers=party["legal"])
    assert again.status_code == 202, again.get_json()
    _run_exports(target)
    fresh = [p for p in (tmp_path / "new" / "restored-exports").glob("*.zip")
             if p.name != exported["file"].name]
    assert len(fresh) == 1
    _ok(restore.invoke(args=["casefile", "verify", str(fresh[0])]))

    twice = restore.invoke(args=["restore", str(backup)])
    assert twice.exit_code == 1 and "not empty" in twice.output
    _ok(restore.invoke(args=["restore", "--force", str(backup)]))
    _ok(restore.invoke(args=["audit", "verify"]))
    with target.app_context():
        from server.extensions import db

        db.session.remove()
        db.engine.dispose()


def test_a_damaged_backup_is_refused_before_anything_changes(app, runner, exported, tmp_path):
    from server.backup import target_is_empty, verify_backup

    backup = tmp_path / "backup"
    _ok(runner.invoke(args=["backup", str(backup)]))
    manifest = json.loads((backup / "manifest.json").read_text())
    photo = backup / next(f["name"] for f in manifest["files"] if f["role"] == "evidence")
    photo.chmod(0o644)
    photo.write_bytes(photo.read_bytes()[:-1] + b"\x00")
    (backup / "stray.txt").write_text("?")
    manifest["files"].append({"name": "../../outside", "sha256": "0" * 64, "size": 1,
                              "role": "export"})
    (backup / "manifest.json").write_text(json.dumps(manifest))
    _, problems = verify_backup(backup)
    assert problems == [f"altered file: {photo.relative_to(backup).as_posix()}",
                        "unsafe file name (outside the backup): '../../outside'",
                        "unlisted file: stray.txt"]
    result = runner.invoke(args=["restore", "--force", str(backup)])
    assert result.exit_code == 1 and "altered file" in result.output
    with app.app_context():
        assert not target_is_empty()  # nothing was replaced


def test_a_file_listed_with_a_name_its_role_cannot_have_is_refused_before_anything_changes(
        app, runner, exported, tmp_path):
    from server.backup import file_digest, target_is_empty, verify_backup

    backup = tmp_path / "backup"
    _ok(runner.invoke(args=["backup", str(backup)]))
    manifest = json.loads((backup / "manifest.json").read_text())
    odd = {"derived/not-a-digest.thumbnail.jpg": "derived",
           f"derived/{'a' * 64}.poster.jpg": "derived", "derived/a.b.c.d.jpg": "derived",
           "exports/run.sh": "script"}
    for name, role in odd.items():
        path = backup / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"\xff\xd8 listed with its true hash")
        digest, size = file_digest(path)
        manifest["files"].append({"name": name, "sha256": digest, "size": size, "role": role})
    (backup / "manifest.json").write_text(json.dumps(manifest))
    _, problems = verify_backup(backup)
    assert problems == [f"{role} file not named as its role's files are: {name}"
                        for name, role in odd.items()]
    result = runner.invoke(args=["restore", "--force", str(backup)])
    assert result.exit_code == 1 and "not named as" in result.output
    with app.app_context():
        assert not target_is_empty()  # nothing was replaced


def test_a_restore_under_another_audit_key_is_refused_and_leaves_the_chain_verifiable(
        app, runner, exported, database_url, tmp_path):
    # The review of this session: the restore sealed its own entry under the new host's key,
    # so the chain failed verification for good, whatever key was set afterwards.
    from server import create_app

    backup = tmp_path / "backup"
    _ok(runner.invoke(args=["backup", str(backup)]))
    target = _empty_instance(app, database_url, tmp_path / "new", seal_key="x" * 48)
    refused = target.test_cli_runner().invoke(args=["restore", str(backup)])
    assert refused.exit_code == 1 and "AUDIT_SEAL_KEY" in refused.output, refused.output
    keys = ("TESTING", "SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "PASSWORD_HASH",
            "EVIDENCE_STORE", "CASE_EXPORT_DIR", "CASE_EXPORT_THREAD")
    right = create_app({k: target.config[k] for k in keys}
                       | {"AUDIT_SEAL_KEY": app.config["AUDIT_SEAL_KEY"]})
    assert "audit chain intact" in _ok(right.test_cli_runner().invoke(
        args=["audit", "verify"])).output
    rotated = create_app({k: target.config[k] for k in keys}  # the backup's key retired
                         | {"AUDIT_SEAL_KEY": "y" * 48,
                            "AUDIT_SEAL_RETIRED_KEYS": [app.config["AUDIT_SEAL_KEY"]]})
    _ok(rotated.test_cli_runner().invoke(args=["restore", "--force", str(backup)]))
    with rotated.app_context():
        from server.audit import service as audit

        assert audit.verify().ok
        assert [e.action for e in audit.entries_of("audit", ["chain"], ["audit.key_rotated"])]
    for instance in (target, right, rotated):
        with instance.app_context():
            from server.extensions import db

            db.session.remove()
            db.engine.dispose()
