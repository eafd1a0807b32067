"""Signing in to the console with a password an administrator set leads to the change-password
page, and no other page opens until the user has chosen their own."""

from __future__ import annotations

from tests.console.conftest import OWN, Console

OWN_CHOICE = "my own passphrase 42"


def _temporary(client, login, user) -> str:
    reset = client.post(f"/api/v1/users/{user.id}/password", headers=login("admin", OWN),
                        json={})
    assert reset.status_code == 200, reset.get_json()
    return reset.get_json()["generated_password"]


def _change(session: Console, username: str, current: str, new: str, confirm: str | None = None,
            next_page: str = ""):
    return session.post("/console/password", {
        "username": username, "password": current, "new_password": new,
        "confirm_password": new if confirm is None else confirm, "next": next_page})


def test_a_temporary_password_leads_to_the_change_page_and_no_other_page_opens(
        app, client, login, make_user):
    user, _ = make_user("supervisor", OWN)
    temporary = _temporary(client, login, user)
    session = Console(app.test_client())
    signed = session.client.post("/console/login", data={
        "username": user.username, "password": temporary, "csrf_token": session.csrf(),
        "next": "/console/tasks"})
    assert signed.status_code == 303
    assert signed.headers["Location"].startswith("/console/password")
    page = session.get(signed.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "临时密码" in html and user.username in html
    for other in ("/console/", "/console/map", "/console/tasks", "/console/accounts"):
        assert session.get(other).headers["Location"].startswith("/console/login"), other
    changed = _change(session, user.username, temporary, OWN_CHOICE, next_page="/console/tasks")
    assert changed.status_code == 303 and changed.headers["Location"] == "/console/tasks"
    assert session.get("/console/tasks").status_code == 200
    assert Console(app.test_client()).sign_in(user.username, temporary).status_code == 401
    assert Console(app.test_client()).sign_in(user.username, OWN_CHOICE).status_code == 303


def test_a_mismatched_confirmation_or_a_password_breaking_the_rules_changes_nothing(
        app, client, login, make_user):
    user, _ = make_user("legal", OWN)
    temporary = _temporary(client, login, user)
    session = Console(app.test_client())
    mismatched = _change(session, user.username, temporary, OWN_CHOICE, OWN_CHOICE + "!")
    assert mismatched.status_code == 422 and "不一致" in mismatched.get_data(as_text=True)
    short = _change(session, user.username, temporary, "short")
    assert short.status_code == 422 and "12" in short.get_data(as_text=True)
    same = _change(session, user.username, temporary, temporary)
    assert same.status_code == 422
    assert session.get("/console/cases").status_code == 302
    assert session.sign_in(user.username, temporary).headers["Location"].startswith(
        "/console/password")


def test_a_wrong_current_password_is_refused_like_a_sign_in_and_throttled(app, make_user):
    user, password = make_user("supervisor", OWN)
    session = Console(app.test_client())
    statuses = [_change(session, user.username, "not the password", OWN_CHOICE).status_code
                for _ in range(3)]
    statuses += [session.sign_in(user.username, "wrong").status_code for _ in range(3)]
    assert statuses == [401] * 5 + [429]
    assert session.get("/console/map").status_code == 302


def test_a_user_changing_their_own_password_ends_their_other_sessions(app, make_user):
    user, password = make_user("supervisor", OWN)
    desk, laptop = Console(app.test_client()), Console(app.test_client())
    assert desk.sign_in(user.username, password).status_code == 303
    assert laptop.sign_in(user.username, password).status_code == 303
    form = laptop.get("/console/password").get_data(as_text=True)
    assert f'value="{user.username}"' in form  # the signed-in user's own account
    assert _change(laptop, user.username, password, OWN_CHOICE).status_code == 303
    assert laptop.get("/console/map").status_code == 200
    assert desk.get("/console/map").headers["Location"].startswith("/console/login")
