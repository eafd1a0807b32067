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
