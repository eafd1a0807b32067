"""What an administrator changes on an account over /api/v1/users reaches the tablets as the
`officer` entity: a renewed certificate (and the signature it makes valid again), a move."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, date, datetime, timedelta

from tests.api.sync.conftest import OTHER, OWN, mutation

CITY = "310000"


def _officer(tablet, user) -> dict | None:
    return tablet.data("officer", user.id)


def _renew(client, admin, user, number: str, expires: date, version: int = 1):
    return client.patch(f"/api/v1/users/{user.id}", headers=admin, json={
        "version": version, "certificate_no": number,
        "certificate_expires": expires.isoformat()})


def test_a_renewed_certificate_reaches_the_tablet_and_a_refused_signature_is_then_accepted(
        client, login, make_user, world):
    admin = login("admin", CITY)
    first = world["users"][0]
    tablet = world["a"]
    lapsed, _ = make_user("inspector", OWN, display_name="钱七",
                          certificate_expires=date.today() - timedelta(days=10))
    started = datetime.now(UTC) - timedelta(days=20)  # the certificate was valid that day
    record = str(uuid.uuid4())
    assert tablet.push(mutation("inspection", "create", record, world["inspection_fields"](
        inspector_ids=[str(first.id), str(lapsed.id)], started_at=started.isoformat())
    ))[0]["status"] == "applied"
    tablet.pull()
    signature = {"inspection_id": record, "signer": "钱七", "role": "officer",
                 "signer_user_id": str(lapsed.id), "evidence_sha256": secrets.token_hex(32)}
    [refused] = tablet.push(mutation("signature", "create", str(uuid.uuid4()), signature))
    assert refused["status"] == "rejected", refused

    renewed = date.today() + timedelta(days=3 * 365)
    response = _renew(client, admin, lapsed, "沪环执2029-7", renewed)
    assert response.status_code == 200, response.get_json()
    changes = tablet.pull()
    assert ("officer", str(lapsed.id), "upsert", 2) in [
        (c["entity"], c["id"], c["op"], c["version"]) for c in changes]  # the account's
    assert _officer(tablet, lapsed)["certificate_no"] == "沪环执2029-7"
    assert _officer(tablet, lapsed)["certificate_expires"] == renewed.isoformat()

    version = tablet.data("inspection", record)["version"]
    resaved = tablet.push(mutation("inspection", "update", record, {
        "inspector_ids": [str(first.id), str(lapsed.id)]}, base=version))
    assert resaved[0]["status"] == "applied", resaved
    [accepted] = tablet.push(mutation("signature", "create", str(uuid.uuid4()), signature))
    assert accepted["status"] == "applied", accepted


def test_a_moved_inspector_is_revoked_on_the_old_districts_tablets_and_upserted_on_the_new(
        client, login, world):
    admin = login("admin", CITY)
    _, second, _ = world["users"]
    world["a"].pull()
    world["other"].pull()
    moved = client.patch(f"/api/v1/users/{second.id}", headers=admin,
                         json={"version": 1, "district": OTHER})
    assert moved.status_code == 200, moved.get_json()
    assert [(c["id"], c["op"]) for c in world["a"].pull()] == [(str(second.id), "revoke")]
    assert [(c["id"], c["op"]) for c in world["other"].pull()] == [(str(second.id), "upsert")]
    assert _officer(world["other"], second)["district"] == OTHER


def test_a_disabled_inspector_is_revoked_and_a_re_enabled_one_comes_back(client, login,
                                                                         world):
    admin = login("admin", CITY)
    _, second, _ = world["users"]
    world["a"].pull()
    assert client.patch(f"/api/v1/users/{second.id}", headers=admin,
                        json={"version": 1, "active": False}).status_code == 200
    assert [(c["id"], c["op"]) for c in world["a"].pull()] == [(str(second.id), "revoke")]
    assert client.patch(f"/api/v1/users/{second.id}", headers=admin,
                        json={"version": 2, "active": True}).status_code == 200
    assert [(c["id"], c["op"]) for c in world["a"].pull()] == [(str(second.id), "upsert")]


def test_a_password_reset_sends_the_tablets_nothing(client, login, world):
    admin = login("admin", CITY)
    _, second, _ = world["users"]
    world["a"].pull()
    assert client.post(f"/api/v1/users/{second.id}/password", headers=admin,
                       json={}).status_code == 200
    assert world["a"].pull() == []
