"""A demo day's work on top of the seeded register, made through the HTTP API as the demo
users (validation, rules, audit and change log as for anyone): a drawn random-inspection plan,
a complaint task, an inspection record edited on two tablets offline (a hard sync conflict), a
violation the rules let the bureau waive and a fined one, and a case filed on the fined one. A
new installation then shows every page with something on it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Flask

from server.clock import SHANGHAI, today_shanghai
from server.demo.seed import DEMO_DISTRICT

# Facts an inspector records on site. An act corrected on the spot and in time, with no harmful
# consequence, may be spared a fine (the 2020 minor-offence list ended 2025-04-30; today's acts
# fall under 处罚法 第33条: may_waive); the same act left uncorrected, with harm, is fined.
WAIVED = {"corrected_on_spot": True, "corrected_in_time": True, "harmful_consequence": False}
FINED = {"corrected_on_spot": False, "corrected_in_time": False, "harmful_consequence": True}


class SeedRefused(RuntimeError):
    """The API refused a step of the demo work (its problem details in the message)."""


@dataclass(frozen=True)
class Workload:
    """What the demo work made."""

    drawn_tasks: int
    violations: dict[str, str]  # id -> outcome of the rules
    conflicts: int  # open sync conflicts


class _As:
    """One demo user signed in through the API on a device of their own (a bearer token)."""

    def __init__(self, app: Flask, username: str, password: str):
        self.app, self.client, self.device = app, app.test_client(), f"demo-{username}"
        token = self.call("POST", "/auth/token", {"username": username, "password": password,
                                                  "device_id": self.device}, auth=False)
        self.headers = {"Authorization": f"Bearer {token['access_token']}"}
        self.user_id = self.call("GET", "/auth/me")["id"]

    def call(self, method: str, path: str, body: Any = None, *, auth: bool = True) -> Any:
        """The answer of one request; a refusal stops the seed with its problem details."""
        with self.app.app_context():  # its own: a request would reuse the command's (and g)
            response = self.client.open(f"/api/v1{path}", method=method, json=body,
                                        headers=self.headers if auth else {})
        if response.status_code >= 300:
            raise SeedRefused(f"{method} {path}: {response.status_code} {response.get_data(True)}")
        return response.get_json()


def _site_point(enterprise: dict[str, Any]) -> dict[str, Any]:
    """A check-in at the enterprise's site (its centroid)."""
    lon, lat = enterprise["centroid"]
    return {"lat": round(lat, 6), "lon": round(lon, 6), "accuracy_m": 8}


def make_workload(app: Flask, passwords: dict[str, str]) -> Workload:
    """A day's work in the demo district by its supervisor, inspectors and legal staff."""
    supervisor, inspector, partner = (_As(app, name, passwords[name]) for name in
                                      ("supervisor", "inspector1", "inspector2"))
    selected = _draw_and_complaint(supervisor)
    visit_at = datetime.combine(today_shanghai() - timedelta(days=1), time(10, 0), SHANGHAI)
    inspection, visited = _visit(inspector, partner, selected[0], visit_at)
    outcomes = _violations(inspector, inspection, visited, visit_at.date())
    legal = _As(app, "legal", passwords["legal"])
    legal.call("POST", "/cases", {"violation_ids": [key for key, outcome in outcomes.items()
                                                    if outcome == "fine"],
                                  "summary": "调漆间废气未经收集直接排放"})
    return Workload(len(selected), outcomes, len(supervisor.call("GET", "/sync/conflicts")))


def _draw_and_complaint(supervisor: _As) -> list[dict[str, Any]]:
    """This year's random-inspection plan drawn, and a complaint task left to assign; the
    drawn units."""
    today = today_shanghai()
    plan = supervisor.call("POST", "/plans", {
        "name": f"{today.year}年度浦东新区“双随机、一公开”抽查", "district": DEMO_DISTRICT,
        "sample": {"count": 3},
        "period": {"start": today.isoformat(), "end": f"{today.year}-12-31"}})
    selected = supervisor.call("POST", f"/plans/{plan['id']}/draws", {})["selected"]
    if not selected:
        raise SeedRefused(f"the draw sent no one on site: {DEMO_DISTRICT} has no enterprise "
                          "to inspect that is not on the positive list")
    sites = supervisor.call("GET", f"/enterprises?district={DEMO_DISTRICT}&per_page=20")["items"]
    drawn = {unit["enterprise_id"] for unit in selected}
    reported = next((site for site in sites if site["id"] not in drawn), sites[-1])
    supervisor.call("POST", "/tasks", {
        "kind": "complaint", "enterprise_id": reported["id"], "priority": "high",
        "note": "群众来电反映夜间喷漆异味，请核查"})
    return selected


def _visit(inspector: _As, partner: _As, unit: dict[str, Any], visit_at: datetime
           ) -> tuple[str, dict[str, Any]]:
    """A drawn task started and its inspection record made at `visit_at`, then edited on
    both inspectors' tablets offline; the record's id and the enterprise visited."""
    # Looked up by id: the drawn unit may lie past the page of the register listed above.
    visited = inspector.call("GET", f"/enterprises/{unit['enterprise_id']}")
    task = inspector.call("GET", f"/tasks/{unit['task_id']}")
    inspector.call("POST", f"/tasks/{task['id']}/transitions",
                   {"to": "in_progress", "version": task["version"]})
    inspection = str(uuid.uuid4())
    inspector.call("POST", "/inspections", {
        "id": inspection, "enterprise_id": visited["id"], "task_id": task["id"],
        "inspector_ids": [inspector.user_id, partner.user_id],
        "started_at": visit_at.isoformat(), "checkin": _site_point(visited),
        "findings": "喷漆车间门窗敞开作业，VOCs 无组织排放；危险废物贮存场所未设置标识"})
    for tablet, findings in (
            (inspector, "喷漆车间门窗敞开作业，VOCs 无组织排放；危险废物贮存场所未设置标识；"
                        "现场已责令关闭门窗"),
            (partner, "喷漆车间门窗敞开作业，VOCs 无组织排放；调漆间未密闭")):
        _edit_offline(tablet, inspection, {"findings": findings})  # both on version 1
    return inspection, visited


def _violations(inspector: _As, inspection: str, visited: dict[str, Any], on: date
                ) -> dict[str, str]:
    """A corrected and an uncorrected act recorded on the record: id -> the rules' outcome."""
    outcomes = {}
    for facts, description in ((WAIVED, "喷漆车间门窗敞开作业，现场已责令关闭并整改完毕"),
                               (FINED, "调漆间未密闭，废气未经收集直接排放，周边居民投诉")):
        made = inspector.call("POST", "/violations", {
            "id": str(uuid.uuid4()), "inspection_id": inspection, "code": "AIR_VOC",
            "occurred_on": on.isoformat(), "description": description,
            "facts": facts, "location": _site_point(visited)})
        outcomes[made["id"]] = made["decision"]["zh"]["decision"]
    return outcomes


def _edit_offline(tablet: _As, inspection: str, fields: dict[str, Any]) -> dict[str, Any]:
    """An edit of the record's first version made offline and synced: the second tablet's
    edit of the same field becomes a hard conflict for the supervisor to resolve."""
    result = tablet.call("POST", "/sync/push", {"device_id": tablet.device, "mutations": [{
        "mutation_id": str(uuid.uuid4()), "entity": "inspection", "op": "update",
        "id": inspection, "base_version": 1, "fields": fields}]})["results"][0]
    if result["status"] not in ("applied", "conflict"):
        raise SeedRefused(f"sync push: {result}")
    return result
