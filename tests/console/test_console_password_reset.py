"""A password reset from the console happens once per form: the form names the password it
replaces (a stamp of the stored hash, not the password), so reloading the page that shows the
new password (the browser sends the POST again) answers that it was already reset and resets
nothing; the new password is never kept to show it again."""

from __future__ import annotations

from sqlalchemy import select

from tests.console.conftest import OWN
from tests.console.test_console_accounts import _api_sign_in, _password, _stamp


def _resets(app, user_id) -> int:
    from server.audit.models import AuditEntry
    from server.extensions import db

    with app.app_context():
        return len(db.session.scalars(select(AuditEntry).where(
            AuditEntry.entity_id == str(user_id),
            AuditEntry.action == "user.password_reset")).all())


def test_reloading_the_new_password_page_does_not_reset_the_password_again(
        app, client, console, make_user):
    inspector, _ = make_user("inspector", OWN)
    session = console("admin", OWN)
    form = {"replaces": _stamp(session.get(f"/console/accounts/{inspector.id}")
                               .get_data(as_text=True))}
    first = session.post(f"/console/accounts/{inspector.id}/password", data=form)
    assert first.status_code == 200
    password = _password(first)
    reloaded = session.post(f"/console/accounts/{inspector.id}/password", data=form)
    assert reloaded.status_code == 409
    page = reloaded.get_data(as_text=True)
    assert 'id="generated-password"' not in page and password not in page
    assert "密码未再次重置：打开此表单后，该账户的密码已被重置或修改" in page
    assert _resets(app, inspector.id) == 1
    # still the first reset's password: right (a wrong one is 401), and temporary
    assert _api_sign_in(client, inspector.username, password) == 403
    with session.client.session_transaction() as cookie:
        assert password not in repr(dict(cookie))
    again = session.post(f"/console/accounts/{inspector.id}/password",
                         data={"replaces": _stamp(page)})  # the page's "reset again"
    assert again.status_code == 200 and _password(again) != password
    assert _resets(app, inspector.id) == 2


def test_a_reset_form_without_the_current_stamp_resets_nothing(app, console, make_user):
    inspector, _ = make_user("inspector", OWN)
    session = console("admin", OWN)
    stamp = _stamp(session.get(f"/console/accounts/{inspector.id}").get_data(as_text=True))
    for sent in ({}, {"replaces": ""}, {"replaces": "0" * len(stamp)}, {"replaces": "密码"}):
        response = session.post(f"/console/accounts/{inspector.id}/password", data=sent)
        assert response.status_code == 409
        assert 'id="generated-password"' not in response.get_data(as_text=True)
    assert _resets(app, inspector.id) == 0


def test_the_stamp_reveals_nothing_of_the_stored_hash_and_changes_with_it(app, console,
                                                                          make_user):
    from server.auth.models import User
    from server.extensions import db

    inspector, _ = make_user("inspector", OWN)
    session = console("admin", OWN)
    stamp = _stamp(session.get(f"/console/accounts/{inspector.id}").get_data(as_text=True))
    with app.app_context():
        stored = db.session.get(User, inspector.id).password_hash
    assert stamp not in stored and stored.split("$")[-1] not in stamp
    assert session.post(f"/console/accounts/{inspector.id}/password",
                        data={"replaces": stamp}).status_code == 200
    assert _stamp(session.get(f"/console/accounts/{inspector.id}")
                  .get_data(as_text=True)) != stamp


def test_the_already_reset_page_in_english(console, make_user):
    inspector, _ = make_user("inspector", OWN)
    session = console("admin", OWN)
    assert session.post("/console/language", data={"lang": "en"}).status_code == 303
    page = session.post(f"/console/accounts/{inspector.id}/password",
                        data={"replaces": "stale"}).get_data(as_text=True)
    assert "The password was not reset again" in page
    assert "Reset the password again" in page
