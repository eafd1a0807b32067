"""Administrators maintain user accounts over /api/v1/users: read in scope, change (name, role,
district, certificate, enabled), reset a password; what revokes tokens; who may do what."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from server.extensions import db
from server.idempotency import IdempotencyKey

OWN, OTHER, CITY = "310115", "310101", "310000"
SECRET_WORDS = ("password_hash", "argon2", "token", "hash")
OWN_CHOICE = "the officer's own passphrase"


def _sign_in(client, user, password, device="tablet-1"):
    return client.post("/api/v1/auth/token", json={"username": user.username,
                                                   "password": password, "device_id": device})


def _bearer(client, user, password, device="tablet-1") -> dict[str, str]:
    response = _sign_in(client, user, password, device)
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def _changed(client, user, temporary, device="tablet-1") -> dict[str, str]:
    """Bearer headers after the user replaced a temporary password with their own."""
    response = client.post("/api/v1/auth/password", json={
        "username": user.username, "password": temporary, "new_password": OWN_CHOICE,
        "device_id": device})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def _me(client, headers) -> int:
    return client.get("/api/v1/auth/me", headers=headers).status_code


def _patch(client, headers, user, version=1, **fields):
    return client.patch(f"/api/v1/users/{user.id}", headers=headers,
                        json={"version": version, **fields})


def _no_secret(body) -> None:
    text = repr(body).lower()
    for word in SECRET_WORDS:
        assert word not in text, f"{word!r} in {body}"


def test_an_admin_lists_users_with_filters_and_pages_and_no_secret(client, login, make_user):
    admin = login("admin", CITY)
    for _ in range(3):
        make_user("inspector", OWN)
    make_user("supervisor", OWN)
    make_user("inspector", OTHER)
    page = client.get("/api/v1/users", headers=admin,
                      query_string={"role": "inspector", "district": OWN, "per_page": 2})
    assert page.status_code == 200, page.get_json()
    body = page.get_json()
    assert body["total"] == 3 and body["page"] == 1 and body["per_page"] == 2
    assert len(body["items"]) == 2
    assert {(u["role"], u["district"]) for u in body["items"]} == {("inspector", OWN)}
    second = client.get("/api/v1/users", headers=admin, query_string={
        "role": "inspector", "district": OWN, "per_page": 2, "page": 2}).get_json()
    assert len(second["items"]) == 1
    assert not {u["id"] for u in second["items"]} & {u["id"] for u in body["items"]}
    one = body["items"][0]
    assert {"id", "username", "display_name", "role", "district", "certificate_no",
            "certificate_expires", "active", "password_must_change", "version",
            "created_at"} == set(one)
    _no_secret(body)
    fetched = client.get(f"/api/v1/users/{one['id']}", headers=admin)
    assert fetched.status_code == 200 and fetched.get_json() == one


def test_a_supervisor_reads_the_users_of_their_district_only_and_changes_none(client, login,
                                                                               make_user):
    supervisor = login("supervisor", OWN)
    mine, _ = make_user("inspector", OWN)
    theirs, _ = make_user("inspector", OTHER)
    listed = client.get("/api/v1/users", headers=supervisor).get_json()["items"]
    assert {u["district"] for u in listed} == {OWN}
    assert client.get("/api/v1/users", headers=supervisor,
                      query_string={"district": OTHER}).get_json()["items"] == []
    assert client.get(f"/api/v1/users/{mine.id}", headers=supervisor).status_code == 200
    assert client.get(f"/api/v1/users/{theirs.id}", headers=supervisor).status_code == 404
    renewal = {"certificate_expires": (date.today() + timedelta(days=900)).isoformat()}
    assert _patch(client, supervisor, mine, **renewal).status_code == 403
    assert _patch(client, supervisor, theirs, **renewal).status_code == 404
    assert client.post(f"/api/v1/users/{mine.id}/password", headers=supervisor,
                       json={}).status_code == 403
    created = client.post("/api/v1/users", headers=supervisor, json={
        "username": "new_inspector", "role": "inspector", "district": OWN,
        "certificate_no": "沪环执09999", "certificate_expires": "2030-01-01"})
    assert created.status_code == 403


def test_inspectors_and_legal_staff_neither_read_nor_manage_users(client, login, make_user):
    target, _ = make_user("inspector", OWN)
    for role in ("inspector", "legal"):
        headers = login(role, OWN)
        assert client.get("/api/v1/users", headers=headers).status_code == 403
        assert client.get(f"/api/v1/users/{target.id}", headers=headers).status_code == 403
        assert _patch(client, headers, target, display_name="改名").status_code == 403
        assert client.post(f"/api/v1/users/{target.id}/password", headers=headers,
                           json={}).status_code == 403


def test_a_district_admin_manages_their_own_district_only(client, login, make_user):
    admin = login("admin", OWN)
    mine, _ = make_user("inspector", OWN)
    theirs, _ = make_user("inspector", OTHER)
    city_user, _ = make_user("supervisor", CITY)
    assert _patch(client, admin, theirs, display_name="别区").status_code == 404
    assert client.get(f"/api/v1/users/{city_user.id}", headers=admin).status_code == 404
    moved = _patch(client, admin, mine, district=OTHER)
    assert moved.status_code == 403 and moved.mimetype == "application/problem+json"
    promoted = _patch(client, admin, mine, district=CITY)
    assert promoted.status_code == 403
    assert client.post("/api/v1/users", headers=admin, json={
        "username": "far_away", "role": "supervisor", "district": OTHER}).status_code == 403
    assert _patch(client, admin, mine, display_name="本区").status_code == 200


def test_disabling_refuses_the_token_at_the_next_request_and_enabling_revives_none(
        client, login, make_user):
    admin = login("admin", CITY)
    user, password = make_user("inspector", OWN)
    headers = _bearer(client, user, password)
    assert _me(client, headers) == 200
    disabled = _patch(client, admin, user, active=False)
    assert disabled.status_code == 200, disabled.get_json()
    assert disabled.get_json()["active"] is False and disabled.get_json()["version"] == 2
    assert _me(client, headers) == 401
    assert _sign_in(client, user, password).status_code == 401
    assert _patch(client, admin, user, version=2, active=True).status_code == 200
    assert _me(client, headers) == 401  # the old token stays revoked
    assert _me(client, _bearer(client, user, password)) == 200


def test_a_password_reset_ends_the_old_token_and_the_new_password_is_temporary(client, login,
                                                                              make_user):
    admin = login("admin", CITY)
    user, password = make_user("inspector", OWN)
    headers = _bearer(client, user, password)
    reset = client.post(f"/api/v1/users/{user.id}/password", headers=admin, json={})
    assert reset.status_code == 200, reset.get_json()
    body = reset.get_json()
    assert body["revoked_tokens"] == 1 and len(body["generated_password"]) >= 12
    assert "no-store" in reset.headers["Cache-Control"]
    assert _me(client, headers) == 401
    assert _sign_in(client, user, password).status_code == 401
    assert _sign_in(client, user, body["generated_password"]).status_code == 403
    assert _me(client, _changed(client, user, body["generated_password"])) == 200


def test_a_chosen_password_must_meet_the_rules_and_is_never_echoed(client, login, make_user):
    admin = login("admin", CITY)
    user, _ = make_user("supervisor", OWN)
    short = client.post(f"/api/v1/users/{user.id}/password", headers=admin,
                        json={"password": "short"})
    assert short.status_code == 422 and "password" in short.get_json()["errors"]
    chosen = "correct horse battery staple"
    reset = client.post(f"/api/v1/users/{user.id}/password", headers=admin,
                        json={"password": chosen})
    assert reset.status_code == 200 and reset.get_json()["generated_password"] is None
    assert chosen not in reset.get_data(as_text=True)
    assert _sign_in(client, user, chosen).status_code == 403  # the admin chose it: temporary


def test_a_role_change_or_move_revokes_tokens_a_name_or_certificate_change_does_not(
        client, login, make_user):
    admin = login("admin", CITY)
    user, password = make_user("inspector", OWN)
    headers = _bearer(client, user, password)
    renewed = _patch(client, admin, user, display_name="新名字", certificate_no="沪环执NEW01",
                     certificate_expires=(date.today() + timedelta(days=1000)).isoformat())
    assert renewed.status_code == 200, renewed.get_json()
    assert renewed.get_json()["certificate_no"] == "沪环执NEW01"
    assert _me(client, headers) == 200
    assert _patch(client, admin, user, version=2, role="supervisor").status_code == 200
    assert _me(client, headers) == 401
    headers = _bearer(client, user, password)
    assert _patch(client, admin, user, version=3, district=OTHER).status_code == 200
    assert _me(client, headers) == 401
    me = client.get("/api/v1/auth/me", headers=_bearer(client, user, password)).get_json()
    assert (me["role"], me["district"]) == ("supervisor", OTHER)


def test_a_stale_version_is_a_409_and_changes_nothing(client, login, make_user):
    admin = login("admin", CITY)
    user, _ = make_user("inspector", OWN)
    assert _patch(client, admin, user, display_name="第一").status_code == 200
    stale = _patch(client, admin, user, version=1, display_name="第二")
    assert stale.status_code == 409 and stale.get_json()["current_version"] == 2
    assert client.get(f"/api/v1/users/{user.id}",
                      headers=admin).get_json()["display_name"] == "第一"


def test_an_inspector_keeps_a_certificate_and_bad_fields_are_422(client, login, make_user):
    admin = login("admin", CITY)
    inspector, _ = make_user("inspector", OWN)
    supervisor, _ = make_user("supervisor", OWN)
    cleared = _patch(client, admin, inspector, certificate_no=None)
    assert cleared.status_code == 422 and "certificate_no" in cleared.get_json()["errors"]
    promoted = _patch(client, admin, supervisor, role="inspector")
    assert promoted.status_code == 422 and "certificate_no" in promoted.get_json()["errors"]
    unknown = _patch(client, admin, supervisor, district="999999")
    assert unknown.status_code == 422 and "district" in unknown.get_json()["errors"]
    assert _patch(client, admin, supervisor, role="king").status_code == 422
    assert _patch(client, admin, supervisor, display_name="  ").status_code == 422
    assert _patch(client, admin, supervisor, password="sneaky-new-password").status_code == 422
    assert client.patch(f"/api/v1/users/{supervisor.id}", headers=admin,
                        json={"display_name": "无版本"}).status_code == 422


def test_an_admin_may_neither_disable_nor_demote_nor_move_themselves(client, make_user):
    admin, password = make_user("admin", CITY)
    headers = _bearer(client, admin, password, "desk")
    for change in ({"active": False}, {"role": "supervisor"}, {"district": OWN}):
        refused = _patch(client, headers, admin, **change)
        assert refused.status_code == 422, (change, refused.get_json())
    assert _patch(client, headers, admin, display_name="管理员").status_code == 200
    assert _me(client, headers) == 200


def test_create_with_a_generated_password_replays_without_it(app, client, login):
    admin = login("admin", CITY) | {"Idempotency-Key": "create-inspector-1"}
    body = {"username": "li.na", "role": "inspector", "district": OWN, "display_name": "李娜",
            "certificate_no": "沪环执00042", "certificate_expires": "2029-12-31"}
    created = client.post("/api/v1/users", headers=admin, json=body)
    assert created.status_code == 201, created.get_json()
    first = created.get_json()
    generated = first["generated_password"]
    assert len(generated) >= 12 and first["version"] == 1 and first["active"] is True
    assert "no-store" in created.headers["Cache-Control"]
    replay = client.post("/api/v1/users", headers=admin, json=body)
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json() == first | {"generated_password": None}
    with app.app_context():
        stored = db.session.scalars(select(IdempotencyKey.body)).all()
        assert stored and not any(generated.encode() in row for row in stored)
    assert client.post("/api/v1/auth/token", json={
        "username": "li.na", "password": generated, "device_id": "t"}).status_code == 403
    again = client.post("/api/v1/users", headers=login("admin", CITY), json=body)
    assert again.status_code == 409


def test_a_replayed_password_reset_does_not_reset_again(client, login, make_user):
    admin = login("admin", CITY) | {"Idempotency-Key": "reset-1"}
    user, _ = make_user("inspector", OWN)
    first = client.post(f"/api/v1/users/{user.id}/password", headers=admin, json={})
    fresh = _changed(client, user, first.get_json()["generated_password"])
    replay = client.post(f"/api/v1/users/{user.id}/password", headers=admin, json={})
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json()["generated_password"] is None
    assert _me(client, fresh) == 200


def test_changes_are_audited_without_the_password(app, client, login, make_user):
    from server.audit.models import AuditEntry

    admin = login("admin", CITY)
    user, _ = make_user("inspector", OWN)
    _patch(client, admin, user, certificate_no="沪环执AUDIT1")
    reset = client.post(f"/api/v1/users/{user.id}/password", headers=admin, json={})
    generated = reset.get_json()["generated_password"]
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(
            AuditEntry.entity_id == str(user.id)).order_by(AuditEntry.seq)).all()
        actions = [e.action for e in entries]
        assert actions[-2:] == ["user.update", "user.password_reset"]
        assert entries[-2].details["changes"]["certificate_no"][1] == "沪环执AUDIT1"
        assert entries[-2].actor_name.startswith("admin")
        assert generated not in repr([e.details for e in entries])


def test_an_unknown_user_is_404(client, login):
    admin = login("admin", CITY)
    missing = "00000000-0000-4000-8000-000000000000"
    assert client.get(f"/api/v1/users/{missing}", headers=admin).status_code == 404
    assert client.patch(f"/api/v1/users/{missing}", headers=admin,
                        json={"version": 1}).status_code == 404
    assert client.post(f"/api/v1/users/{missing}/password", headers=admin,
                       json={}).status_code == 404
