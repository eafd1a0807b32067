"""Rotating the case-file signing key: archived copies are never re-signed, so the server
verifies with every key it knows by the key id in the manifest, and names the key."""

from __future__ import annotations

import io
import json
import secrets
import zipfile

import pytest

from tests.api.cases.conftest import upload_photo
from tests.api.cases.test_case_exports import _now, _ok, _verify

STEPS = (("investigating", {}), ("notified", {}),
         ("decided", {"fine_fen": 3_000_000, "rights_waived": True}),
         ("served", {"method": "direct"}), ("paid", {"amount_fen": 3_000_000}),
         ("closed", {}), ("archived", {}))


@pytest.fixture
def filed(app, client, party, violation, file_case, frozen, tmp_path):
    """A filed case with one photo; exports land in tmp_path, built when a test runs the job."""
    app.config.update(CASE_EXPORT_DIR=str(tmp_path / "exports"), CASE_EXPORT_THREAD=False)
    digest, _ = upload_photo(client, party["supervisor"])
    frozen.on("2021-06-03")
    return _ok(file_case(violation(evidence=[digest])["id"]), 201).get_json()


def _export(app, client, party, case) -> bytes:
    """Request an export, run the job, download the ZIP."""
    from server.cases import exports

    started = _ok(client.post(f"/api/v1/cases/{case['id']}/exports", headers=party["legal"]),
                  202).get_json()
    with app.app_context():
        exports.run_pending_exports(_now())
    done = _ok(client.get(f"/api/v1/exports/{started['id']}", headers=party["legal"])).get_json()
    assert done["status"] == "done", done
    return _ok(client.get(done["download_url"], headers=party["legal"])).data


def _key_id(data: bytes) -> str:
    return json.loads(zipfile.ZipFile(io.BytesIO(data)).read("manifest.json"))["signature"][
        "key_id"]


@pytest.fixture
def archived_copy(app, client, party, filed, step) -> tuple[bytes, dict]:
    """The stored copy of the case, archived and signed with the key of its day."""
    case = filed
    for to, params in STEPS:
        case = _ok(step(case, to, **params)).get_json()
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
    result = _verify(runner, tmp_path, again)
    assert result.exit_code == 0, result.output
    assert "intact" in result.output
    assert f"retired key {old}" in result.output


def test_after_a_rotation_new_case_files_are_signed_with_the_new_key(
        app, client, party, runner, filed, tmp_path):
    before = _key_id(_export(app, client, party, filed))
    _rotate(app, retire=True)
    data = _export(app, client, party, filed)
    assert _key_id(data) != before
    result = _verify(runner, tmp_path, data)
    assert result.exit_code == 0, result.output
    assert f"current key {_key_id(data)}" in result.output


def test_a_copy_signed_with_a_key_this_server_does_not_know_fails_naming_its_key_id(
        app, client, party, runner, archived_copy, tmp_path):
    data, _ = archived_copy
    _rotate(app, retire=False)
    result = _verify(runner, tmp_path, data)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert f"unknown signing key {_key_id(data)}" in result.output
    assert "CASEFILE_RETIRED_KEYS" in result.output
    assert "bad signature" not in result.output  # it is not the file that is wrong


def test_the_keys_command_lists_the_current_and_retired_key_ids_and_no_secret(app, runner):
    from server.cases.casefile_keys import derive

    old = app.config["SECRET_KEY"]
    new = _rotate(app, retire=True)
    result = runner.invoke(args=["casefile", "keys"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [f"current {derive(new).key_id}",
                                          f"retired {derive(old).key_id}"]
    assert old not in result.output and new not in result.output
