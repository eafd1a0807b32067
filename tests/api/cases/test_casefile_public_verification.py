"""A case file anyone can verify without the bureau's secret (casefile/v2): the public keys are
published without an account, and OpenSSL and sha256sum alone check an exported ZIP."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import jsonschema
import pytest

from tests.api.cases.case_files import flip_byte, ok, rewrite_zip
from tests.api.cases.test_casefile_key_rotation import _export, _key_id, _rotate

OPENSSL = shutil.which("openssl")
pytestmark = pytest.mark.skipif(OPENSSL is None, reason="needs Debian's openssl binary")


def _keys(client) -> dict:
    response = client.get("/api/v1/casefile/keys")  # no Authorization header
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _json_schema(node):
    """An OpenAPI 3.0 schema as JSON Schema: `nullable: true` becomes a type that allows null."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {k: _json_schema(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") and "type" in node:
        converted["type"] = [node["type"], "null"]
    return converted


def _validate_against_spec(body: dict, spec: dict) -> None:
    """The keys endpoint's answer checked against its 200 schema in the description."""
    schema = spec["paths"]["/api/v1/casefile/keys"]["get"]["responses"]["200"]["content"][
        "application/json"]["schema"]
    jsonschema.validate(body, _json_schema(schema | {"components": spec["components"]}))


def _run(*args: str, cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, input=stdin, capture_output=True, timeout=60)


def _unpack(data: bytes, folder: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(folder)
    return folder


def _openssl_verify(folder: Path, pem: Path, signed: str, signature: str):
    return _run(OPENSSL, "pkeyutl", "-verify", "-pubin", "-inkey", str(pem), "-rawin",
                "-in", signed, "-sigfile", signature, cwd=folder)


def test_the_public_keys_are_published_to_anyone_with_no_secret_in_them(app, client):
    from server.cases.casefile_keys import derive, retired_secrets, signing_secret

    old = signing_secret(app.config)
    new = _rotate(app, retire=True)
    body = _keys(client)
    assert body["format"] == "casefile/v2"
    assert [(k["key_id"], k["status"], k["algorithm"]) for k in body["keys"]] == [
        (derive(new).key_id, "current", "Ed25519"), (derive(old).key_id, "retired", "Ed25519")]
    text = json.dumps(body)
    for secret in (app.config["SECRET_KEY"], new, *retired_secrets(app.config)):
        assert secret not in text
    for key in (derive(new), derive(old)):
        assert key.seed.hex() not in text and "PRIVATE" not in text
    bearer = {"Authorization": "Bearer no-such-token"}  # a bad token does not matter either
    assert client.get("/api/v1/casefile/keys", headers=bearer).get_json() == body


def test_the_keys_endpoint_is_public_in_the_openapi_description_and_answers_its_schema(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/casefile/keys"]["get"]
    assert "security" not in operation and "401" not in operation["responses"]
    _validate_against_spec(_keys(client), spec)
    key = spec["components"]["schemas"]["CasefileKey"]
    assert set(key["required"]) == {"key_id", "algorithm", "public_key_pem", "status",
                                    "signing_since", "retired_at"}
    assert key["properties"]["status"]["enum"] == ["current", "retired"]


def _court(client, data: bytes, tmp_path: Path, name: str) -> tuple[Path, Path, str]:
    """What a court holds: the published key as casefile-key.pem and the unpacked ZIP."""
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("manifest.json"))
    key_id = manifest["signature"]["key_id"]
    [published] = [k for k in _keys(client)["keys"] if k["key_id"] == key_id]
    pem = tmp_path / "casefile-key.pem"
    pem.write_text(published["public_key_pem"])
    return _unpack(data, tmp_path / name), pem, key_id


def test_a_court_verifies_an_exported_case_file_with_openssl_and_sha256sum_alone(
        app, client, party, filed, tmp_path):
    data = _export(app, client, party, filed)
    folder, pem, key_id = _court(client, data, tmp_path, "intact")
    fingerprint = _run(OPENSSL, "pkey", "-pubin", "-in", str(pem), "-outform", "DER",
                       cwd=folder)
    assert fingerprint.returncode == 0, fingerprint.stderr
    digest = _run("sha256sum", cwd=folder, stdin=fingerprint.stdout).stdout.decode()
    assert digest[:32] == key_id  # the key id is the public key's fingerprint

    for signed, signature in (("manifest.canonical.json", "manifest.canonical.json.sig"),
                              ("SHA256SUMS", "SHA256SUMS.sig")):
        checked = _openssl_verify(folder, pem, signed, signature)
        assert checked.returncode == 0, checked.stderr
        assert b"Signature Verified Successfully" in checked.stdout
    sums = _run("sha256sum", "-c", "SHA256SUMS", cwd=folder)
    assert sums.returncode == 0, sums.stdout
    lines = sums.stdout.decode().splitlines()
    manifest = json.loads((folder / "manifest.canonical.json").read_bytes())
    assert lines == [f"{entry['name']}: OK" for entry in manifest["files"]]
    assert "VERIFY_校验说明.txt: OK" in lines and any("_证据/" in line for line in lines)
    guide = (folder / "VERIFY_校验说明.txt").read_text("utf-8")
    assert key_id in guide and "openssl pkeyutl -verify" in guide


def test_openssl_and_sha256sum_refuse_a_tampered_case_file(app, client, party, filed,
                                                           tmp_path):
    data = _export(app, client, party, filed)
    photo = next(n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if "_证据/" in n)
    folder, pem, _ = _court(client, rewrite_zip(data, lambda n, b: flip_byte(b) if n == photo
                                                else b), tmp_path, "photo")
    assert _openssl_verify(folder, pem, "SHA256SUMS", "SHA256SUMS.sig").returncode == 0
    sums = _run("sha256sum", "-c", "SHA256SUMS", cwd=folder)
    assert sums.returncode != 0 and f"{photo}: FAILED".encode() in sums.stdout

    def shrink(name: str, body: bytes) -> bytes:  # an edited manifest, its listing to match
        if name not in ("manifest.canonical.json", "manifest.json"):
            return body
        manifest = json.loads(body)
        manifest["files"][0]["size"] -= 1
        return json.dumps(manifest, ensure_ascii=False, separators=(",", ":")).encode()

    folder, pem, _ = _court(client, rewrite_zip(data, shrink), tmp_path, "manifest")
    refused = _openssl_verify(folder, pem, "manifest.canonical.json",
                              "manifest.canonical.json.sig")
    assert refused.returncode != 0 and b"Signature Verified Successfully" not in refused.stdout


def test_the_cli_verifies_a_case_file_with_a_public_key_file_and_no_secret(
        app, client, party, runner, filed, tmp_path):
    data = _export(app, client, party, filed)
    _, pem, key_id = _court(client, data, tmp_path, "unpacked")
    path = tmp_path / "casefile.zip"
    path.write_bytes(data)
    app.config.update(SECRET_KEY="unrelated-" + "u" * 40, CASEFILE_SIGNING_KEY=None,
                      CASEFILE_RETIRED_KEYS=[])  # the server's own keys cannot verify it now
    assert runner.invoke(args=["casefile", "verify", str(path)]).exit_code == 1
    result = runner.invoke(args=["casefile", "verify", str(path), "--public-key", str(pem)])
    assert result.exit_code == 0, result.output
    assert "intact (casefile/v2)" in result.output and f"key {key_id}" in result.output

    tampered = tmp_path / "tampered.zip"
    photo = next(n for n in zipfile.ZipFile(path).namelist() if "_证据/" in n)
    tampered.write_bytes(rewrite_zip(data, lambda n, b: flip_byte(b) if n == photo else b))
    result = runner.invoke(args=["casefile", "verify", str(tampered), "--public-key", str(pem)])
    assert result.exit_code == 1 and f"altered member: {photo}" in result.output

    other = tmp_path / "other.pem"
    from server.cases.casefile_keys import current

    other.write_text(current(app.config).public_pem())
    result = runner.invoke(args=["casefile", "verify", str(path), "--public-key", str(other)])
    assert result.exit_code == 1 and f"the manifest names key {key_id}" in result.output
    not_a_key = tmp_path / "not.pem"
    not_a_key.write_text("hello")
    result = runner.invoke(args=["casefile", "verify", str(path), "--public-key",
                                 str(not_a_key)])
    assert result.exit_code == 2 and "--public-key" in result.output


def test_the_keys_command_prints_what_the_endpoint_publishes(app, client, runner):
    from server.cases.casefile_keys import derive, derive_v1

    old = app.config["SECRET_KEY"]
    new = _rotate(app, retire=True)
    result = runner.invoke(args=["casefile", "keys"])
    assert result.exit_code == 0, result.output
    published = _keys(client)["keys"]
    lines = result.output.splitlines(keepends=True)
    shown, at = [], 0
    for key in published:  # its line, then its PEM as published
        pem = key["public_key_pem"].splitlines(keepends=True)
        shown.append((lines[at].split()[:3], "".join(lines[at + 1:at + 1 + len(pem)])))
        at += 1 + len(pem)
    assert shown == [([k["status"], k["key_id"], k["algorithm"]], k["public_key_pem"])
                     for k in published]
    assert "".join(lines[at:]).splitlines() == [
        f"v1 {derive_v1(new).key_id} HMAC-SHA256 of the current secret (verifies casefile/v1 "
        "files only, with the secret; never published)",
        f"v1 {derive_v1(old).key_id} HMAC-SHA256 of a retired secret (verifies casefile/v1 "
        "files only, with the secret; never published)"]
    assert old not in result.output and new not in result.output
    assert derive(new).seed.hex() not in result.output


def test_new_case_files_name_their_key_in_the_catalogue(app, client, party, filed):
    from pypdf import PdfReader

    data = _export(app, client, party, filed)
    archive = zipfile.ZipFile(io.BytesIO(data))
    text = PdfReader(io.BytesIO(archive.read("00_卷内目录.pdf"))).pages[0].extract_text()
    assert _key_id(data) in text.replace("\n", "")
    assert ok(client.get("/api/v1/casefile/keys")).get_json()["keys"][0]["key_id"] == \
        _key_id(data)


def test_a_retired_key_is_published_with_since_when_it_signed_and_was_retired(
        app, client, runner):
    from server.cases.casefile_keys import derive, parse_key_dates, signing_secret

    old = derive(signing_secret(app.config)).key_id
    new = derive(_rotate(app, retire=True)).key_id
    app.config["CASEFILE_KEY_DATES"] = parse_key_dates(
        f"{old}=2024-03-01/2026-11-28T10:00:00+08:00,{new}=2026-11-28T10:00:00+08:00/")
    keys = _keys(client)["keys"]
    assert [(k["key_id"], k["status"], k["signing_since"], k["retired_at"]) for k in keys] == [
        (new, "current", "2026-11-28T02:00:00+00:00", None),
        (old, "retired", "2024-03-01", "2026-11-28T02:00:00+00:00")]
    spec = client.get("/api/v1/openapi.json").get_json()
    _validate_against_spec({"format": "casefile/v2", "keys": keys}, spec)
    described = spec["components"]["schemas"]["CasefileKey"]["properties"]
    assert "CASEFILE_KEY_DATES" in described["retired_at"]["description"]
    result = runner.invoke(args=["casefile", "keys"])
    assert f"retired {old} Ed25519 signing since 2024-03-01, retired " \
           "2026-11-28T02:00:00+00:00" in result.output
    assert f"current {new} Ed25519 signing since 2026-11-28T02:00:00+00:00" in result.output
    app.config["CASEFILE_KEY_DATES"] = {}  # not recorded: said so, not guessed
    assert [(k["signing_since"], k["retired_at"]) for k in _keys(client)["keys"]] == [
        (None, None), (None, None)]
    assert "retired since an unrecorded date" in runner.invoke(
        args=["casefile", "keys"]).output
