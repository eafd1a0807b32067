"""Officer signatures are matched to the record's officers: by the signer's user id, or by
display name when an older tablet sends none (never guessed between two namesakes)."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

NAME = "张伟"


@pytest.fixture
def namesakes(client, make_user, enterprise_body, login):
    """Two Pudong inspectors both called 张伟 (the first signed in), and record bodies."""
    first, first_pw = make_user("inspector", "310115", display_name=NAME)
    second, _ = make_user("inspector", "310115", display_name=NAME)
    token = client.post("/api/v1/auth/token", json={
        "username": first.username, "password": first_pw, "device_id": "tablet-z"}).get_json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    enterprise = client.post("/api/v1/enterprises", json=enterprise_body(),
                             headers=login("supervisor", "310115")).get_json()

    def officer(user, **change):
        return {"signer": NAME, "role": "officer", "evidence_sha256": secrets.token_hex(32),
                **({"signer_user_id": str(user.id)} if user else {}), **change}

    def record(*signatures):
        return {"id": str(uuid.uuid4()), "enterprise_id": enterprise["id"],
                "inspector_ids": [str(first.id), str(second.id)],
                "started_at": datetime(2026, 6, 1, 1, 30, tzinfo=UTC).isoformat(),
                "ended_at": datetime(2026, 6, 1, 3, 0, tzinfo=UTC).isoformat(),
                "signatures": [*signatures, {"signer": "王经理", "role": "party",
                                             "refused": True, "refusal_reason": "称需请示"}]}

    return {"users": (first, second), "headers": headers, "officer": officer,
            "record": record, "enterprise": enterprise}


def _open(client, world, body):
    return client.post("/api/v1/inspections", json=body, headers=world["headers"])


def _submit(client, world, created):
    return client.post(f"/api/v1/inspections/{created['id']}/submit",
                       json={"version": created["version"]}, headers=world["headers"])


def test_two_officers_with_the_same_name_sign_by_user_id_and_submit(client, namesakes):
    first, second = namesakes["users"]
    body = namesakes["record"](namesakes["officer"](first), namesakes["officer"](second))
    created = _open(client, namesakes, body)
    assert created.status_code == 201, created.get_json()
    signed = [s.get("signer_user_id") for s in created.get_json()["signatures"]]
    assert signed == [str(first.id), str(second.id), None]
    submitted = _submit(client, namesakes, created.get_json())
    assert submitted.status_code == 200, submitted.get_json()
    assert submitted.get_json()["status"] == "submitted"


def test_one_namesake_signing_twice_by_user_id_is_not_two_officers(client, namesakes):
    first, _ = namesakes["users"]
    body = namesakes["record"](namesakes["officer"](first), namesakes["officer"](first))
    created = _open(client, namesakes, body).get_json()
    response = _submit(client, namesakes, created)
    assert response.status_code == 422, response.get_json()
    assert "signatures" in response.get_json()["errors"]


def test_without_user_ids_a_name_two_officers_share_is_not_guessed(client, namesakes):
    body = namesakes["record"](namesakes["officer"](None), namesakes["officer"](None))
    response = _open(client, namesakes, body)
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    problem = " ".join(response.get_json()["errors"]["signatures"])
    assert NAME in problem and "signer_user_id" in problem


def test_a_signer_user_id_of_someone_not_on_the_record_is_refused(client, namesakes, make_user):
    first, _ = namesakes["users"]
    stranger, _ = make_user("inspector", "310115", display_name=NAME)
    body = namesakes["record"](namesakes["officer"](first), namesakes["officer"](stranger))
    response = _open(client, namesakes, body)
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    problem = " ".join(response.get_json()["errors"]["signatures"])
    assert str(stranger.id) in problem and "not one of the record's officers" in problem


def test_a_signer_user_id_must_be_of_the_officer_named(client, field):
    first, second = field["inspectors"]
    body = field["signed"]()
    body["signatures"][1]["signer_user_id"] = str(first.id)  # second's name, first's id
    response = client.post("/api/v1/inspections", json=body, headers=field["headers"])
    assert response.status_code == 422, response.get_json()
    problem = " ".join(response.get_json()["errors"]["signatures"])
    assert second.display_name in problem and first.display_name in problem


def test_only_an_officer_signature_names_a_user(client, field):
    first, _ = field["inspectors"]
    body = field["signed"]()
    body["signatures"][2]["signer_user_id"] = str(first.id)  # the party's
    response = client.post("/api/v1/inspections", json=body, headers=field["headers"])
    assert response.status_code == 422, response.get_json()
    assert "signer_user_id" in str(response.get_json()["errors"])


def test_a_signer_taken_off_the_record_after_signing_does_not_count(client, field, make_user):
    first, second = field["inspectors"]
    third, _ = make_user("inspector", "310115")
    body = field["signed"]()
    for signature, user in zip(body["signatures"][:2], (first, second), strict=True):
        signature["signer_user_id"] = str(user.id)
    created = client.post("/api/v1/inspections", json=body, headers=field["headers"])
    assert created.status_code == 201, created.get_json()
    changed = client.patch(f"/api/v1/inspections/{body['id']}", headers=field["headers"],
                           json={"version": 1, "inspector_ids": [str(first.id), str(third.id)]})
    assert changed.status_code == 200, changed.get_json()
    response = _submit(client, {"headers": field["headers"]}, changed.get_json())
    assert response.status_code == 422, response.get_json()
    problem = " ".join(response.get_json()["errors"]["signatures"])
    assert str(second.id) in problem and "not one of the record's officers" in problem


def test_older_tablets_without_user_ids_still_sign_by_name(client, field):
    created = client.post("/api/v1/inspections", json=field["signed"](),
                          headers=field["headers"]).get_json()
    assert all("signer_user_id" not in s for s in created["signatures"])
    assert _submit(client, {"headers": field["headers"]}, created).status_code == 200


def test_an_officer_signature_in_the_name_of_no_officer_is_refused_when_added(client, field):
    body = field["inspection"]()
    assert client.post("/api/v1/inspections", json=body,
                       headers=field["headers"]).status_code == 201
    response = client.patch(f"/api/v1/inspections/{body['id']}", headers=field["headers"],
                            json={"version": 1, "signatures": [
                                {"signer": "赵六", "role": "officer",
                                 "evidence_sha256": secrets.token_hex(32)}]})
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    problem = " ".join(response.get_json()["errors"]["signatures"])
    assert "赵六" in problem and "not one of the record's officers" in problem
    opened = client.post("/api/v1/inspections", headers=field["headers"], json=field["inspection"](
        signatures=[{"signer": "赵六", "role": "officer", "refused": True,
                     "refusal_reason": "不在场"}]))
    assert opened.status_code == 422, opened.get_json()


@pytest.fixture
def expiring(client, make_user, field):
    """A record opened 20 days ago by an officer whose certificate expired 10 days ago (valid
    on the inspection day) and a partner, as the first officer's tablet sees it."""
    first, _ = field["inspectors"]
    lapsed, _ = make_user("inspector", "310115", display_name="钱七",
                          certificate_expires=date.today() - timedelta(days=10))
    started = datetime.now(UTC) - timedelta(days=20)
    body = field["inspection"](inspector_ids=[str(first.id), str(lapsed.id)],
                               started_at=started.isoformat())
    created = client.post("/api/v1/inspections", json=body, headers=field["headers"])
    assert created.status_code == 201, created.get_json()
    return {"lapsed": lapsed, "record": created.get_json(), "first": first}


def test_a_signature_made_after_the_officers_certificate_expired_is_refused_when_added(
        client, field, expiring):
    lapsed, record = expiring["lapsed"], expiring["record"]
    response = client.patch(f"/api/v1/inspections/{record['id']}", headers=field["headers"],
                            json={"version": 1, "signatures": [
                                {"signer": "钱七", "role": "officer",
                                 "signer_user_id": str(lapsed.id),
                                 "evidence_sha256": secrets.token_hex(32)}]})
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    problem = " ".join(response.get_json()["errors"]["signatures"])
    assert "钱七" in problem and "certificate" in problem
    assert lapsed.certificate_no in problem
    assert (date.today() - timedelta(days=10)).isoformat() in problem
    partner = client.patch(f"/api/v1/inspections/{record['id']}", headers=field["headers"],
                           json={"version": 1, "signatures": [
                               {"signer": expiring["first"].display_name, "role": "officer",
                                "evidence_sha256": secrets.token_hex(32)}]})
    assert partner.status_code == 200, partner.get_json()
