"""The officers the command-line tablet can name: its district's active inspectors as pulled,
with their certificates; an officer whose certificate has expired is refused offline, both
on a new record and on a signature, and nothing is queued."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from functools import partial

import pytest
from click.testing import Result

from offline_sync import Tablet, cli
from offline_sync.http import RetryPolicy

from .conftest import make_photo, signed_in_cli

QUICK = RetryPolicy(retries=2, backoff_base=0.01, backoff_cap=0.05, connect_timeout=2,
                    read_timeout=10)
HUANGPU, PUDONG = "310101", "310115"


@pytest.fixture
def office(live, make_user, client, login, enterprise_body, tmp_path, monkeypatch):
    """A Huangpu inspector's command-line tablet, signed in; a colleague on no task or record,
    one whose certificate expired ten days ago, and a Pudong inspector; a record the tablet's
    user opened with the lapsed colleague twenty days ago (while the certificate was valid)."""
    monkeypatch.setattr(cli, "Tablet", partial(Tablet, policy=QUICK))
    me, password = make_user("inspector", HUANGPU, display_name="张敏")
    colleague, _ = make_user("inspector", HUANGPU, display_name="王五")
    expired_on = date.today() - timedelta(days=10)
    lapsed, _ = make_user("inspector", HUANGPU, display_name="钱七",
                          certificate_expires=expired_on)
    elsewhere, _ = make_user("inspector", PUDONG, display_name="浦东甲")
    enterprise = client.post("/api/v1/enterprises", headers=login("supervisor", HUANGPU),
                             json=enterprise_body(HUANGPU, 3)).get_json()
    token = client.post("/api/v1/auth/token", json={
        "username": me.username, "password": password, "device_id": "rest"}).get_json()
    record = client.post("/api/v1/inspections", headers={
        "Authorization": f"Bearer {token['access_token']}"}, json={
        "id": str(uuid.uuid4()), "enterprise_id": enterprise["id"],
        "inspector_ids": [str(me.id), str(lapsed.id)],
        "started_at": (datetime.now(UTC) - timedelta(days=20)).isoformat()})
    assert record.status_code == 201, record.get_json()
    run = signed_in_cli(tmp_path / "cli", live.url, me, password, "office-tablet")
    return {"run": run, "me": me, "colleague": colleague, "lapsed": lapsed,
            "elsewhere": elsewhere, "expired_on": expired_on, "enterprise": enterprise,
            "record": record.get_json(), "tmp": tmp_path}


def _ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def _queued(office) -> int:
    return json.loads(_ok(office["run"]("status", "--json")))["outbox"]


def test_officers_lists_the_district_s_inspectors_with_their_certificates_after_a_pull(office):
    run = office["run"]
    _ok(run("pull"))
    listed = {p["id"]: p for p in json.loads(_ok(run("officers", "--json")))}
    colleague, lapsed = office["colleague"], office["lapsed"]
    assert str(office["elsewhere"].id) not in listed
    assert listed[str(colleague.id)]["known_from"] == ["district"]
    assert listed[str(colleague.id)]["certificate_no"] == colleague.certificate_no
    assert listed[str(colleague.id)]["certificate_expires"] == \
        colleague.certificate_expires.isoformat()
    assert listed[str(office["me"].id)]["known_from"][0] == "you"
    text = _ok(run("officers"))
    assert text.splitlines()[0].startswith(str(office["me"].id))
    line = next(row for row in text.splitlines() if str(lapsed.id) in row)
    assert "EXPIRED" in line and office["expired_on"].isoformat() in line


def test_a_new_record_naming_an_officer_whose_certificate_expired_is_refused_offline(office):
    run = office["run"]
    _ok(run("pull"))
    refused = run("new-inspection", "--enterprise", office["enterprise"]["id"],
                  "--inspector", "张敏", "--inspector", "钱七")
    assert refused.exit_code == 2, refused.output
    assert "钱七" in refused.output and office["expired_on"].isoformat() in refused.output
    assert _queued(office) == 0
    _ok(run("new-inspection", "--enterprise", office["enterprise"]["id"],
            "--inspector", "张敏", "--inspector", "王五"))  # a colleague known from the pull


def test_a_signature_of_an_officer_whose_certificate_expired_is_refused_offline(office):
    run = office["run"]
    _ok(run("pull"))
    record, pad = office["record"]["id"], make_photo(office["tmp"] / "pad", 5)
    refused = run("sign", record, "--role", "officer", "--name", "钱七", "--image", str(pad))
    assert refused.exit_code == 2, refused.output
    assert "钱七" in refused.output and office["expired_on"].isoformat() in refused.output
    assert _queued(office) == 0
    _ok(run("sign", record, "--role", "officer", "--name", "张敏", "--image", str(pad)))
    assert _queued(office) == 1


def test_a_renewed_certificate_is_refreshed_onto_the_record_and_its_officer_signs(
        office, live):
    from server.auth import accounts

    run, record = office["run"], office["record"]["id"]
    pad = make_photo(office["tmp"] / "pad", 6)
    _ok(run("pull"))
    refused = run("refresh-officers", record)  # not renewed yet, as far as the tablet knows
    assert refused.exit_code == 2, refused.output
    assert "钱七" in refused.output and office["expired_on"].isoformat() in refused.output
    assert _queued(office) == 0
    renewed = date.today() + timedelta(days=730)
    with live.app.app_context():
        accounts.update_user(None, office["lapsed"].id, None, {
            "certificate_no": "沪环执RENEW1", "certificate_expires": renewed})
    _ok(run("pull"))
    still = run("sign", record, "--role", "officer", "--name", "钱七", "--image", str(pad))
    assert still.exit_code == 2, still.output  # the record still shows the old certificate
    said = _ok(run("refresh-officers", record))
    assert "钱七 沪环执RENEW1 until " + renewed.isoformat() in said, said
    _ok(run("sign", record, "--role", "officer", "--name", "钱七", "--image", str(pad)))
    pushed = run("push")
    assert pushed.exit_code == 0 and "answers: 2 applied" in pushed.output, pushed.output
    _ok(run("pull"))
    shown = json.loads(_ok(run("show", record, "--json")))
    [officer] = [o for o in shown["officers"] if o["user_id"] == str(office["lapsed"].id)]
    assert (officer["certificate_no"], officer["certificate_expires"]) == (
        "沪环执RENEW1", renewed.isoformat())
    assert [s["signer_user_id"] for s in shown["signatures"]] == [str(office["lapsed"].id)]
