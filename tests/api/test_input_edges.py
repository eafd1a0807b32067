"""Input at the edges: the NUL character and dates near years 1 and 9999 get a 400/422
problem, and a value the database refuses a 422, never a 500."""

from __future__ import annotations

import json
import uuid

import pytest

OWN = "310115"


@pytest.fixture
def place(client, login, make_user, enterprise_body) -> dict:
    """An enterprise of OWN and two of its inspectors."""
    created = client.post("/api/v1/enterprises", json=enterprise_body(OWN, 1),
                          headers=login("supervisor", OWN))
    assert created.status_code == 201, created.get_json()
    return {"enterprise_id": created.get_json()["id"],
            "inspector_ids": [str(make_user("inspector", OWN)[0].id) for _ in range(2)]}


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    return response.get_json()


def test_nul_in_a_json_body_is_refused_before_sign_in_too(client):
    response = client.post("/api/v1/auth/token", json={
        "username": "admin\u0000", "password": "x", "device_id": "tablet"})
    assert "U+0000" in _problem(response, 400)["detail"]


def test_nul_in_a_key_of_a_nested_object_is_refused(client, login, place):
    response = client.patch(f"/api/v1/enterprises/{place['enterprise_id']}",
                            headers=login("supervisor", OWN),
                            json={"version": 1, "contact": {"na\u0000me": "王"}})
    assert "U+0000" in _problem(response, 400)["detail"]


def test_nul_in_the_query_or_a_console_form_is_refused(client, login):
    response = client.get("/api/v1/enterprises?name=%00", headers=login("supervisor", OWN))
    assert "U+0000" in _problem(response, 400)["detail"]
    # the console answers with its own page (tests/console/test_console_sessions.py)
    response = client.post("/console/login", data={"username": "a\u0000", "password": "x"})
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "U+0000" in response.get_data(as_text=True)


def test_nul_in_a_utf_16_json_body_is_refused_too(client):
    body = json.dumps({"username": "admin\u0000", "password": "x", "device_id": "t"})
    response = client.post("/api/v1/auth/token", data=body.encode("utf-16"),
                           headers={"Content-Type": "application/json"})
    assert "U+0000" in _problem(response, 400)["detail"]


@pytest.mark.parametrize("body", [
    b'{"version": 1, "address": "\\ud800"}',
    b'{"version": 1, "contacts": [{"name": "\\udfff"}]}',
    b'{"version": 1, "contact": {"na\\udfffme": "x"}}',
], ids=["value", "nested", "key"])
def test_a_lone_surrogate_escaped_in_a_json_body_is_refused_not_a_500(client, login, place,
                                                                     body):
    # orjson refuses it and the standard library reads it as a str no UTF-8 encoder (the
    # database driver, the change log) can write.
    response = client.patch(f"/api/v1/enterprises/{place['enterprise_id']}", data=body,
                            headers=login("supervisor", OWN) | {
                                "Content-Type": "application/json"})
    assert "surrogate" in _problem(response, 400)["detail"]


def test_a_lone_surrogate_in_a_pushed_mutation_is_refused_not_a_500(client, login):
    mutation = {"mutation_id": str(uuid.uuid4()), "entity": "inspection", "op": "update",
                "id": str(uuid.uuid4()), "base_version": 1, "fields": {"findings": "\ud800"}}
    body = json.dumps({"device_id": "tablet-1", "mutations": [mutation]}).encode()
    response = client.post("/api/v1/sync/push", data=body, content_type="application/json",
                           headers=login("inspector", OWN, device_id="tablet-1"))
    assert "surrogate" in _problem(response, 400)["detail"]


def test_an_escaped_surrogate_pair_is_one_character(client, login, place):
    response = client.patch(f"/api/v1/enterprises/{place['enterprise_id']}",
                            data=b'{"version": 1, "address": "\\ud83d\\ude00"}',
                            headers=login("supervisor", OWN) | {
                                "Content-Type": "application/json"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["address"] == "\U0001f600"


def test_a_backslash_u_0000_written_as_text_is_only_text(client):
    response = client.post("/api/v1/auth/token", json={
        "username": "admin\\u0000", "password": "x", "device_id": "tablet"})
    assert response.status_code == 401


def _inspection(place, started_at: str) -> dict:
    return place | {"id": str(uuid.uuid4()), "started_at": started_at}


@pytest.mark.parametrize("request_of, names", [
    (lambda place: ("get", "/api/v1/reports/summary?from=0001-01-01&to=0001-12-31", None),
     ("from", "to")),
    (lambda place: ("post", "/api/v1/rules/evaluate",
                    {"violation_code": "AIR_VOC", "occurred_on": "9999-12-31"}), ("occurred_on",)),
    (lambda place: ("patch", f"/api/v1/enterprises/{place['enterprise_id']}", {
        "version": 1, "positive_list": True, "positive_list_from": "9998-06-01",
        "positive_list_until": "9999-01-01"}), ("positive_list_from", "positive_list_until")),
    (lambda place: ("post", "/api/v1/inspections",
                    _inspection(place, "9999-12-31T23:30:00+00:00")), ("started_at",)),
    (lambda place: ("post", "/api/v1/inspections",
                    _inspection(place, "0001-01-01T00:00:00+08:00")), ("started_at",)),
], ids=["report-year-1", "rules-9999", "positive-list-9998", "inspection-9999",
        "inspection-year-1"])
def test_a_date_near_year_1_or_9999_is_a_422_naming_the_fields(client, login, place,
                                                                request_of, names):
    method, path, body = request_of(place)
    response = getattr(client, method)(path, json=body, headers=login("supervisor", OWN))
    errors = _problem(response, 422)["errors"]
    assert errors == {name: ["must be in the years 1900 to 2999."] for name in names}, errors


def test_a_value_the_database_refuses_is_a_422_problem(client, login, monkeypatch):
    from sqlalchemy.exc import DataError

    from server.rulesets import service

    def refused(*_args):
        raise DataError("INSERT …", {}, ValueError("integer out of range"))

    monkeypatch.setattr(service, "evaluate_dry_run", refused)
    response = client.post("/api/v1/rules/evaluate", headers=login("supervisor", OWN),
                           json={"violation_code": "AIR_VOC", "occurred_on": "2021-06-01"})
    problem = _problem(response, 422)
    assert problem["type"].endswith("/validation-error") and "nothing was kept" in problem["detail"]
