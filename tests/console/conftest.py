"""Fixtures for the console: browser-like clients signed in per role, and a world of
records in two districts built through the API."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.cases.conftest import FINED, WAIVABLE, upload_photo

OWN, OTHER = "310115", "310101"
ROLES = ("inspector", "supervisor", "legal", "admin")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
MISSING_PHOTO = "ab" * 32  # an evidence digest cited and never uploaded


class Console:
    """A browser session on the console: cookies, and the CSRF token of its forms."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def csrf(self) -> str:
        """The session's CSRF token, read from a form as a browser would."""
        page = self.client.get("/console/login").get_data(as_text=True)
        return CSRF.search(page).group(1)

    def sign_in(self, username: str, password: str):
        """Submit the sign-in form."""
        return self.client.post("/console/login", data={
            "username": username, "password": password, "csrf_token": self.csrf()})

    def get(self, url: str, **kwargs: Any):
        """GET a page."""
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any):
        """Submit a form with the CSRF token."""
        return self.client.post(url, data={**(data or {}), "csrf_token": self.csrf()}, **kwargs)


@pytest.fixture
def console(app: Flask, make_user) -> Callable[..., Console]:
    """A new signed-in console session for a role and district."""

    def open_as(role: str = "supervisor", district: str = OWN) -> Console:
        user, password = make_user(role, district)
        session = Console(app.test_client())
        response = session.sign_in(user.username, password)
        assert response.status_code == 303, response.get_data(as_text=True)
        session.user = user
        return session

    return open_as


def _ok(response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_json()
    return response.get_json()


@pytest.fixture
def world(app: Flask, client: FlaskClient, login, make_user, enterprise_body) -> dict[str, Any]:
    """Per district: an enterprise, two inspectors, a drawn plan, an unassigned complaint
    task, an inspection with a waived (photographed) and a fined violation, and a case."""
    supervisor, legal = login("supervisor", "310000"), login("legal", "310000")
    found: dict[str, Any] = {"supervisor": supervisor, "legal": legal}
    for serial, district in enumerate((OWN, OTHER), start=1):
        enterprise = _ok(client.post("/api/v1/enterprises", headers=supervisor,
                                     json=enterprise_body(district, serial)), 201)
        inspectors = [make_user("inspector", district)[0] for _ in range(2)]
        plan = _ok(client.post("/api/v1/plans", headers=supervisor, json={
            "name": f"双随机 {district}", "district": district, "sample": {"count": 1},
            "period": {"start": "2020-01-01", "end": "2099-12-31"}}), 201)
        draw = _ok(client.post(f"/api/v1/plans/{plan['id']}/draws", json={},
                               headers=supervisor), 201)
        task = _ok(client.post("/api/v1/tasks", headers=supervisor, json={
            "kind": "complaint", "enterprise_id": enterprise["id"]}), 201)
        inspection = {"id": str(uuid.uuid4()), "enterprise_id": enterprise["id"],
                      "inspector_ids": [str(i.id) for i in inspectors],
                      "started_at": "2021-06-01T01:30:00+00:00"}
        _ok(client.post("/api/v1/inspections", json=inspection, headers=supervisor), 201)
        digest = upload_photo(client, login("supervisor", district), shade=serial)[0]
        violations = []
        for facts, evidence in ((WAIVABLE, [digest]), (FINED, [])):
            violations.append(_ok(client.post("/api/v1/violations", headers=supervisor, json={
                "id": str(uuid.uuid4()), "inspection_id": inspection["id"], "code": "AIR_VOC",
                "occurred_on": "2021-06-01", "description": "现场发现", "facts": facts,
                "evidence": evidence}), 201))
        case = _ok(client.post("/api/v1/cases", headers=legal, json={
            "violation_ids": [v["id"] for v in violations], "late_reason": "控制台测试"}), 201)
        found[district] = {"enterprise": enterprise, "inspectors": inspectors, "plan": plan,
                           "draw": draw, "task": task, "violations": violations,
                           "case": case, "photo": digest}
    with app.app_context():
        from server.evidence import derived

        derived.derive_pending()
    return found


@pytest.fixture
def desk(client: FlaskClient, login, make_user, enterprise_body) -> dict[str, Any]:
    """Unfiled violations: in OWN a waived and a fined one of party A, a fined one of party B;
    in OTHER a fined one of party C."""
    supervisor = login("supervisor", "310000")
    found: dict[str, Any] = {"supervisor": supervisor, "legal": login("legal", "310000")}
    for serial, district, facts in ((11, OWN, (WAIVABLE, FINED)), (12, OWN, (FINED,)),
                                    (13, OTHER, (FINED,))):
        enterprise = _ok(client.post("/api/v1/enterprises", headers=supervisor,
                                     json=enterprise_body(district, serial)), 201)
        inspection = {"id": str(uuid.uuid4()), "enterprise_id": enterprise["id"],
                      "inspector_ids": [str(make_user("inspector", district)[0].id)
                                        for _ in range(2)],
                      "started_at": "2021-06-01T01:30:00+00:00"}
        _ok(client.post("/api/v1/inspections", json=inspection, headers=supervisor), 201)
        made = [_ok(client.post("/api/v1/violations", headers=supervisor, json={
            "id": str(uuid.uuid4()), "inspection_id": inspection["id"], "code": "AIR_VOC",
            "occurred_on": "2021-06-01", "description": "现场发现", "facts": one,
            "evidence": [MISSING_PHOTO] if one is FINED else []}), 201) for one in facts]
        found[serial] = {"enterprise": enterprise, "violations": made}
    return found


def filed(client: FlaskClient, world: dict[str, Any], code: str, facts: dict[str, Any],
          description: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A case filed on one new violation found in the district's inspection, and the
    violation."""
    inspection = world[OWN]["violations"][0]["inspection_id"]
    found = _ok(client.post("/api/v1/violations", headers=world["supervisor"], json={
        "id": str(uuid.uuid4()), "inspection_id": inspection, "code": code,
        "occurred_on": "2021-06-01", "description": description, "facts": facts}), 201)
    case = _ok(client.post("/api/v1/cases", headers=world["legal"], json={
        "violation_ids": [found["id"]], "late_reason": "控制台测试"}), 201)
    return case, found
