"""A password set by an administrator is temporary: the token endpoint refuses it with a
`password-change-required` problem, and POST /api/v1/auth/password proves it and sets the
user's own in one request, which gives a token; the reset and the change are audited."""

from __future__ import annotations

from sqlalchemy import select

from server.audit.models import AuditEntry
from server.auth.models import DeviceToken, User
from server.extensions import db

OWN, CITY = "310115", "310000"
CHANGE_REQUIRED = "/api/v1/problems/password-change-required"
OWN_CHOICE = "my own passphrase 42"


def _sign_in(client, username, password, device="tablet-1"):
    return client.post("/api/v1/auth/token", json={"username": username,
                                                   "password": password, "device_id": device})


def _change(client, username, password, new_password, device="tablet-1"):
    return client.post("/api/v1/auth/password", json={
        "username": username, "password": password, "new_password": new_password,
        "device_id": device})


def _reset(client, admin, user) -> str:
    response = client.post(f"/api/v1/users/{user.id}/password", headers=admin, json={})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["generated_password"]


def _bearer(response) -> dict[str, str]:
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def _tokens(app, user) -> int:
    with app.app_context():
        return len(db.session.scalars(select(DeviceToken).where(
            DeviceToken.user_id == user.id)).all())


def _audit(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                       .order_by(AuditEntry.seq)))


def test_a_reset_password_signs_in_to_no_token_but_a_password_change_required_problem(
        app, client, login, make_user):
    user, _ = make_user("inspector", OWN)
    temporary = _reset(client, login("admin", OWN), user)
    refused = _sign_in(client, user.username, temporary)
    assert refused.status_code == 403
    assert refused.content_type == "application/problem+json"
    problem = refused.get_json()
    assert problem["type"] == CHANGE_REQUIRED and "/api/v1/auth/password" in problem["detail"]
    assert "access_token" not in problem
    assert _tokens(app, user) == 0
    # a wrong password stays the plain 401: the 403 tells nothing to who lacks the password
    assert _sign_in(client, user.username, temporary + "x").status_code == 401


def test_the_temporary_password_and_a_new_one_in_one_request_give_a_token(app, client, login,
                                                                        make_user):
    user, _ = make_user("inspector", OWN)
    temporary = _reset(client, login("admin", OWN), user)
    changed = _change(client, user.username, temporary, OWN_CHOICE)
    assert changed.status_code == 201, changed.get_json()
    body = changed.get_json()
    assert body["device_id"] == "tablet-1" and body["user"]["username"] == user.username
    assert client.get("/api/v1/auth/me", headers=_bearer(changed)).status_code == 200
    assert _sign_in(client, user.username, temporary).status_code == 401
    assert _sign_in(client, user.username, OWN_CHOICE, "desk").status_code == 201
    with app.app_context():
        assert db.session.get(User, user.id).password_must_change is False


def test_an_account_an_admin_creates_must_change_its_password_first(client, login):
    admin = login("admin", OWN)
    created = client.post("/api/v1/users", headers=admin, json={
        "username": "li.na", "role": "legal", "district": OWN}).get_json()
    assert created["password_must_change"] is True
    password = created["generated_password"]
    assert _sign_in(client, "li.na", password).get_json()["type"] == CHANGE_REQUIRED
    assert _change(client, "li.na", password, OWN_CHOICE).status_code == 201
    shown = client.get(f"/api/v1/users/{created['id']}", headers=admin).get_json()
    assert shown["password_must_change"] is False and shown["version"] == created["version"]


def test_the_command_line_create_and_reset_make_the_password_temporary_too(client, runner,
                                                                          make_user):
    made = runner.invoke(args=["users", "create", "zhao", "--role", "legal", "--district",
                               OWN, "--password-stdin"], input="chosen by the operator\n")
    assert made.exit_code == 0 and "must change it" in made.output
    assert _sign_in(client, "zhao", "chosen by the operator").status_code == 403
    user, _ = make_user("inspector", OWN)
    reset = runner.invoke(args=["users", "reset-password", user.username])
    assert reset.exit_code == 0 and "must change it" in reset.output
    generated = reset.output.split("password: ", 1)[1].split()[0]
    assert _sign_in(client, user.username, generated).status_code == 403


def test_an_admin_resetting_their_own_password_chose_it_and_need_not_change_it(app, client,
                                                                              make_user):
    admin, password = make_user("admin", OWN)
    headers = _bearer(_sign_in(client, admin.username, password))
    chosen = "the admin's own new passphrase"
    assert client.post(f"/api/v1/users/{admin.id}/password", headers=headers,
                       json={"password": chosen}).status_code == 200
    assert _sign_in(client, admin.username, chosen).status_code == 201


def test_a_new_password_that_breaks_the_rules_or_repeats_the_current_one_changes_nothing(
        client, login, make_user):
    user, _ = make_user("inspector", OWN)
    temporary = _reset(client, login("admin", OWN), user)
    for bad in ("short", temporary, f" {OWN_CHOICE}"):
        refused = _change(client, user.username, temporary, bad)
        assert refused.status_code == 422, refused.get_json()
        assert "new_password" in refused.get_json()["errors"]
    assert _sign_in(client, user.username, temporary).status_code == 403


def test_a_wrong_current_password_is_a_401_counted_with_the_sign_in_throttle(app, client,
                                                                             make_user):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    user, password = make_user("inspector", OWN)
    statuses = [_change(client, user.username, "not the password!", OWN_CHOICE).status_code
                for _ in range(2)]
    statuses.append(_sign_in(client, user.username, "not the password!").status_code)
    assert statuses == [401, 401, 401]
    assert _sign_in(client, user.username, password).status_code == 429
    assert _change(client, "nobody", "x" * 12, OWN_CHOICE).status_code == 401


def test_changing_ones_own_password_ends_every_other_token(client, make_user):
    user, password = make_user("supervisor", OWN)
    desk = _bearer(_sign_in(client, user.username, password, "desk"))
    changed = _change(client, user.username, password, OWN_CHOICE, "tablet-2")
    assert client.get("/api/v1/auth/me", headers=desk).status_code == 401
    assert client.get("/api/v1/auth/me", headers=_bearer(changed)).status_code == 200


def test_a_token_of_a_user_whose_password_must_change_is_refused(app, client, make_user):
    # the state a sign-in racing with a reset leaves: a token issued on the old password
    # after the reset revoked the user's tokens
    user, password = make_user("inspector", OWN)
    headers = _bearer(_sign_in(client, user.username, password))
    with app.app_context():
        db.session.get(User, user.id).password_must_change = True
        db.session.commit()
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_the_reset_and_the_forced_change_are_audited_without_the_passwords(app, client, login,
                                                                           make_user):
    user, _ = make_user("inspector", OWN)
    temporary = _reset(client, login("admin", OWN), user)
    _change(client, user.username, temporary, OWN_CHOICE)
    [reset] = _audit(app, "user.password_reset")
    [change] = _audit(app, "user.password_change")
    assert reset.details["must_change"] is True
    assert change.actor_id == str(user.id) and change.entity_id == str(user.id)
    assert change.details == {"username": user.username, "forced": True, "revoked_tokens": 0}
    for entry in (reset, change):
        assert temporary not in repr(entry.details) and OWN_CHOICE not in repr(entry.details)
    assert _audit(app, "auth.token_issue")[-1].actor_id == str(user.id)


def test_the_change_and_its_problem_are_described(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    change = spec["paths"]["/api/v1/auth/password"]["post"]
    assert {"201", "401", "422", "429"} <= set(change["responses"])
    assert "security" not in change or change["security"] == []
    assert "403" in spec["paths"]["/api/v1/auth/token"]["post"]["responses"]
    described = client.get(CHANGE_REQUIRED).get_json()
    assert described["status"] == 403 and described["title"] == "Password change required"
