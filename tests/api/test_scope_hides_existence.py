"""A record of another district is refused exactly as one that does not exist: the same 404
problem, word for word, so that not even its detail tells a curious colleague that the record
exists (SECURITY.md, threat 2). Evidence matters most: anyone holding a photo knows its
SHA-256, and must not learn whether another district holds it as evidence."""

from __future__ import annotations

import re
import secrets
import uuid

import pytest

from tests.api.matrix_requests import call
from tests.api.matrix_table import OTHER, OWN
from tests.api.test_authorization_matrix import world  # noqa: F401  (the matrix's world)

ENDPOINTS = (
    "GET /api/v1/evidence/{sha256}",
    "GET /api/v1/evidence/{sha256}/thumbnail",
    "GET /api/v1/evidence/{sha256}/preview",
    "GET /api/v1/evidence/{sha256}/original",
    "GET /api/v1/cases/{case_id}",
    "GET /api/v1/cases/{case_id}/documents/{form}",
    "GET /api/v1/cases/{case_id}/statements",
    "GET /api/v1/exports/{export_id}",
    "GET /api/v1/exports/{export_id}/download",
    "GET /api/v1/inspections/{inspection_id}",
    "GET /api/v1/inspections/{inspection_id}/revisions",
    "GET /api/v1/violations/{violation_id}",
    "GET /api/v1/violations/{violation_id}/decisions",
    "POST /api/v1/sync/conflicts/{conflict_id}/resolve",
    "GET /api/v1/enterprises/{enterprise_id}",
    "GET /api/v1/plans/{plan_id}",
    "GET /api/v1/draws/{draw_id}",
    "GET /api/v1/tasks/{task_id}",
    "GET /api/v1/users/{user_id}",
)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_SHA256 = re.compile(r"/evidence/[0-9a-f]{64}")


def _ghost(path: str) -> str:
    """The same path naming records that do not exist."""
    path = _SHA256.sub(f"/evidence/{secrets.token_hex(32)}", path)
    return _UUID.sub(lambda _: str(uuid.uuid4()), path)


def _problem(response) -> tuple[int, dict]:
    body = response.get_json(silent=True) or {}
    return response.status_code, {k: v for k, v in body.items() if k != "instance"}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_another_districts_record_is_refused_exactly_like_one_that_does_not_exist(
        client, login, world, endpoint):  # noqa: F811
    headers = login("supervisor", OWN)
    theirs = call(client, endpoint, headers, OTHER, world, "supervisor")
    method, path = endpoint.split(" ", 1)[0], theirs.request.path
    body = {"choice": "server"} if method == "POST" else None
    nowhere = client.open(_ghost(path), method=method, headers=headers, json=body)
    assert _problem(theirs)[0] == 404
    assert _problem(theirs) == _problem(nowhere)
