"""The users API's refusals are its contract: each answers the same problem+json (status,
type, English detail and field errors) whatever language the console shows them in, and
whatever language the client asks for (the API has no language choice)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.api.pinned import problem_body as _problem

OWN, OTHER, CITY = "310115", "310101", "310000"
ROLES = "inspector, supervisor, legal, admin"


def _patch(client, headers, user, version=1, **fields):
    return client.patch(f"/api/v1/users/{user.id}", headers=headers,
                        json={"version": version, **fields})


@pytest.fixture(params=[None, "zh-CN,zh;q=0.9"], ids=["no-language", "chinese-asked"])
def admin(request, login) -> dict[str, str]:
    """A city admin's headers, with or without a Chinese Accept-Language."""
    headers = login("admin", CITY)
    return headers | ({"Accept-Language": request.param} if request.param else {})


def test_an_invalid_new_account_answers_the_english_field_errors(client, admin):
    response = client.post("/api/v1/users", headers=admin, json={
        "username": "li.si", "role": "inspector", "district": "319999",
        "password": " short "})
    assert _problem(response, 422) == {
        "type": "/api/v1/problems/validation-error", "title": "Validation failed",
        "status": 422, "detail": "The user is not valid.",
        "errors": {"district": ["unknown district code '319999' (use 310000 for the city)"],
                   "password": ["must be at least 12 characters",
                                "must not start or end with whitespace"],
                   "certificate_no": ["inspectors need a certificate number and its expiry "
                                      "date"]}}


def test_a_taken_username_answers_an_english_conflict(client, admin, make_user):
    taken, _ = make_user("legal", OWN)
    response = client.post("/api/v1/users", headers=admin, json={
        "username": taken.username, "role": "legal", "district": OWN})
    assert _problem(response, 409) == {
        "type": "/api/v1/problems/conflict", "title": "Conflict", "status": 409,
        "detail": f"User {taken.username!r} already exists."}


def test_an_invalid_edit_and_a_stale_version_answer_as_before(client, admin, make_user):
    inspector, _ = make_user("inspector", OWN)
    cleared = _patch(client, admin, inspector, certificate_no=None, district="319999")
    assert _problem(cleared, 422) == {
        "type": "/api/v1/problems/validation-error", "title": "Validation failed",
        "status": 422, "detail": "The user is not valid.",
        "errors": {"district": ["unknown district code '319999' (use 310000 for the city)"],
                   "certificate_no": ["inspectors need a certificate number and its expiry "
                                      "date"]}}
    assert _patch(client, admin, inspector, display_name="新名").status_code == 200
    stale = _patch(client, admin, inspector, display_name="旧名")
    assert _problem(stale, 409) == {
        "type": "/api/v1/problems/version-conflict", "title": "Version conflict",
        "status": 409, "detail": "The user is at version 2, not 1.", "current_version": 2}


def test_an_admin_changing_their_own_account_is_refused_in_english(client, make_user):
    me, password = make_user("admin", CITY)
    token = client.post("/api/v1/auth/token", json={
        "username": me.username, "password": password, "device_id": "desk"}).get_json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    response = _patch(client, headers, me, role="legal", active=False)
    assert _problem(response, 422) == {
        "type": "/api/v1/problems/validation-error", "title": "Validation failed",
        "status": 422, "detail": "You may not disable, demote or move yourself.",
        "errors": {"role": ["not on your own account"],
                   "active": ["not on your own account"]}}


def test_scope_and_password_refusals_answer_as_before(client, login, make_user):
    district_admin = login("admin", OWN) | {"Accept-Language": "zh-CN"}
    far = client.post("/api/v1/users", headers=district_admin, json={
        "username": "far.away", "role": "legal", "district": OTHER})
    assert _problem(far, 403) == {
        "type": "/api/v1/problems/forbidden", "title": "Not allowed", "status": 403,
        "detail": f"District {OTHER} is outside your scope ({OWN})."}
    theirs, _ = make_user("legal", OTHER)
    hidden = client.post(f"/api/v1/users/{theirs.id}/password", headers=district_admin,
                         json={})
    assert _problem(hidden, 404) == {
        "type": "/api/v1/problems/not-found", "title": "Not found", "status": 404,
        "detail": "No such record."}
    mine, _ = make_user("legal", OWN)
    weak = client.post(f"/api/v1/users/{mine.id}/password", headers=district_admin,
                       json={"password": "short"})
    assert _problem(weak, 422) == {
        "type": "/api/v1/problems/validation-error", "title": "Validation failed",
        "status": 422, "detail": "The password is not acceptable.",
        "errors": {"password": ["must be at least 12 characters"]}}
    supervisor = login("supervisor", OWN)
    denied = _patch(client, supervisor, mine, display_name="越权",
                    certificate_expires=(date.today() + timedelta(days=9)).isoformat())
    assert _problem(denied, 403) == {
        "type": "/api/v1/problems/forbidden", "title": "Not allowed", "status": 403,
        "detail": "Role 'supervisor' may not perform 'user.manage'."}
