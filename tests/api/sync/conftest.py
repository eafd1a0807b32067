"""Fixtures for sync: Pudong inspectors on tablets, a supervisor, enterprises, helpers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

OWN, OTHER = "310115", "310101"


class Tablet:
    """A device user: pulls into a local dict, pushes mutations."""

    def __init__(self, client, user, password: str, device: str):
        self.client, self.user, self.device = client, user, device
        token = client.post("/api/v1/auth/token", json={
            "username": user.username, "password": password, "device_id": device}).get_json()
        self.headers = {"Authorization": f"Bearer {token['access_token']}"}
        self.cursor = ""
        self.store: dict[tuple[str, str], dict[str, Any]] = {}

    def pull_page(self, limit: int = 500) -> dict[str, Any]:
        """One page; applies it to the local store and moves the cursor."""
        response = self.client.get("/api/v1/sync/pull", headers=self.headers,
                                   query_string={"cursor": self.cursor, "limit": limit})
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        if body["reset"]:
            self.store.clear()
        for change in body["changes"]:
            key = (change["entity"], change["id"])
            if change["op"] == "upsert":
                self.store[key] = change
            else:
                self.store.pop(key, None)
        self.cursor = body["next_cursor"]
        return body

    def pull(self, limit: int = 500) -> list[dict[str, Any]]:
        """Pull until nothing more; every change seen, in order."""
        seen = []
        while True:
            body = self.pull_page(limit)
            seen.extend(body["changes"])
            if not body["has_more"]:
                return seen

    def push(self, *mutations: dict[str, Any]) -> list[dict[str, Any]]:
        """Push a batch; the results in order."""
        response = self.client.post("/api/v1/sync/push", headers=self.headers,
                                    json={"device_id": self.device, "mutations": list(mutations)})
        assert response.status_code == 200, response.get_json()
        return response.get_json()["results"]

    def data(self, entity: str, key: str) -> dict[str, Any] | None:
        """The local copy of a record."""
        found = self.store.get((entity, str(key)))
        return found["data"] if found else None


def mutation(entity: str, op: str, key: str, fields: dict[str, Any] | None = None,
             base: int | None = None) -> dict[str, Any]:
    """A push mutation with a fresh id."""
    return {"mutation_id": str(uuid.uuid4()), "entity": entity, "op": op, "id": str(key),
            "base_version": base, "fields": fields or {}}


def shared_record(world: dict[str, Any]) -> str:
    """An inspection record tablet A created and both tablets pulled; its id."""
    key = str(uuid.uuid4())
    assert world["a"].push(mutation("inspection", "create", key,
                                    world["inspection_fields"]()))[0]["status"] == "applied"
    world["a"].pull()
    world["b"].pull()
    return key


@pytest.fixture
def world(app, client, make_user, login, enterprise_body):
    """Two Pudong inspectors (A on two tablets), one Huangpu inspector, supervisors, and an
    enterprise in each district."""
    first, first_pw = make_user("inspector", OWN)
    second, second_pw = make_user("inspector", OWN)
    other, other_pw = make_user("inspector", OTHER)
    supervisor = login("supervisor", OWN)
    city = login("supervisor", "310000")
    own = client.post("/api/v1/enterprises", json=enterprise_body(OWN, 1),
                      headers=city).get_json()
    far = client.post("/api/v1/enterprises", json=enterprise_body(OTHER, 2),
                      headers=city).get_json()

    def inspection_fields(**change: Any) -> dict[str, Any]:
        body = {"enterprise_id": own["id"], "inspector_ids": [str(first.id), str(second.id)],
                "started_at": datetime(2026, 6, 1, 1, 30, tzinfo=UTC).isoformat(),
                "checkin": {"lat": 31.2, "lon": 121.5, "accuracy_m": 8},
                "checklist": [{"item": "VOC-01", "answer": "no", "note": "车间门窗敞开"}],
                "findings": "喷漆车间门窗敞开作业"}
        body.update(change)
        return body

    return {
        "a": Tablet(client, first, first_pw, "tablet-a"),
        "a2": Tablet(client, first, first_pw, "tablet-a2"),
        "b": Tablet(client, second, second_pw, "tablet-b"),
        "other": Tablet(client, other, other_pw, "tablet-c"),
        "users": (first, second, other), "supervisor": supervisor, "city": city,
        "own": own, "far": far, "inspection_fields": inspection_fields,
    }


@pytest.fixture
def assigned_task(client, world):
    """A complaint task at the Huangpu enterprise assigned to the two Pudong inspectors."""

    def make(enterprise: dict[str, Any] | None = None, team: tuple | None = None) -> dict:
        enterprise = enterprise or world["far"]
        team = team or world["users"][:2]
        response = client.post("/api/v1/tasks", headers=world["city"], json={
            "kind": "complaint", "enterprise_id": enterprise["id"],
            "inspectors": [str(u.id) for u in team], "due_in_working_days": 5})
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return make
