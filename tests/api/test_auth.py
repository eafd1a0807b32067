"""Sign-in on a device, token expiry and revocation, login throttling, the users CLI."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta

import redis
from sqlalchemy import select

from server.auth.models import DeviceToken, User
from server.clock import utcnow
from server.extensions import db

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _token(client, user, password, device="tablet-1"):
    return client.post("/api/v1/auth/token", json={"username": user.username,
                                                   "password": password, "device_id": device})


def test_token_is_issued_bound_to_the_device_and_only_its_hash_is_stored(app, client,
                                                                          make_user):
    user, password = make_user("inspector")
    response = _token(client, user, password)
    assert response.status_code == 201
    body = response.get_json()
    assert body["device_id"] == "tablet-1" and body["user"]["role"] == "inspector"
    with app.app_context():
        stored = db.session.scalars(select(DeviceToken)).one()
        assert stored.device_id == "tablet-1"
        assert body["access_token"] not in (stored.token_hash, stored.id.hex)
        assert len(stored.token_hash) == 64
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.get_json()["username"] == user.username


def test_wrong_password_and_unknown_user_get_the_same_401(client, make_user):
    user, _ = make_user()
    wrong = _token(client, user, "not-the-password-at-all")
    unknown = client.post("/api/v1/auth/token", json={"username": "nobody", "password": "x" * 12,
                                                      "device_id": "d"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json()["detail"] == unknown.get_json()["detail"]


def test_expired_token_is_refused(app, client, make_user):
    user, password = make_user()
    token = _token(client, user, password).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    with app.app_context():
        stored = db.session.scalars(select(DeviceToken)).one()
        stored.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    response = client.get("/api/v1/auth/me", headers=headers)
    assert response.status_code == 401
    assert "expired" in response.get_json()["detail"]


def test_revoking_a_device_stops_its_token_at_the_next_request(client, make_user):
    user, password = make_user()
    lost, kept = ({"Authorization": "Bearer " + _token(client, user, password, device)
                   .get_json()["access_token"]} for device in ("lost", "kept"))
    listed = client.get("/api/v1/auth/devices", headers=kept).get_json()
    assert sorted(d["device_id"] for d in listed) == ["kept", "lost"]
    response = client.delete("/api/v1/auth/devices/lost", headers=kept)
    assert response.status_code == 200 and response.get_json()["revoked"] == 1
    refused = client.get("/api/v1/auth/me", headers=lost)
    assert refused.status_code == 401 and "revoked" in refused.get_json()["detail"]
    assert client.get("/api/v1/auth/me", headers=kept).status_code == 200


def test_signing_in_again_on_a_device_revokes_its_previous_token(client, make_user):
    user, password = make_user()
    first = _token(client, user, password).get_json()["access_token"]
    second = _token(client, user, password).get_json()["access_token"]
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {first}"}
                      ).status_code == 401
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {second}"}
                      ).status_code == 200


def test_supervisor_revokes_an_inspectors_lost_tablet_in_their_district_only(client, make_user,
                                                                              login):
    pudong, pw1 = make_user("inspector", "310115")
    huangpu, pw2 = make_user("inspector", "310101")
    _token(client, pudong, pw1, "pudong-tablet")
    _token(client, huangpu, pw2, "huangpu-tablet")
    supervisor = login("supervisor", "310115")
    assert client.delete("/api/v1/auth/devices/pudong-tablet", headers=supervisor
                         ).status_code == 200
    assert client.delete("/api/v1/auth/devices/huangpu-tablet", headers=supervisor
                         ).status_code == 404
    inspector = login("inspector", "310115")
    _token(client, huangpu, pw2, "huangpu-tablet-2")
    assert client.delete("/api/v1/auth/devices/huangpu-tablet-2", headers=inspector
                         ).status_code == 404


def test_disabled_user_cannot_sign_in_and_loses_live_tokens(app, client, make_user, runner):
    user, password = make_user()
    token = _token(client, user, password).get_json()["access_token"]
    result = runner.invoke(args=["users", "disable", user.username])
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}
                      ).status_code == 401
    assert _token(client, user, password).status_code == 401


def test_failed_logins_are_rate_limited_even_for_the_right_password(app, client, make_user):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    user, password = make_user()
    for _ in range(3):
        assert _token(client, user, "wrong-password-123").status_code == 401
    limited = _token(client, user, password)
    assert limited.status_code == 429
    assert limited.content_type == "application/problem+json"
    assert limited.get_json()["type"] == "/api/v1/problems/rate-limited"
    assert limited.get_json()["detail"] == "Too many requests: at most 3 per 1 minute."
    assert int(limited.headers["Retry-After"]) > 0


def test_successful_logins_do_not_count_towards_the_limit(app, client, make_user):
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    user, password = make_user()
    for number in range(4):
        assert _token(client, user, password, f"d{number}").status_code == 201


def test_throttling_one_username_does_not_lock_out_another(app, client, make_user):
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    victim, _ = make_user()
    other, password = make_user()
    for _ in range(3):
        _token(client, victim, "wrong-password-123")
    assert _token(client, other, password).status_code == 201


def test_users_cli_creates_with_password_from_stdin(app, runner):
    result = runner.invoke(args=["users", "create", "wang.fang", "--role", "supervisor",
                                 "--district", "310115", "--password-stdin"],
                           input="a-long-enough-password\n")
    assert result.exit_code == 0, result.output
    assert "password:" not in result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "wang.fang"))
        assert user.role == "supervisor" and user.password_hash.startswith("$argon2id$")
    listed = runner.invoke(args=["users", "list"])
    assert "wang.fang\tsupervisor\t310115\tactive" in listed.output


def test_users_cli_refuses_a_short_password_an_unknown_district_and_an_uncertified_inspector(
        runner):
    result = runner.invoke(args=["users", "create", "li", "--role", "inspector", "--district",
                                 "319999", "--password-stdin"], input="short\n")
    assert result.exit_code == 1
    for field in ("password", "district", "certificate_no"):
        assert field in result.output


def test_users_cli_generates_and_prints_a_password_once_without_stdin(runner):
    result = runner.invoke(args=["users", "create", "zhao", "--role", "legal", "--district",
                                 "310000"])
    assert result.exit_code == 0 and "password:" in result.output


def test_failed_sign_ins_on_the_api_and_the_console_count_together(app, client, make_user):
    from tests.console.conftest import Console

    app.config["LOGIN_RATE_LIMIT"] = "4 per minute"
    user, password = make_user()
    console = Console(app.test_client())
    assert [_token(client, user, "wrong-password-123").status_code for _ in range(2)] == [401] * 2
    assert [console.sign_in(user.username, "wrong").status_code for _ in range(2)] == [401] * 2
    assert _token(client, user, password).status_code == 429
    assert console.sign_in(user.username, password).status_code == 429


def _proxied_app(app, **config):
    """Another app on the same database, built with `config` (e.g. behind a proxy)."""
    from server import create_app

    keep = ("TESTING", "SQLALCHEMY_DATABASE_URI", "EVIDENCE_STORE", "PASSWORD_HASH",
            "SECRET_KEY", "AUDIT_SEAL_KEY", "CASE_EXPORT_DIR")
    return create_app({name: app.config[name] for name in keep} | config)


def _sign_in_from(client, user, password, forwarded_for):
    return client.post("/api/v1/auth/token", headers={"X-Forwarded-For": forwarded_for}, json={
        "username": user.username, "password": password, "device_id": "tablet-x"})


def test_behind_a_trusted_proxy_each_client_address_has_its_own_count(app, make_user):
    user, password = make_user()
    proxied = _proxied_app(app, TRUSTED_PROXIES=1, LOGIN_RATE_LIMIT="2 per minute")
    client = proxied.test_client()
    assert [_sign_in_from(client, user, "wrong-password", "203.0.113.7").status_code
            for _ in range(3)] == [401, 401, 429]
    assert _sign_in_from(client, user, password, "198.51.100.4").status_code == 201


def test_without_a_trusted_proxy_a_forged_forwarded_address_does_not_escape_the_count(
        app, client, make_user):
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    user, password = make_user()
    statuses = [_sign_in_from(client, user, "wrong-password", f"203.0.113.{n}").status_code
                for n in range(3)]
    assert statuses == [401, 401, 429]


def test_the_failed_sign_in_count_lives_in_the_shared_store_when_one_is_configured(
        app, make_user):
    store = redis.Redis.from_url(REDIS_URL)
    store.ping()  # .ci/run starts Redis: a missing server fails here, never skips
    prefix = f"test-{secrets.token_hex(6)}"
    user, _ = make_user()
    shared = _proxied_app(app, RATELIMIT_STORAGE_URI=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix,
                          LOGIN_RATE_LIMIT="2 per minute")
    try:
        for client in (shared.test_client(), shared.test_client()):
            assert _token(client, user, "wrong-password-123").status_code == 401
        assert _token(shared.test_client(), user, "wrong-password-123").status_code == 429
        counted = [key for key in store.scan_iter(f"*{prefix}*") if b"/sign-in/" in key]
        assert counted and user.username.encode() in counted[0]
    finally:
        for key in store.scan_iter(f"*{prefix}*"):
            store.delete(key)
