"""Every error class leaves the server as RFC 9457 problem+json; no stack trace leaks."""

from __future__ import annotations

import pytest

PROBLEM_KEYS = {"type", "title", "status", "detail"}


def assert_problem(response, status: int, slug: str) -> dict:
    """The response is a problem of the given type."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert PROBLEM_KEYS <= set(body)
    assert body["type"] == f"/api/v1/problems/{slug}"
    assert body["status"] == status
    return body


def test_unknown_route_is_a_404_problem(client):
    assert_problem(client.get("/api/v1/nothing-here"), 404, "not-found")


def test_wrong_method_is_a_405_problem_with_allow_header(client):
    response = client.delete("/healthz")
    assert_problem(response, 405, "method-not-allowed")
    assert "GET" in response.headers["Allow"]


def test_missing_token_is_a_401_problem_with_challenge(client):
    response = client.get("/api/v1/enterprises")
    assert_problem(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_role_without_permission_is_a_403_problem(client, login, enterprise_body):
    body = assert_problem(client.post("/api/v1/enterprises", json=enterprise_body(),
                                      headers=login("inspector")), 403, "forbidden")
    assert "enterprise.create" in body["detail"]


def test_non_json_body_is_a_415_problem(client, login):
    response = client.post("/api/v1/enterprises", data="name=x",
                           headers=login() | {"Content-Type": "text/plain"})
    assert_problem(response, 415, "unsupported-media-type")


def test_malformed_json_is_a_400_problem(client, login):
    response = client.post("/api/v1/enterprises", data="{not json",
                           headers=login() | {"Content-Type": "application/json"})
    body = assert_problem(response, 400, "bad-request")
    assert "JSON" in body["detail"]


def test_field_errors_are_a_422_problem_keyed_by_field(client, login):
    response = client.post("/api/v1/enterprises", json={"name": 7, "district": "x"},
                           headers=login())
    body = assert_problem(response, 422, "validation-error")
    assert {"name", "district", "credit_code", "permit_class"} <= set(body["errors"])


def test_oversized_body_is_a_413_problem(app, client, login):
    headers = login()
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/api/v1/enterprises", data=b"[" + b"1," * 2000 + b"1]",
                           headers=headers | {"Content-Type": "application/json"})
    assert_problem(response, 413, "payload-too-large")


def test_stale_version_is_a_409_problem_with_the_current_version(client, login,
                                                                 enterprise_body):
    headers = login()
    created = client.post("/api/v1/enterprises", json=enterprise_body(), headers=headers)
    url = f"/api/v1/enterprises/{created.get_json()['id']}"
    assert client.patch(url, json={"version": 1, "name": "新名称一"},
                        headers=headers).status_code == 200
    body = assert_problem(client.patch(url, json={"version": 1, "name": "新名称二"},
                                       headers=headers), 409, "version-conflict")
    assert body["current_version"] == 2


def test_unexpected_exception_is_a_500_problem_without_a_trace(app, client, monkeypatch):
    from server import health

    def explode():
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setattr(health, "store_from_url", lambda url: explode())
    response = client.get("/healthz")
    body = assert_problem(response, 500, "internal-error")
    text = response.get_data(as_text=True)
    assert "secret internals" not in text and "Traceback" not in text
    assert body["error_id"]


@pytest.mark.parametrize("path", ["/api/v1/enterprises?page=0", "/api/v1/enterprises?per_page=9999",
                                  "/api/v1/enterprises?crs=bd09",
                                  "/api/v1/enterprises?positive_list=maybe"])
def test_bad_query_parameters_are_422_problems(client, login, path):
    assert_problem(client.get(path, headers=login()), 422, "validation-error")


def test_bad_uuid_in_path_is_a_404_problem(client, login):
    assert_problem(client.get("/api/v1/enterprises/not-a-uuid", headers=login()), 404,
                   "not-found")


@pytest.mark.parametrize("error", ["operational", "pending-rollback"])
def test_a_lost_database_connection_is_a_503_problem_with_retry_after(client, login,
                                                                       monkeypatch, error):
    from sqlalchemy.exc import OperationalError, PendingRollbackError

    from server.registry import service

    headers = login("supervisor")

    def connection_lost(*_args, **_kwargs):
        if error == "pending-rollback":  # the transaction died under an earlier statement
            raise PendingRollbackError("Can't reconnect until invalid transaction is rolled "
                                       "back; server closed the connection")
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    monkeypatch.setattr(service, "list_enterprises", connection_lost)
    response = client.get("/api/v1/enterprises", headers=headers)
    body = assert_problem(response, 503, "service-unavailable")
    assert response.headers["Retry-After"] == "5"
    assert "server closed" not in body["detail"]


def test_a_full_evidence_store_is_a_507_problem_and_keeps_no_bytes(app, client, login,
                                                                  monkeypatch, tmp_path):
    import base64
    import errno
    import hashlib

    from server.evidence import storage

    headers = {**login("inspector", device_id="tablet-1"), "Tus-Resumable": "1.0.0"}
    data = b"\xff\xd8" + b"x" * 5000
    meta = f"sha256 {base64.b64encode(hashlib.sha256(data).hexdigest().encode()).decode()}"
    created = client.post("/api/v1/uploads/", headers={
        **headers, "Upload-Length": str(len(data)), "Upload-Metadata": meta})
    assert created.status_code == 201

    def disk_full(self, chunk: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage._FilePart, "write", disk_full)
    response = client.patch(created.headers["Location"], data=data, headers={
        **headers, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})
    assert_problem(response, 507, "insufficient-storage")
    head = client.head(created.headers["Location"], headers=headers)
    assert head.headers["Upload-Offset"] == "0"
    staged = list((tmp_path / "evidence").rglob("*"))
    assert not [p for p in staged if p.is_file()], staged
