"""A JSON body is read once, by the request rules, and handed to its view: what orjson would
read differently (an integer beyond 64 bits, UTF-16) is read by the standard library as before."""

from __future__ import annotations

import json
import uuid

import marshmallow as ma
import pytest
import webargs.core
from flask import request

from server.apidoc import ApiParser

OWN = "310115"


class _Number(ma.Schema):
    n = ma.fields.Integer()


def _rules_then_view(app, body: bytes) -> tuple[object, object]:
    """The request rules' verdict on a body and what a view's parser then receives."""
    with app.test_request_context("/api/v1/auth/token", method="POST", data=body,
                                  content_type="application/json"):
        verdict = app.preprocess_request()
        return verdict, ApiParser().load_json(request, _Number())


def test_a_sync_push_body_is_not_parsed_a_second_time_by_its_view(client, login, monkeypatch):
    calls = []
    parse = webargs.core.parse_json
    monkeypatch.setattr(webargs.core, "parse_json", lambda *a, **k: calls.append(1) or parse(
        *a, **k))
    headers = login("inspector", OWN, device_id="tablet-1")
    response = client.post("/api/v1/sync/push", headers=headers,
                           json={"device_id": "tablet-1", "mutations": [{
                               "mutation_id": str(uuid.uuid4()), "entity": "task",
                               "op": "status", "id": str(uuid.uuid4()), "base_version": None,
                               "fields": {"status": "started"}}]})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["results"][0]["problem"]["status"] == 404  # read, then refused
    assert calls == []


def test_an_integer_beyond_64_bits_reaches_the_view_exact(app):
    verdict, body = _rules_then_view(app, b'{"n": 123456789012345678901234567890}')
    assert verdict is None
    assert body == {"n": 123456789012345678901234567890}


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig"])
def test_a_body_not_in_plain_utf_8_is_refused_by_the_view_parser_as_before(client, login,
                                                                           encoding):
    body = json.dumps({"violation_code": "AIR_VOC", "occurred_on": "2024-01-02"})
    response = client.post("/api/v1/rules/evaluate", data=body.encode(encoding),
                           content_type="application/json", headers=login("legal", OWN))
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"


def test_a_json_null_body_is_not_called_too_deep(client, login):
    response = client.post("/api/v1/rules/evaluate", data=b"null",
                           content_type="application/json", headers=login("legal", OWN))
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert "nests deeper" not in response.get_json()["detail"]
