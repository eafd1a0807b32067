"""The accounts page: admins list, create, edit and reset accounts of their scope through the
accounts service (audited, versioned); supervisors read their district's; nobody else opens it;
a generated password is shown once and never again."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from server import clock
from tests.console.conftest import OTHER, OWN

CITY = "310000"
SECRET_MARKS = ("argon2", "password_hash", "$argon")


def _password(response) -> str:
    """The generated password the page shows once."""
    found = re.search(r'id="generated-password">([^<]+)<', response.get_data(as_text=True))
    assert found, response.get_data(as_text=True)
    return found.group(1)


def _stamp(page: str) -> str:
    """The password a page's reset form means to replace (its stamp)."""
    found = re.search(r'name="replaces" value="([0-9a-f]+)"', page)
    assert found, page
    return found.group(1)


def _user(app, user_id):
    from server.auth.models import User
    from server.extensions import db

    with app.app_context():
        return db.session.get(User, user_id)


def _audit(app, user_id) -> list:
    from server.audit.models import AuditEntry
    from server.extensions import db

    with app.app_context():
        return db.session.scalars(select(AuditEntry).where(
            AuditEntry.entity_id == str(user_id)).order_by(AuditEntry.seq)).all()


def _api_sign_in(client, username: str, password: str) -> int:
    return client.post("/api/v1/auth/token", json={
        "username": username, "password": password, "device_id": "tablet-acc"}).status_code


def _form(user, **changes) -> dict:
    """The edit form as the page fills it for `user`, with `changes` typed over it."""
    return {"display_name": user.display_name, "role": user.role, "district": user.district,
            "certificate_no": user.certificate_no or "",
            "certificate_expires": user.certificate_expires.isoformat()
            if user.certificate_expires else "",
            "active": "true" if user.active else "false", "version": user.version} | changes


@pytest.mark.parametrize(("role", "shown"), [("admin", True), ("supervisor", True),
                                             ("inspector", False), ("legal", False)])
def test_the_accounts_link_is_shown_only_to_roles_that_may_open_the_page(console, role, shown):
    page = console(role, OWN).get("/console/enterprises").get_data(as_text=True)
    assert ('href="/console/accounts"' in page) is shown


@pytest.mark.parametrize("role", ["inspector", "legal"])
def test_inspectors_and_legal_staff_may_not_open_accounts(console, make_user, role):
    session = console(role, OWN)
    other, _ = make_user("inspector", OWN)
    for url in ("/console/accounts", f"/console/accounts/{other.id}"):
        response = session.get(url)
        assert response.status_code == 403
        assert other.username not in response.get_data(as_text=True)
    assert session.post("/console/accounts", data={
        "username": "sneaky", "role": "legal", "district": OWN}).status_code == 403
    assert session.post(f"/console/accounts/{other.id}/password").status_code == 403


def test_a_district_supervisor_reads_only_their_districts_accounts_without_forms(
        console, make_user):
    mine, _ = make_user("inspector", OWN)
    theirs, _ = make_user("inspector", OTHER)
    session = console("supervisor", OWN)
    page = session.get("/console/accounts").get_data(as_text=True)
    assert mine.username in page and theirs.username not in page
    assert 'id="new-account"' not in page
    assert 'method="post"' not in page.split("<main")[1]  # only the filters' GET form
    detail = session.get(f"/console/accounts/{mine.id}")
    assert detail.status_code == 200
    text = detail.get_data(as_text=True)
    assert mine.certificate_no in text
    assert f'action="/console/accounts/{mine.id}' not in text  # neither edit nor reset
    assert session.get(f"/console/accounts/{theirs.id}").status_code == 404
    assert session.post(f"/console/accounts/{mine.id}",
                        data=_form(mine, display_name="改名")).status_code == 403
    assert _user(session.client.application, mine.id).display_name == mine.display_name


def test_a_city_admin_filters_accounts_by_district_role_and_active(app, console, make_user):
    own_inspector, _ = make_user("inspector", OWN)
    own_legal, _ = make_user("legal", OWN)
    other_inspector, _ = make_user("inspector", OTHER)
    gone, _ = make_user("inspector", OWN)
    with app.app_context():
        from server.auth import accounts

        accounts.update_user(None, gone.id, None, {"active": False})
    session = console("admin", CITY)
    every = session.get("/console/accounts").get_data(as_text=True)
    assert all(u.username in every for u in (own_inspector, own_legal, other_inspector, gone))
    found = session.get(f"/console/accounts?district={OWN}&role=inspector&active=true")
    text = found.get_data(as_text=True)
    assert own_inspector.username in text
    assert own_legal.username not in text and other_inspector.username not in text
    assert gone.username not in text
    disabled = session.get("/console/accounts?active=false").get_data(as_text=True)
    assert gone.username in disabled and own_inspector.username not in disabled
    assert session.get("/console/accounts?role=wizard").status_code == 422


def test_an_admin_creates_an_account_and_sees_its_password_once(app, client, console):
    session = console("admin", OWN)
    expires = (clock.today_shanghai() + timedelta(days=200)).isoformat()
    response = session.post("/console/accounts", data={
        "username": "zhang.san", "display_name": "张三", "role": "inspector",
        "district": OWN, "certificate_no": "沪环执000123", "certificate_expires": expires})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    password = _password(response)
    assert _api_sign_in(client, "zhang.san", password) == 403  # right, but temporary
    listed = session.get("/console/accounts").get_data(as_text=True)
    assert "zhang.san" in listed and password not in listed
    with session.client.session_transaction() as cookie:  # not flashed, not in the cookie
        assert password not in repr(dict(cookie))
    created = re.search(r'href="/console/accounts/([0-9a-f-]{36})">zhang\.san<', listed)
    detail = session.get(f"/console/accounts/{created.group(1)}").get_data(as_text=True)
    assert password not in detail and "沪环执000123" in detail
    entry = _audit(app, created.group(1))[0]
    assert entry.action == "user.create" and entry.actor_id == str(session.user.id)
    assert password not in repr(entry.details)


def test_a_refused_creation_keeps_what_was_typed_and_says_why(console, make_user):
    session = console("admin", OWN)
    response = session.post("/console/accounts", data={
        "username": "li.si", "display_name": "李四", "role": "inspector", "district": OWN})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert 'value="li.si"' in text and 'value="李四"' in text
    assert "执法人员须有执法证号及其有效期" in text
    assert 'id="generated-password"' not in text
    taken, _ = make_user("legal", OWN)
    again = session.post("/console/accounts", data={
        "username": taken.username, "role": "legal", "district": OWN})
    assert again.status_code == 409
    assert f"用户名“{taken.username}”已被使用。" in again.get_data(as_text=True)


def test_a_district_admin_creates_accounts_in_their_district_only(console):
    session = console("admin", OWN)
    form = session.get("/console/accounts").get_data(as_text=True)
    offered = set(re.findall(r'<option value="(\d{6})"', form.split('id="new-account"')[1]))
    assert offered == {OWN}
    refused = session.post("/console/accounts", data={
        "username": "wang.wu", "role": "legal", "district": OTHER})
    assert refused.status_code == 403
    assert session.get("/console/accounts?name=wang.wu").get_data(as_text=True).count(
        "wang.wu</a>") == 0


def test_an_admin_renews_a_certificate_and_the_change_is_audited(app, console, make_user):
    inspector, password = make_user("inspector", OWN)
    session = console("admin", OWN)
    renewed = (clock.today_shanghai() + timedelta(days=730)).isoformat()
    response = session.post(f"/console/accounts/{inspector.id}", data=_form(
        inspector, certificate_no="沪环执999999", certificate_expires=renewed))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/console/accounts/{inspector.id}"
    now = _user(app, inspector.id)
    assert (now.certificate_no, now.certificate_expires.isoformat(), now.version) == (
        "沪环执999999", renewed, 2)
    entry = _audit(app, inspector.id)[-1]
    assert entry.action == "user.update" and entry.actor_id == str(session.user.id)
    assert entry.details["changes"]["certificate_no"] == [inspector.certificate_no,
                                                          "沪环执999999"]
    assert "沪环执999999" in session.get(response.headers["Location"]).get_data(as_text=True)


def test_disabling_an_account_ends_its_tokens_and_is_audited(app, client, console, make_user):
    legal, password = make_user("legal", OWN)
    response = client.post("/api/v1/auth/token", json={
        "username": legal.username, "password": password, "device_id": "pc-1"})
    bearer = {"Authorization": f"Bearer {response.get_json()['access_token']}"}
    session = console("admin", OWN)
    saved = session.post(f"/console/accounts/{legal.id}", data=_form(legal, active="false"))
    assert saved.status_code == 303
    assert _user(app, legal.id).active is False
    assert client.get("/api/v1/auth/me", headers=bearer).status_code == 401
    entry = _audit(app, legal.id)[-1]
    assert entry.action == "user.disable" and entry.details["revoked_tokens"] == 1
    assert 'id="account-status">停用<' in session.get(
        f"/console/accounts/{legal.id}").get_data(as_text=True)


def test_an_edit_of_an_account_someone_changed_meanwhile_says_so_and_saves_nothing(
        app, console, make_user):
    inspector, _ = make_user("inspector", OWN)
    session = console("admin", OWN)
    with app.app_context():
        from server.auth import accounts

        accounts.update_user(None, inspector.id, 1, {"display_name": "别人改的"})
    response = session.post(f"/console/accounts/{inspector.id}",
                            data=_form(inspector, display_name="我改的", version=1))
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    conflict = text.split('id="version-conflict"')[1].split("</div>")[0]
    assert "其他人修改了该账户" in conflict and "我改的" in conflict and "别人改的" in conflict
    assert 'name="version" value="2"' in text  # the form is the account as it is now
    assert 'name="display_name" value="别人改的"' in text
    assert _user(app, inspector.id).display_name == "别人改的"


def test_an_invalid_edit_is_refused_with_the_reason_next_to_the_form(app, console, make_user):
    inspector, _ = make_user("inspector", OWN)
    session = console("admin", OWN)
    response = session.post(f"/console/accounts/{inspector.id}",
                            data=_form(inspector, certificate_no="", certificate_expires=""))
    assert response.status_code == 422
    assert "执法人员须有执法证号及其有效期" in response.get_data(as_text=True)
    assert _user(app, inspector.id).certificate_no == inspector.certificate_no
    garbled = session.post(f"/console/accounts/{inspector.id}",
                           data=_form(inspector, certificate_expires="30.11.2026"))
    assert garbled.status_code == 422
    assert "不是有效的日期。" in garbled.get_data(as_text=True)


def test_an_admin_may_not_disable_themselves(app, console):
    session = console("admin", OWN)
    me = _user(app, session.user.id)
    response = session.post(f"/console/accounts/{me.id}", data=_form(me, active="false"))
    assert response.status_code == 422
    assert "不能用于自己的账户" in response.get_data(as_text=True)
    assert _user(app, me.id).active is True


def test_a_password_reset_shows_a_new_password_once_and_ends_the_old_one(
        app, client, console, make_user):
    inspector, old = make_user("inspector", OWN)
    session = console("admin", OWN)
    stamp = _stamp(session.get(f"/console/accounts/{inspector.id}").get_data(as_text=True))
    response = session.post(f"/console/accounts/{inspector.id}/password",
                            data={"replaces": stamp})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    new = _password(response)
    assert _api_sign_in(client, inspector.username, old) == 401
    assert _api_sign_in(client, inspector.username, new) == 403  # right, but temporary
    assert new not in session.get(f"/console/accounts/{inspector.id}").get_data(as_text=True)
    assert _audit(app, inspector.id)[-1].action == "user.password_reset"
    theirs, _ = make_user("inspector", OTHER)
    assert session.post(f"/console/accounts/{theirs.id}/password").status_code == 404


def test_certificates_expiring_within_30_days_are_highlighted(console, make_user):
    today = clock.today_shanghai()
    soon, _ = make_user("inspector", OWN, certificate_expires=today + timedelta(days=10))
    later, _ = make_user("inspector", OWN, certificate_expires=today + timedelta(days=31))
    lapsed, _ = make_user("inspector", OWN, certificate_expires=today - timedelta(days=1))
    page = console("supervisor", OWN).get("/console/accounts").get_data(as_text=True)

    def row(user) -> str:
        return page.split(f">{user.username}</a>")[1].split("</tr>")[0]

    assert 'class="badge badge-warn cert-expiring"' in row(soon) and "10 天后到期" in row(soon)
    assert "badge" not in row(later)
    assert 'cert-expired' in row(lapsed) and "已过期" in row(lapsed)
    assert "2 个执法证已过期或将在 30 天内到期" in page  # of active accounts in the scope


def test_account_pages_render_no_secret_and_carry_the_security_headers(console, make_user):
    inspector, _ = make_user("inspector", OWN)
    session = console("admin", OWN)
    for url in ("/console/accounts", f"/console/accounts/{inspector.id}"):
        response = session.get(url)
        text = response.get_data(as_text=True).lower()
        assert not [mark for mark in SECRET_MARKS if mark in text]
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["Cache-Control"] == "no-store"
        assert "<script>" not in text


def test_account_forms_without_the_csrf_token_are_refused(app, console, make_user):
    inspector, _ = make_user("inspector", OWN)
    session = console("admin", OWN)
    bare = session.client.post(f"/console/accounts/{inspector.id}/password")
    assert bare.status_code == 400
    forged = session.client.post(f"/console/accounts/{inspector.id}", data={
        **_form(inspector, active="false"), "csrf_token": "forged"})
    assert forged.status_code == 400
    assert session.client.post("/console/accounts", data={
        "username": "csrf.less", "role": "legal", "district": OWN}).status_code == 400
    assert _user(app, inspector.id).active is True


def test_a_city_admin_may_create_a_city_wide_account(app, console):
    session = console("admin", CITY)
    form = session.get("/console/accounts").get_data(as_text=True).split('id="new-account"')[1]
    assert f'<option value="{CITY}">全市</option>' in form
    assert f'<option value="{OTHER}">' in form
    response = session.post("/console/accounts", data={
        "username": "city.supervisor", "role": "supervisor", "district": CITY})
    assert response.status_code == 201
    listed = session.get(f"/console/accounts?district={CITY}").get_data(as_text=True)
    assert "city.supervisor</a>" in listed
