"""Idempotency-Key: retries replay the first response, once per user and key, then expire."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from sqlalchemy import func, select

KEY = {"Idempotency-Key": "5f1c9a8e-retry-1"}


def _count_enterprises(app) -> int:
    from server.extensions import db
    from server.registry.models import Enterprise

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Enterprise))


def test_a_retry_with_the_same_key_replays_the_first_response(app, client, login,
                                                                 enterprise_body):
    headers = login("supervisor") | KEY
    body = enterprise_body(serial=7)
    first = client.post("/api/v1/enterprises", json=body, headers=headers)
    again = client.post("/api/v1/enterprises", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    assert "Idempotent-Replayed" not in first.headers
    assert _count_enterprises(app) == 1
    # without the key the same request is a new operation and meets the duplicate
    assert client.post("/api/v1/enterprises", json=body,
                       headers=login("supervisor")).status_code == 409


def test_key_order_in_the_json_body_does_not_matter(client, login, enterprise_body):
    headers = login("supervisor") | KEY
    body = enterprise_body(serial=8)
    first = client.post("/api/v1/enterprises", json=body, headers=headers)
    reordered = dict(reversed(list(body.items())))
    assert client.post("/api/v1/enterprises", json=reordered,
                       headers=headers).get_json() == first.get_json()


def test_the_same_key_with_another_body_is_refused_with_422(app, client, login,
                                                            enterprise_body):
    headers = login("supervisor") | KEY
    client.post("/api/v1/enterprises", json=enterprise_body(serial=1), headers=headers)
    other = client.post("/api/v1/enterprises", json=enterprise_body(serial=2), headers=headers)
    assert other.status_code == 422
    assert other.mimetype == "application/problem+json"
    assert other.get_json()["errors"] == {"Idempotency-Key": ["reused"]}
    assert _count_enterprises(app) == 1


def test_keys_belong_to_one_user(app, client, login, enterprise_body):
    first = client.post("/api/v1/enterprises", json=enterprise_body(serial=1),
                        headers=login("supervisor") | KEY)
    second = client.post("/api/v1/enterprises", json=enterprise_body(serial=2),
                         headers=login("supervisor") | KEY)
    assert (first.status_code, second.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in second.headers
    assert _count_enterprises(app) == 2


def test_a_refusal_is_replayed_too(client, login, enterprise_body):
    headers = login("supervisor") | KEY
    body = enterprise_body(serial=3, credit_code="not-a-code")
    first = client.post("/api/v1/enterprises", json=body, headers=headers)
    again = client.post("/api/v1/enterprises", json=body, headers=headers)
    assert first.status_code == again.status_code == 422
    assert again.get_json() == first.get_json()
    assert again.mimetype == "application/problem+json"


def test_a_malformed_key_is_a_problem(client, login, enterprise_body):
    response = client.post("/api/v1/enterprises", json=enterprise_body(),
                           headers=login("supervisor") | {"Idempotency-Key": "x" * 300})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"Idempotency-Key": ["invalid"]}


def test_concurrent_duplicates_execute_once(app, client, login, enterprise_body, monkeypatch):
    from server.registry import service

    original = service.register_enterprise

    def slow(*args, **kwargs):
        time.sleep(0.3)  # widen the window in which the duplicate arrives
        return original(*args, **kwargs)

    monkeypatch.setattr(service, "register_enterprise", slow)
    headers = login("supervisor") | KEY
    body = enterprise_body(serial=9)
    start = threading.Barrier(3)
    results = []

    def send():
        start.wait()
        response = app.test_client().post("/api/v1/enterprises", json=body, headers=headers)
        results.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=send) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert [status for status, _ in results] == [201, 201, 201]
    assert len({body["id"] for _, body in results}) == 1
    assert _count_enterprises(app) == 1


def test_expired_keys_are_purged_and_no_longer_replay(app, client, login, enterprise_body):
    from server import clock
    from server.idempotency import IdempotencyKey, purge_expired_keys
    from server.jobs import JOBS_BY_ID

    assert JOBS_BY_ID["http.purge_idempotency_keys"].target.endswith("purge_expired_keys")
    headers = login("supervisor") | KEY
    client.post("/api/v1/enterprises", json=enterprise_body(serial=4), headers=headers)
    with app.app_context():
        from server.extensions import db

        assert purge_expired_keys(clock.utcnow()) == {"deleted": 0}
        later = clock.utcnow() + timedelta(hours=app.config["IDEMPOTENCY_TTL_HOURS"], minutes=1)
        assert purge_expired_keys(later) == {"deleted": 1}
        assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0
    # the key is free again: the request now runs and meets the registered duplicate
    again = client.post("/api/v1/enterprises", json=enterprise_body(serial=4), headers=headers)
    assert again.status_code == 409


def test_exempt_paths_and_the_openapi_parameter(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    ref = {"$ref": "#/components/parameters/IdempotencyKey"}
    assert spec["components"]["parameters"]["IdempotencyKey"]["in"] == "header"
    assert ref in spec["paths"]["/api/v1/enterprises"]["post"]["parameters"]
    assert ref in spec["paths"]["/api/v1/cases/{case_id}/exports"]["post"]["parameters"]
    assert ref not in spec["paths"]["/api/v1/uploads/"]["post"].get("parameters", [])
    assert ref not in spec["paths"]["/api/v1/auth/token"]["post"].get("parameters", [])


def test_work_after_commit_waits_for_the_request_commit(app):
    from server.extensions import db
    from server.uow import DEFERRED_COMMIT, after_commit, unit_of_work

    ran = []
    with app.app_context():
        after_commit(lambda: ran.append("now"))
        assert ran == ["now"]
        db.session.info[DEFERRED_COMMIT] = []
        with unit_of_work():
            after_commit(lambda: ran.append("later"))
        assert ran == ["now"] and len(db.session.info[DEFERRED_COMMIT]) == 1
        db.session.info.pop(DEFERRED_COMMIT)
        db.session.rollback()


def test_a_multipart_import_is_replayed_by_its_parts(app, client, login):
    import io

    from server.registry.credit_code import make_credit_code

    headers = login("supervisor") | KEY
    csv = ("credit_code,name,district,permit_class\n"
           f"{make_credit_code('310115', 70)},上海重放有限公司,310115,registration\n").encode()

    def send():
        return client.post("/api/v1/enterprises/import", headers=headers,
                           content_type="multipart/form-data",
                           data={"file": (io.BytesIO(csv), "e.csv")})

    first, again = send(), send()  # a new multipart boundary each time
    assert first.status_code == again.status_code == 200, first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert _count_enterprises(app) == 1


def test_a_token_issued_to_a_signed_in_caller_is_never_kept_for_a_replay(app, client,
                                                                         make_user):
    """The token endpoint is not idempotent (the description says so): a caller already
    holding a token who sends a key gets a fresh token each time, and none is stored."""
    from server.extensions import db
    from server.idempotency import IdempotencyKey

    user, password = make_user()
    body = {"username": user.username, "password": password, "device_id": "desk"}
    first = client.post("/api/v1/auth/token", json=body).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {first}", **KEY}
    second = client.post("/api/v1/auth/token", json=body, headers=headers)
    third = client.post("/api/v1/auth/token", json=body, headers=headers)
    assert second.status_code == third.status_code == 201
    assert "Idempotent-Replayed" not in third.headers
    assert second.get_json()["access_token"] != third.get_json()["access_token"]
    with app.app_context():
        assert db.session.scalars(select(IdempotencyKey)).all() == []


def test_a_multipart_body_with_nameless_parts_is_answered_not_a_500(client, login):
    body = (b"--B\r\nContent-Disposition: form-data\r\n\r\nstray\r\n"
            b"--B\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nx\r\n"
            b"--B\r\nContent-Disposition: form-data; filename=\"a.csv\"\r\n\r\nstray\r\n"
            b"--B\r\nContent-Disposition: form-data; name=\"other\"; filename=\"b.csv\"\r\n\r\n"
            b"x\r\n--B--\r\n")
    response = client.post("/api/v1/enterprises/import", data=body,
                           headers=login("supervisor") | KEY,
                           content_type="multipart/form-data; boundary=B")
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
