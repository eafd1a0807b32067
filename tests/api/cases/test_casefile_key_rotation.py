"""Rotating the case-file signing key: archived copies are never re-signed, so the server
verifies with every key it knows by the key id in the manifest, and names the key."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import secrets
import uuid
import zipfile

import pytest

from tests.api.cases.case_files import now, ok, verify_casefile

STEPS = (("investigating", {}), ("notified", {}),
         ("decided", {"fine_fen": 3_000_000, "rights_waived": True}),
         ("served", {"method": "direct"}), ("paid", {"amount_fen": 3_000_000}),
         ("closed", {}), ("archived", {}))


def _export(app, client, party, case) -> bytes:
    """Request an export, run the job, download the ZIP."""
    from server.cases import exports

    started = ok(client.post(f"/api/v1/cases/{case['id']}/exports", headers=party["legal"]),
                 202).get_json()
    with app.app_context():
        exports.run_pending_exports(now())
    done = ok(client.get(f"/api/v1/exports/{started['id']}", headers=party["legal"])).get_json()
    assert done["status"] == "done", done
    return ok(client.get(done["download_url"], headers=party["legal"])).data


def _key_id(data: bytes) -> str:
    return json.loads(zipfile.ZipFile(io.BytesIO(data)).read("manifest.json"))["signature"][
        "key_id"]


@pytest.fixture
def archived_copy(app, client, party, filed, step) -> tuple[bytes, dict]:
    """The stored copy of the case, archived and signed with the key of its day."""
    case = filed
    for to, params in STEPS:
        case = ok(step(case, to, **params)).get_json()
    return _export(app, client, party, case), case


def _rotate(app, *, retire: bool) -> str:
    """A new signing key; the old secret (SECRET_KEY, as no CASEFILE_SIGNING_KEY was set) is
    kept for verification when `retire`. Returns the new secret."""
    new = secrets.token_urlsafe(48)
    app.config.update(CASEFILE_SIGNING_KEY=new,
                      CASEFILE_RETIRED_KEYS=[app.config["SECRET_KEY"]] if retire else [])
    return new


def test_an_archived_copy_signed_before_a_key_rotation_verifies_and_names_its_retired_key(
        app, client, party, runner, archived_copy, tmp_path):
    data, case = archived_copy
    old = _key_id(data)
    _rotate(app, retire=True)

    again = _export(app, client, party, case)
    assert again == data  # the stored copy, never re-signed
    result = verify_casefile(runner, tmp_path, again)
    assert result.exit_code == 0, result.output
    assert "intact" in result.output
    assert f"retired key {old}" in result.output


def test_after_a_rotation_new_case_files_are_signed_with_the_new_key(
        app, client, party, runner, filed, tmp_path):
    before = _key_id(_export(app, client, party, filed))
    _rotate(app, retire=True)
    data = _export(app, client, party, filed)
    assert _key_id(data) != before
    result = verify_casefile(runner, tmp_path, data)
    assert result.exit_code == 0, result.output
    assert f"current key {_key_id(data)}" in result.output


def test_a_copy_signed_with_a_key_this_server_does_not_know_fails_naming_its_key_id(
        app, client, party, runner, archived_copy, tmp_path):
    data, _ = archived_copy
    _rotate(app, retire=False)
    result = verify_casefile(runner, tmp_path, data)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert f"unknown signing key {_key_id(data)}" in result.output
    assert "CASEFILE_RETIRED_KEYS" in result.output
    assert "bad signature" not in result.output  # it is not the file that is wrong


def test_the_keys_command_lists_the_current_and_retired_key_ids_and_no_secret(app, runner):
    from server.cases.casefile_keys import derive, derive_v1

    old = app.config["SECRET_KEY"]
    new = _rotate(app, retire=True)
    result = runner.invoke(args=["casefile", "keys"])
    assert result.exit_code == 0, result.output
    listed = [line.split()[:3] for line in result.output.splitlines()
              if not line.startswith(("-----", "MC"))]
    assert listed == [["current", derive(new).key_id, "Ed25519"],
                      ["retired", derive(old).key_id, "Ed25519"],
                      ["v1", derive_v1(new).key_id, "HMAC-SHA256"],
                      ["v1", derive_v1(old).key_id, "HMAC-SHA256"]]
    assert old not in result.output and new not in result.output


def _as_v1(data: bytes, secret: str) -> tuple[bytes, str]:
    """The same case file as servers before casefile/v2 wrote it: the documents and the
    originals, and a manifest signed with HMAC-SHA256 under the key `secret` gave; and that
    key's id."""
    source = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(source.read("manifest.json"))
    files = [f for f in manifest["files"] if f["role"] != "verification_guide"]
    body = {k: v for k, v in manifest.items() if k != "signature"} | {
        "format": "casefile/v1", "files": files}
    key = hmac.new(secret.encode(), b"casefile-manifest-v1", hashlib.sha256).digest()
    signed = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    key_id = hashlib.sha256(key).hexdigest()[:16]
    body["signature"] = {"algorithm": "HMAC-SHA256", "key_id": key_id,
                         "value": hmac.new(key, signed.encode(), hashlib.sha256).hexdigest()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for entry in files:
            target.writestr(entry["name"], source.read(entry["name"]))
        target.writestr("manifest.json", json.dumps(body, ensure_ascii=False, indent=1))
    return out.getvalue(), key_id


def test_an_archived_copy_signed_with_hmac_before_casefile_v2_still_verifies_unchanged(
        app, client, party, runner, archived_copy, tmp_path):
    from sqlalchemy import update

    from server.cases import archive_check
    from server.cases.models import Case
    from server.evidence.settings import current_store
    from server.extensions import db

    data, case = archived_copy
    v1, key_id = _as_v1(data, app.config["SECRET_KEY"])
    with app.app_context():  # the copy an earlier version stored when the case was archived
        stored = current_store().put(io.BytesIO(v1))
        db.session.execute(update(Case).where(Case.id == uuid.UUID(case["id"]))
                           .values(archive_sha256=stored))
        db.session.commit()
        assert archive_check.verify_archived_copies().ok

    assert _export(app, client, party, case) == v1  # never re-signed
    result = verify_casefile(runner, tmp_path, v1)
    assert result.exit_code == 0, result.output
    assert "intact (casefile/v1)" in result.output
    assert f"casefile/v1 HMAC key {key_id} of the current secret" in result.output

    _rotate(app, retire=True)
    result = verify_casefile(runner, tmp_path, v1)
    assert result.exit_code == 0, result.output
    assert f"casefile/v1 HMAC key {key_id} of a retired secret" in result.output
    with app.app_context():
        assert archive_check.verify_archived_copies().ok
    _rotate(app, retire=False)  # the secret dropped: the copy no longer verifies
    with app.app_context():
        [entry] = archive_check.verify_archived_copies().unverified
    assert f"unknown signing key {key_id}" in entry
