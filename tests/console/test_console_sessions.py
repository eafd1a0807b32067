"""Console sessions: sign-in and out, throttling, CSRF, headers, languages, formats, refusals."""

from __future__ import annotations

import io

from tests.console.conftest import OWN, Console
from tests.console.reading import task_team


def test_sign_in_sets_a_strict_session_cookie_and_lands_on_the_roles_page(app, make_user):
    user, password = make_user("supervisor", OWN)
    session = Console(app.test_client())
    response = session.sign_in(user.username, password)
    assert response.status_code == 303
    assert response.headers["Location"] == "/console/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert session.get("/console/").headers["Location"] == "/console/map"


def test_legal_staff_land_on_the_case_desk(console):
    assert console("legal").get("/console/").headers["Location"] == "/console/cases"


def test_wrong_password_is_refused_with_401_and_no_session(app, make_user):
    user, _ = make_user("supervisor", OWN)
    session = Console(app.test_client())
    response = session.sign_in(user.username, "not the password")
    assert response.status_code == 401
    assert "错误" in response.get_data(as_text=True) or "密码" in response.get_data(as_text=True)
    assert session.get("/console/map").status_code == 302


def test_pages_redirect_to_sign_in_without_a_session(client):
    response = client.get("/console/tasks")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/console/login?next=/console/tasks")


def test_sign_in_never_redirects_off_site(app, make_user):
    user, password = make_user("supervisor", OWN)
    session = Console(app.test_client())
    response = session.client.post("/console/login", data={
        "username": user.username, "password": password, "csrf_token": session.csrf(),
        "next": "//evil.example/console/x"})
    assert response.headers["Location"] == "/console/"


def test_repeated_failed_sign_ins_are_throttled(app, make_user):
    user, _ = make_user("supervisor", OWN)
    session = Console(app.test_client())
    statuses = [session.sign_in(user.username, "wrong").status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    assert "429" in session.sign_in(user.username, "wrong").get_data(as_text=True)


def test_padding_the_username_with_spaces_counts_as_the_same_user(app, make_user):
    user, password = make_user("supervisor", OWN)
    session = Console(app.test_client())
    statuses = [session.sign_in(" " * n + user.username + " " * (n % 2), "wrong").status_code
                for n in range(6)]
    assert statuses == [401] * 5 + [429]
    assert session.sign_in(" " * 9 + user.username, password).status_code == 429


def test_forms_without_the_csrf_token_are_refused(app, make_user, console, world):
    user, password = make_user("supervisor", OWN)
    bare = app.test_client()
    assert bare.post("/console/login", data={"username": user.username,
                                             "password": password}).status_code == 400
    session = console("supervisor", OWN)
    task = world[OWN]["task"]
    refused = session.client.post(f"/console/tasks/{task['id']}/assignees", data={
        "inspectors": [str(world[OWN]["inspectors"][0].id),
                       str(world[OWN]["inspectors"][1].id)], "version": task["version"]})
    assert refused.status_code == 400
    wrong = session.client.post(f"/console/tasks/{task['id']}/assignees", data={
        "inspectors": str(world[OWN]["inspectors"][0].id), "version": task["version"],
        "csrf_token": "forged"})
    assert wrong.status_code == 400
    assert task_team(session.get(f"/console/tasks/{task['id']}")) == "—"  # still unassigned


def test_sign_out_revokes_the_session_token(console, client):
    session = console("supervisor", OWN)
    assert session.get("/console/map").status_code == 200
    assert session.post("/console/logout").status_code == 303
    assert session.get("/console/map").status_code == 302


def test_revoking_the_device_ends_a_console_session(console, login, client):
    session = console("supervisor", OWN)
    with session.client.session_transaction() as cookie:
        token = cookie["token"]
    from server.auth import service

    with client.application.app_context():
        device = service.actor_for_token(token).device_id
    admin = login("admin", "310000")
    assert client.delete(f"/api/v1/auth/devices/{device}", headers=admin).status_code == 200
    assert session.get("/console/map").status_code == 302


def test_security_headers_on_console_pages(console):
    response = console("supervisor").get("/console/map")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "<script>" not in response.get_data(as_text=True)


def test_chinese_by_default_and_english_on_request(console):
    session = console("supervisor")
    zh = session.get("/console/tasks").get_data(as_text=True)
    assert 'lang="zh-CN"' in zh and "任务看板" in zh
    assert session.post("/console/language", data={"lang": "en",
                                                    "next": "/console/tasks"}).status_code == 303
    en = session.get("/console/tasks").get_data(as_text=True)
    assert 'lang="en"' in en and "Task board" in en


def test_money_in_yuan_with_thousands_separators_and_times_in_shanghai(app):
    from datetime import UTC, datetime

    from server.console.formatting import moment, money

    with app.test_request_context("/console/cases"):
        assert money(123456789) == "¥1,234,567.89"
        assert money(None) == "—"
        assert moment(datetime(2026, 1, 1, 16, 30, tzinfo=UTC)).startswith("2026年1月2日 00:30")


def test_a_page_of_another_role_is_forbidden_without_a_lookup(console):
    response = console("legal", OWN).get("/console/tasks")
    assert response.status_code == 403
    assert "无权" in response.get_data(as_text=True)


def test_unknown_records_answer_an_html_404(console):
    response = console("legal", OWN).get(f"/console/cases/{__import__('uuid').uuid4()}")
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_every_role_that_may_read_the_register_sees_its_link(console):
    for role in ("inspector", "supervisor", "legal", "admin"):
        session = console(role, OWN)
        home = session.get("/console/enterprises")
        assert home.status_code == 200
        nav = home.get_data(as_text=True).split('<nav aria-label="主导航">')[-1].split("</nav>")[0]
        assert 'href="/console/enterprises"' in nav, role


def _import_upload(client, body: io.BytesIO):
    return client.post("/console/enterprises/import", input_stream=body,
                       content_length=len(body.getvalue()),
                       content_type="multipart/form-data; boundary=xyz")


def _multipart(size: int) -> io.BytesIO:
    """A CSV upload as a multipart body whose position tells how much the server read."""
    return io.BytesIO(b"--xyz\r\nContent-Disposition: form-data; name=\"file\"; "
                        b"filename=\"a.csv\"\r\n\r\n" + b"x" * size + b"\r\n--xyz--\r\n")


def test_a_form_sent_without_a_session_is_turned_away_before_its_body_is_read(app):
    body = _multipart(4 * 2**20)
    response = _import_upload(app.test_client(), body)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/console/login")
    assert body.tell() == 0


def test_a_form_sent_by_a_role_not_allowed_is_refused_before_its_body_is_read(console):
    legal = console("legal")
    body = _multipart(4 * 2**20)
    response = _import_upload(legal.client, body)
    assert response.status_code == 403 and body.tell() == 0
    allowed = _multipart(1024)
    _import_upload(console("supervisor").client, allowed)
    assert allowed.tell() > 0  # signed in with the role, the form is read (CSRF, then file)


def test_a_form_or_query_holding_the_nul_character_is_refused_on_a_console_page(console):
    # a NUL pasted into a field reached the browser as the API's raw problem+json, in English
    session = console("supervisor")
    for response in (session.post("/console/plans", data={"name": "计划\u0000甲"}),
                     session.get("/console/enterprises?name=%00")):
        assert response.status_code == 400 and response.mimetype == "text/html"
        said = response.get_data(as_text=True).split('role="alert"')[1].split("</p>")[0]
        assert "U+0000" in said and "空字符" in said
