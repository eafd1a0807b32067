"""Input limits (size per endpoint, JSON depth), security headers, cookies, start-up refusal."""

from __future__ import annotations

import io

import pytest

from server.deployment import UnsafeDeployment


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    return response.get_json()


@pytest.mark.parametrize("depth, status", [(30, 422), (33, 400), (5000, 400), (200_000, 400)])
def test_json_nested_too_deep_is_a_400_problem(client, login, depth, status):
    body = "[" * depth + "]" * depth
    response = client.post("/api/v1/rules/evaluate", data=body, headers=login() | {
        "Content-Type": "application/json"})
    problem = _problem(response, status)
    if status == 400:
        assert "deeper than 32" in problem["detail"]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_or_infinity_in_a_json_body_is_a_400_problem_not_stored_as_null(
        client, login, constant):
    body = ('{"device_id": "t", "mutations": [{"mutation_id": "8c5b3f4e-0a51-4f4e-9b1e-'
            '2f7f6b0c1d2e", "entity": "violation", "op": "update", "id": "x", '
            f'"fields": {{"facts": {{"concentration": {constant}}}}}}}]}}')
    response = client.post("/api/v1/sync/push", data=body,
                           headers=login("inspector") | {"Content-Type": "application/json"})
    assert constant.lstrip("-") in _problem(response, 400)["detail"]


def test_a_deep_geojson_import_file_is_refused_not_crashed(client, login):
    deep = ("[" * 100_000 + "]" * 100_000).encode()
    response = client.post("/api/v1/enterprises/import", headers=login(),
                           content_type="multipart/form-data",
                           data={"file": (io.BytesIO(deep), "deep.geojson")})
    assert response.status_code in (400, 422) and response.mimetype == "application/problem+json"


def test_each_endpoint_has_its_own_body_limit(app, client, login):
    headers = login()
    app.config.update(MAX_CONTENT_LENGTH=4096, MAX_IMPORT_BYTES=64 * 1024)
    csv = b"credit_code,name,district,permit_class\n" + b"x,y,310115,key\n" * 1000  # 15 kB
    imported = client.post("/api/v1/enterprises/import", headers=headers,
                           content_type="multipart/form-data",
                           data={"file": (io.BytesIO(csv), "e.csv")})
    assert imported.status_code != 413  # above the JSON limit, within the import limit
    too_big = client.post("/api/v1/enterprises/import", headers=headers,
                          content_type="multipart/form-data",
                          data={"file": (io.BytesIO(csv * 5), "e.csv")})
    assert _problem(too_big, 413)["type"].endswith("/payload-too-large")
    json_body = client.post("/api/v1/rules/evaluate", data=b'{"x": "' + b"y" * 5000 + b'"}',
                            headers=headers | {"Content-Type": "application/json"})
    _problem(json_body, 413)


def test_html_pages_carry_the_security_headers(client):
    page = client.get("/api/v1/docs")
    assert page.mimetype == "text/html"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "X-Frame-Options" not in client.get("/api/v1/openapi.json").headers


def test_debug_pages_get_no_hsts(app, client):
    app.debug = True
    assert "Strict-Transport-Security" not in client.get("/api/v1/docs").headers


def test_session_cookie_flags(app, monkeypatch, tmp_path):
    from server import create_app

    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_SECURE"] is False  # development over plain http
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" + "q3N8v7Xb1LkP0sZr5TgYw2HmC9dJfE4uA6iO")
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.invalid/enforcement")
    production = create_app({"EVIDENCE_STORE": f"file://{tmp_path}"})
    assert production.config["SESSION_COOKIE_SECURE"] is True
    with production.test_request_context("/"):
        from flask import session

        session["x"] = 1
        response = production.make_response("ok")
        production.session_interface.save_session(production, session, response)
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_app_refuses_to_start_in_production_without_a_real_secret_key(monkeypatch):
    from server import create_app

    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.invalid/enforcement")
    with pytest.raises(UnsafeDeployment, match="SECRET_KEY is not set"):
        create_app()
    with pytest.raises(UnsafeDeployment, match="too weak"):
        create_app({"SECRET_KEY": "secret"})
