"""`flask users update` and `flask users reset-password`: the same service as the API."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from server.audit.models import AuditEntry
from server.auth.models import User
from server.extensions import db


def _user(app, user_id) -> User:
    with app.app_context():
        found = db.session.get(User, user_id)
        db.session.expunge(found)
        return found


def _sign_in(client, username, password, device="cli-test"):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password,
                                                   "device_id": device})


def _change(client, username, password, device="cli-test"):
    return client.post("/api/v1/auth/password", json={
        "username": username, "password": password, "new_password": "my own passphrase 7",
        "device_id": device})


def test_update_renews_a_certificate_moves_renames_and_changes_the_role(app, runner,
                                                                        make_user):
    user, _ = make_user("inspector", "310115")
    result = runner.invoke(args=["users", "update", user.username,
                                 "--certificate-no", "沪环执RENEW9",
                                 "--certificate-expires", "2031-03-31",
                                 "--district", "310101", "--display-name", "王芳"])
    assert result.exit_code == 0, result.output
    assert "updated" in result.output and "certificate_no" in result.output
    changed = _user(app, user.id)
    assert (changed.certificate_no, changed.certificate_expires, changed.district,
            changed.display_name, changed.version) == (
        "沪环执RENEW9", date(2031, 3, 31), "310101", "王芳", 2)
    result = runner.invoke(args=["users", "update", user.username, "--role", "supervisor"])
    assert result.exit_code == 0 and _user(app, user.id).role == "supervisor"


def test_update_disables_and_enables_and_ends_tokens_on_disable(app, client, runner,
                                                                make_user):
    user, password = make_user("inspector", "310115")
    token = _sign_in(client, user.username, password).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert runner.invoke(args=["users", "update", user.username, "--disable"]).exit_code == 0
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
    assert _sign_in(client, user.username, password).status_code == 401
    assert runner.invoke(args=["users", "update", user.username, "--enable"]).exit_code == 0
    assert _sign_in(client, user.username, password).status_code == 201
    listed = runner.invoke(args=["users", "list"]).output
    assert f"{user.username}\tinspector\t310115\tactive" in listed


def test_update_refuses_bad_values_with_reasons_and_an_unknown_user(runner, make_user):
    user, _ = make_user("supervisor", "310115")
    bad = runner.invoke(args=["users", "update", user.username, "--role", "inspector"])
    assert bad.exit_code == 1 and "certificate_no" in bad.output
    assert runner.invoke(args=["users", "update", "nobody", "--display-name", "x"]
                         ).exit_code == 1
    nothing = runner.invoke(args=["users", "update", user.username])
    assert nothing.exit_code == 2 and "nothing to change" in nothing.output


def test_reset_password_prints_a_generated_one_once_and_ends_the_old_tokens(app, client,
                                                                           runner, make_user):
    user, password = make_user("inspector", "310115")
    token = _sign_in(client, user.username, password).get_json()["access_token"]
    result = runner.invoke(args=["users", "reset-password", user.username])
    assert result.exit_code == 0, result.output
    generated = result.output.split("password: ", 1)[1].split()[0]
    assert "1 token" in result.output
    assert client.get("/api/v1/auth/me",
                      headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert _sign_in(client, user.username, password).status_code == 401
    assert _sign_in(client, user.username, generated).status_code == 403  # temporary
    assert _change(client, user.username, generated).status_code == 201
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "user.password_reset")).one()
        assert generated not in repr(entry.details)


def test_reset_password_from_stdin_follows_the_password_rules(client, runner, make_user):
    user, _ = make_user("legal", "310115")
    short = runner.invoke(args=["users", "reset-password", user.username, "--password-stdin"],
                          input="short\n")
    assert short.exit_code == 1 and "password" in short.output
    chosen = "a long enough passphrase"
    result = runner.invoke(args=["users", "reset-password", user.username, "--password-stdin"],
                           input=chosen + "\n")
    assert result.exit_code == 0 and chosen not in result.output
    assert _change(client, user.username, chosen).status_code == 201


def test_disable_shares_the_service_and_is_audited(app, runner, make_user):
    user, _ = make_user("inspector", "310115")
    assert runner.invoke(args=["users", "disable", user.username]).exit_code == 0
    changed = _user(app, user.id)
    assert changed.active is False and changed.version == 2
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.entity_id == str(user.id)).order_by(AuditEntry.seq.desc())).first()
        assert entry.action == "user.disable" and entry.details["changes"]["active"] == [
            True, False]
