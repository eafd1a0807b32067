"""Every endpoint x every role x own/other district, against an expected table.

The table is written here by hand (not derived from server.auth.policy), and the route list
is read from the app: a new endpoint without a row makes `test_every_route_has_a_row` fail.
"""

from __future__ import annotations

import base64
import hashlib
import io
import uuid

import pytest

from server.clock import today_shanghai
from tests.conftest import World, restore_world, save_world

ROLES = ("inspector", "supervisor", "legal", "admin")
OWN, OTHER = "310115", "310101"
# the case-file public keys: anyone verifying a case file (a court, a party's lawyer) reads them
PUBLIC = {"GET /healthz", "POST /api/v1/auth/token", "GET /api/v1/problems/{slug}",
          "GET /api/v1/casefile/keys"}

SUPERVISORS_ONLY = {"inspector": (403, 404), "supervisor": (200, 404), "legal": (403, 404),
                    "admin": (200, 404)}
# endpoint -> {role: (status on a record of the caller's district, status on another's)}
EXPECTED: dict[str, dict[str, tuple[int, int]]] = {
    "GET /api/v1/enterprises": {r: (200, 200) for r in ROLES},
    "POST /api/v1/enterprises": {"inspector": (403, 403), "supervisor": (201, 403),
                                 "legal": (403, 403), "admin": (201, 403)},
    "GET /api/v1/enterprises/{enterprise_id}": {r: (200, 404) for r in ROLES},
    "GET /api/v1/enterprises/near": {r: (200, 200) for r in ROLES},
    "PATCH /api/v1/enterprises/{enterprise_id}": {"inspector": (403, 404),
                                                  "supervisor": (200, 404),
                                                  "legal": (403, 404), "admin": (200, 404)},
    "DELETE /api/v1/enterprises/{enterprise_id}": {"inspector": (403, 404),
                                                   "supervisor": (204, 404),
                                                   "legal": (403, 404), "admin": (204, 404)},
    "POST /api/v1/enterprises/import": {"inspector": (403, 403), "supervisor": (200, 422),
                                        "legal": (403, 403), "admin": (200, 422)},
    "GET /api/v1/districts": {r: (200, 200) for r in ROLES},
    "GET /api/v1/auth/me": {r: (200, 200) for r in ROLES},
    # accounts: supervisors read their district's, only admins change them; creating one in
    # another district is refused (403), another district's account is not found (404)
    "GET /api/v1/users": {"inspector": (403, 403), "supervisor": (200, 200),
                          "legal": (403, 403), "admin": (200, 200)},
    "POST /api/v1/users": {"inspector": (403, 403), "supervisor": (403, 403),
                           "legal": (403, 403), "admin": (201, 403)},
    "GET /api/v1/users/{user_id}": SUPERVISORS_ONLY,
    "PATCH /api/v1/users/{user_id}": {"inspector": (403, 404), "supervisor": (403, 404),
                                      "legal": (403, 404), "admin": (200, 404)},
    "POST /api/v1/users/{user_id}/password": {"inspector": (403, 404),
                                              "supervisor": (403, 404),
                                              "legal": (403, 404), "admin": (200, 404)},
    "GET /api/v1/auth/devices": {r: (200, 200) for r in ROLES},
    # another user's device (own devices: tests/api/test_auth.py)
    "DELETE /api/v1/auth/devices/{device_id}": {"inspector": (404, 404),
                                                "supervisor": (200, 404),
                                                "legal": (404, 404), "admin": (200, 404)},
    # planning: draws are confidential (supervisors only); inspectors see only their tasks
    "POST /api/v1/plans": {"inspector": (403, 403), "supervisor": (201, 403),
                           "legal": (403, 403), "admin": (201, 403)},
    "GET /api/v1/plans": {"inspector": (403, 403), "supervisor": (200, 200),
                          "legal": (403, 403), "admin": (200, 200)},
    "GET /api/v1/plans/{plan_id}": SUPERVISORS_ONLY,
    "POST /api/v1/plans/{plan_id}/draws": {"inspector": (403, 404), "supervisor": (201, 404),
                                           "legal": (403, 404), "admin": (201, 404)},
    "GET /api/v1/plans/{plan_id}/draws": SUPERVISORS_ONLY,
    "GET /api/v1/plans/{plan_id}/publication": {r: (200, 404) for r in ROLES},
    "GET /api/v1/draws/{draw_id}": SUPERVISORS_ONLY,
    "GET /api/v1/draws/{draw_id}/verify": SUPERVISORS_ONLY,
    # inspectors declare their own conflicts, for units anywhere (they may be sent across)
    "POST /api/v1/recusals": {"inspector": (201, 201), "supervisor": (201, 404),
                              "legal": (403, 403), "admin": (201, 404)},
    "GET /api/v1/recusals": {"inspector": (200, 200), "supervisor": (200, 200),
                             "legal": (403, 403), "admin": (200, 200)},
    "GET /api/v1/tasks": {r: (200, 200) for r in ROLES},
    "POST /api/v1/tasks": {"inspector": (403, 404), "supervisor": (201, 404),
                           "legal": (403, 404), "admin": (201, 404)},
    # the world's tasks are not assigned to the calling inspector
    "GET /api/v1/tasks/{task_id}": {"inspector": (404, 404), "supervisor": (200, 404),
                                    "legal": (200, 404), "admin": (200, 404)},
    "GET /api/v1/tasks/{task_id}/history": {"inspector": (404, 404), "supervisor": (200, 404),
                                            "legal": (200, 404), "admin": (200, 404)},
    "PUT /api/v1/tasks/{task_id}/assignees": {"inspector": (404, 404),
                                              "supervisor": (200, 404),
                                              "legal": (403, 404), "admin": (200, 404)},
    "POST /api/v1/tasks/{task_id}/transitions": {"inspector": (404, 404),
                                                 "supervisor": (200, 404),
                                                 "legal": (403, 404), "admin": (200, 404)},
    # bulk: all or nothing; a task outside the scope refuses the batch item by item (422)
    "POST /api/v1/tasks/assignments": {"inspector": (403, 403), "supervisor": (200, 422),
                                       "legal": (403, 403), "admin": (200, 422)},
    "GET /api/v1/tasks/summary": {"inspector": (403, 403), "supervisor": (200, 200),
                                  "legal": (403, 403), "admin": (200, 200)},
    "GET /api/v1/tasks/workload": {"inspector": (403, 403), "supervisor": (200, 200),
                                   "legal": (403, 403), "admin": (200, 200)},
    "GET /api/v1/jobs": {"inspector": (403, 403), "supervisor": (200, 200),
                         "legal": (403, 403), "admin": (200, 200)},
    # evidence: staff upload (admins do not); an upload answers only its own user and device
    "POST /api/v1/uploads/": {"inspector": (201, 201), "supervisor": (201, 201),
                              "legal": (201, 201), "admin": (403, 403)},
    "HEAD /api/v1/uploads/{upload_id}": {r: (404, 404) for r in ROLES},
    "PATCH /api/v1/uploads/{upload_id}": {r: (404, 404) for r in ROLES},
    "DELETE /api/v1/uploads/{upload_id}": {r: (404, 404) for r in ROLES},
    "GET /api/v1/evidence/{sha256}": {r: (200, 404) for r in ROLES},
    "GET /api/v1/evidence/{sha256}/thumbnail": {r: (200, 404) for r in ROLES},
    "GET /api/v1/evidence/{sha256}/preview": {r: (200, 404) for r in ROLES},
    "GET /api/v1/evidence/{sha256}/original": {"inspector": (200, 404),
                                               "supervisor": (200, 404),
                                               "legal": (200, 404), "admin": (403, 404)},
    # field records: an inspector writes only records they are an officer on (422 otherwise;
    # the world's records belong to two other inspectors)
    "POST /api/v1/inspections": {"inspector": (422, 404), "supervisor": (201, 404),
                                 "legal": (403, 403), "admin": (403, 403)},
    "GET /api/v1/inspections": {r: (200, 200) for r in ROLES},
    "GET /api/v1/inspections/{inspection_id}": {r: (200, 404) for r in ROLES},
    "PATCH /api/v1/inspections/{inspection_id}": {"inspector": (422, 404),
                                                  "supervisor": (200, 404),
                                                  "legal": (403, 404), "admin": (403, 404)},
    "POST /api/v1/inspections/{inspection_id}/submit": {"inspector": (422, 404),
                                                        "supervisor": (403, 404),
                                                        "legal": (403, 404),
                                                        "admin": (403, 404)},
    "GET /api/v1/inspections/{inspection_id}/revisions": {r: (200, 404) for r in ROLES},
    "POST /api/v1/violations": {"inspector": (422, 404), "supervisor": (201, 404),
                                "legal": (403, 403), "admin": (403, 403)},
    "GET /api/v1/violations": {r: (200, 200) for r in ROLES},
    "GET /api/v1/violations/{violation_id}": {r: (200, 404) for r in ROLES},
    "PATCH /api/v1/violations/{violation_id}": {"inspector": (422, 404),
                                                "supervisor": (200, 404),
                                                "legal": (200, 404), "admin": (403, 404)},
    "GET /api/v1/violations/{violation_id}/decisions": {r: (200, 404) for r in ROLES},
    # the rules engine has no district: dry runs for deciding staff, imports for legal staff
    "POST /api/v1/rules/evaluate": {"inspector": (403, 403), "supervisor": (200, 200),
                                    "legal": (200, 200), "admin": (200, 200)},
    "GET /api/v1/rules/sets": {r: (200, 200) for r in ROLES},
    "GET /api/v1/rules/sets/{ref}": {r: (200, 200) for r in ROLES},
    "POST /api/v1/rules/sets": {"inspector": (403, 403), "supervisor": (403, 403),
                                "legal": (200, 200), "admin": (200, 200)},
    # cases: legal staff drive the procedure, supervisors file and approve extensions
    "POST /api/v1/cases": {"inspector": (403, 403), "supervisor": (201, 404),
                           "legal": (201, 404), "admin": (403, 403)},
    "GET /api/v1/cases": {"inspector": (403, 403), "supervisor": (200, 200),
                          "legal": (200, 200), "admin": (200, 200)},
    "GET /api/v1/cases/{case_id}": {"inspector": (403, 404), "supervisor": (200, 404),
                                    "legal": (200, 404), "admin": (200, 404)},
    "POST /api/v1/cases/{case_id}/transitions": {"inspector": (403, 404),
                                                 "supervisor": (403, 404),
                                                 "legal": (200, 404), "admin": (403, 404)},
    "POST /api/v1/cases/{case_id}/extensions": {"inspector": (403, 404),
                                                "supervisor": (200, 404),
                                                "legal": (403, 404), "admin": (403, 404)},
    "POST /api/v1/cases/{case_id}/suspensions": {"inspector": (403, 404),
                                                 "supervisor": (403, 404),
                                                 "legal": (200, 404), "admin": (403, 404)},
    # statistics, asked for the district (another district's figures are not found)
    "GET /api/v1/reports/summary": {"inspector": (403, 404), "supervisor": (200, 404),
                                    "legal": (200, 404), "admin": (200, 404)},
    "GET /api/v1/reports/summary.csv": {"inspector": (403, 404), "supervisor": (200, 404),
                                        "legal": (200, 404), "admin": (200, 404)},
    "GET /api/v1/reports/summary.xlsx": {"inspector": (403, 404), "supervisor": (200, 404),
                                         "legal": (200, 404), "admin": (200, 404)},
    "GET /api/v1/cases/{case_id}/documents/{form}": {"inspector": (403, 404),
                                                     "supervisor": (200, 404),
                                                     "legal": (200, 404), "admin": (200, 404)},
    # exports hold evidence originals: not for admins; the world's exports are still queued
    "POST /api/v1/cases/{case_id}/exports": {"inspector": (403, 404), "supervisor": (202, 404),
                                             "legal": (202, 404), "admin": (403, 404)},
    "GET /api/v1/exports/{export_id}": {"inspector": (403, 404), "supervisor": (200, 404),
                                        "legal": (200, 404), "admin": (403, 404)},
    "GET /api/v1/exports/{export_id}/download": {"inspector": (403, 404),
                                                 "supervisor": (409, 404),
                                                 "legal": (409, 404), "admin": (403, 404)},
    # a case's own records: legal staff write them, case readers read them; the world's cases
    # are not notified yet, so a statement is refused on the state (409)
    "POST /api/v1/cases/{case_id}/inquiries": {"inspector": (403, 404),
                                               "supervisor": (403, 404),
                                               "legal": (201, 404), "admin": (403, 404)},
    "GET /api/v1/cases/{case_id}/inquiries": {"inspector": (403, 404), "supervisor": (200, 404),
                                              "legal": (200, 404), "admin": (200, 404)},
    "POST /api/v1/cases/{case_id}/statements": {"inspector": (403, 404),
                                                "supervisor": (403, 404),
                                                "legal": (409, 404), "admin": (403, 404)},
    "GET /api/v1/cases/{case_id}/statements": {"inspector": (403, 404),
                                               "supervisor": (200, 404),
                                               "legal": (200, 404), "admin": (200, 404)},
    # the world's cases have no fine yet: legal staff are refused on the state (409)
    "POST /api/v1/cases/{case_id}/daily-penalties": {"inspector": (403, 404),
                                                     "supervisor": (403, 404),
                                                     "legal": (409, 404), "admin": (403, 404)},
    # tablet sync: field staff pull their own scope (no district in the request)
    "GET /api/v1/sync/pull": {"inspector": (200, 200), "supervisor": (200, 200),
                              "legal": (403, 403), "admin": (403, 403)},
    # a push answers 200 with one result per mutation (out-of-scope ones are rejected inside)
    "POST /api/v1/sync/push": {"inspector": (200, 200), "supervisor": (200, 200),
                               "legal": (403, 403), "admin": (403, 403)},
    "GET /api/v1/sync/conflicts": {"inspector": (403, 403), "supervisor": (200, 200),
                                   "legal": (403, 403), "admin": (200, 200)},
    "POST /api/v1/sync/conflicts/{conflict_id}/resolve": {"inspector": (403, 403),
                                                          "supervisor": (200, 404),
                                                          "legal": (403, 403),
                                                          "admin": (403, 403)},
}


def _routes(app) -> set[str]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in ("docs", "api-docs", "static"):
            continue
        path = rule.rule
        for converter in ("<uuid:", "<string:", "<path:", "<"):
            path = path.replace(converter, "{")
        path = path.replace(">", "}")
        methods = rule.methods - {"OPTIONS"}
        if "GET" in methods:  # Flask answers HEAD for every GET; a HEAD of its own needs a row
            methods -= {"HEAD"}
        for method in sorted(methods):
            found.add(f"{method} {path}")
    return found


def test_every_route_has_a_row(app):
    # the console's pages have their own table (same rules, session instead of token)
    from tests.console.test_console_matrix import EXPECTED as CONSOLE
    from tests.console.test_console_matrix import PUBLIC as CONSOLE_PUBLIC

    missing = _routes(app) - set(EXPECTED) - PUBLIC - set(CONSOLE) - CONSOLE_PUBLIC
    assert not missing, f"routes without an authorization row: {sorted(missing)}"


_SAVED: dict[str, World] = {}  # per database: the world, built once per test process


@pytest.fixture
def world(app, client, login, make_user, enterprise_body, site_in, database_url):
    """One enterprise in each district, created by city-wide staff, with plans, draws, tasks,
    inspections and violations. Built through the API by the first test; the later ones get
    the same rows put back (restore_world), not built again."""
    from server.extensions import db

    if database_url in _SAVED:
        with app.app_context():
            facts = restore_world(db, _SAVED[database_url], make_user)
    else:  # requests inside an app context would share (and keep open) its session
        facts = _build_world(client, login, make_user, enterprise_body)
        with app.app_context():
            _SAVED[database_url] = save_world(db, facts, make_user)
    return {**facts, "body": enterprise_body, "site_in": site_in, "make_user": make_user}


def _created(response) -> dict:
    """The body of a 201 (the world every later matrix test reuses must be whole)."""
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _build_world(client, login, make_user, enterprise_body) -> dict:
    city = login("supervisor", "310000")
    ids = {}
    for serial, district in enumerate((OWN, OTHER), start=1):
        response = client.post("/api/v1/enterprises", json=enterprise_body(district, serial),
                               headers=city)
        ids[district] = _created(response)["id"]
    planning = _planning_world(client, city, make_user, ids)
    return {"ids": ids, "planning": planning, "field": _field_world(client, city, planning, ids),
            "city": city, "city_legal": login("legal", "310000")}


def _field_world(client, city, planning, ids):
    """Per district: an inspection by its two inspectors, with one violation."""
    found = {"inspection_id": {}, "violation_id": {}}
    for district in (OWN, OTHER):
        inspection = {"id": str(uuid.uuid4()), "enterprise_id": ids[district],
                      "inspector_ids": planning["inspectors"][district],
                      "started_at": "2021-06-01T01:30:00+00:00"}
        _created(client.post("/api/v1/inspections", json=inspection, headers=city))
        violation = {"id": str(uuid.uuid4()), "inspection_id": inspection["id"],
                     "code": "AIR_VOC", "occurred_on": "2021-06-01"}
        _created(client.post("/api/v1/violations", json=violation, headers=city))
        found["inspection_id"][district] = inspection["id"]
        found["violation_id"][district] = violation["id"]
    return found


def _call_field(client, endpoint, path, headers, district, world):
    known, team = world["field"], world["planning"]["inspectors"][district]
    for name in ("inspection_id", "violation_id"):
        path = path.replace("{" + name + "}", known[name][district])
    if endpoint == "POST /api/v1/inspections":
        return client.post(path, headers=headers, json={
            "id": str(uuid.uuid4()), "enterprise_id": world["ids"][district],
            "inspector_ids": team, "started_at": "2021-06-02T01:30:00+00:00"})
    if endpoint == "POST /api/v1/violations":
        return client.post(path, headers=headers, json={
            "id": str(uuid.uuid4()), "inspection_id": known["inspection_id"][district],
            "code": "AIR_DUST", "occurred_on": "2021-06-01"})
    if endpoint.startswith("PATCH"):
        return client.patch(path, json={"version": 1, "description": "补充"}
                            if "violations" in path else {"version": 1, "findings": "补充"},
                            headers=headers)
    if endpoint == "POST /api/v1/inspections/{inspection_id}/submit":
        return client.post(path, json={"version": 1}, headers=headers)
    return client.get(path, headers=headers)


def _case_world(client, world) -> dict[str, str]:
    """Per district: a case filed (late, with a reason) on the district's violation."""
    city = world["city_legal"]
    found = {}
    for district in (OWN, OTHER):
        response = client.post("/api/v1/cases", headers=city, json={
            "violation_ids": [world["field"]["violation_id"][district]],
            "late_reason": "矩阵测试"})
        assert response.status_code == 201, response.get_json()
        found[district] = response.get_json()["id"]
    client.application.config["CASE_EXPORT_THREAD"] = False  # the exports stay queued
    for district in (OWN, OTHER):
        export = client.post(f"/api/v1/cases/{found[district]}/exports", headers=city)
        assert export.status_code == 202, export.get_json()
        found[f"export:{district}"] = export.get_json()["id"]
    return found


def _call_cases(client, endpoint, path, headers, district, world):
    if "cases" not in world:
        world["cases"] = _case_world(client, world)
    path = path.replace("{case_id}", world["cases"][district])
    path = path.replace("{form}", "filing_approval")
    path = path.replace("{export_id}", world["cases"][f"export:{district}"])
    today = today_shanghai().isoformat()
    if endpoint == "POST /api/v1/cases":
        violation = {"id": str(uuid.uuid4()), "code": "AIR_DUST", "occurred_on": "2021-06-01",
                     "inspection_id": world["field"]["inspection_id"][district]}
        client.post("/api/v1/violations", json=violation, headers=world["city"])
        return client.post(path, headers=headers, json={"violation_ids": [violation["id"]],
                                                        "late_reason": "矩阵测试"})
    if endpoint.endswith("/transitions"):
        return client.post(path, json={"to": "investigating", "version": 1}, headers=headers)
    if endpoint.endswith("/extensions"):
        return client.post(path, headers=headers, json={
            "version": 1, "approval": "approval", "days": 30, "reason": "案情复杂"})
    if endpoint.endswith("/exports"):
        return client.post(path, headers=headers)
    if endpoint == "POST /api/v1/cases/{case_id}/inquiries":
        team = world["planning"]["inspectors"][district]
        return client.post(path, headers=headers, json={
            "version": 1, "interviewee": {"name": "王五", "id_type": "passport",
                                          "id_number": "E7654321", "relation": "员工"},
            "started_at": "2021-06-02T01:30:00+00:00", "ended_at": "2021-06-02T02:00:00+00:00",
            "place": "询问室", "inspector_ids": team[:2], "recorder_id": team[1],
            "qa": [{"q": "是否知情？", "a": "知情。"}],
            "signature": {"refused": True, "refusal_reason": "不愿签字"}})
    if endpoint == "POST /api/v1/cases/{case_id}/statements":
        return client.post(path, headers=headers, json={
            "version": 1, "form": "oral", "made_by": "张三", "content": "已整改",
            "adopted": "rejected", "reasoning": "未提供证据"})
    if endpoint.endswith("/daily-penalties"):
        return client.post(path, headers=headers, json={"version": 1, "rounds": [
            {"order_served_on": "2021-06-10", "reinspected_on": "2021-06-20"}]})
    if endpoint.endswith("/suspensions"):
        return client.post(path, headers=headers, json={
            "version": 1, "kind": "testing", "start": today, "end": today, "reason": "送检"})
    return client.get(path, headers=headers)


def _call_rules(client, endpoint, path, headers):
    if endpoint == "POST /api/v1/rules/evaluate":
        return client.post(path, headers=headers, json={"violation_code": "AIR_VOC",
                                                         "occurred_on": "2021-06-01"})
    ref = "sh-eco-minor-offence-waiver@2020"
    if endpoint == "POST /api/v1/rules/sets":
        from server.rules import load_rule_book

        document = load_rule_book().get(ref).as_dict() | {
            "version": "matrix", "effective_from": "2026-01-01", "effective_until": None}
        return client.post(f"{path}?dry_run=true", json=document, headers=headers)
    return client.get(path.replace("{ref}", ref), headers=headers)


def _device(client, headers) -> str:
    return client.get("/api/v1/auth/devices", headers=headers).get_json()[0]["device_id"]


def _sync_push(client, headers, inspection_id, base, findings):
    return client.post("/api/v1/sync/push", headers=headers, json={
        "device_id": _device(client, headers), "mutations": [{
            "mutation_id": str(uuid.uuid4()), "entity": "inspection", "op": "update",
            "id": inspection_id, "base_version": base, "fields": {"findings": findings}}]})


def _conflict_world(client, world) -> dict[str, str]:
    """Per district: a hard conflict (two edits of the district's record from one base)."""
    found = {}
    for district in (OWN, OTHER):
        record = world["field"]["inspection_id"][district]
        base = client.get(f"/api/v1/inspections/{record}",
                          headers=world["city"]).get_json()["version"]
        _sync_push(client, world["city"], record, base, "甲")
        result = _sync_push(client, world["city"], record, base, "乙").get_json()["results"][0]
        assert result["conflict"] == "hard", result
        found[district] = result["conflict_id"]
    return found


def _call_sync(client, endpoint, path, headers, district, world):
    if endpoint == "POST /api/v1/sync/push":
        return _sync_push(client, headers, world["field"]["inspection_id"][district], 1, "补")
    if endpoint.endswith("/resolve"):
        if "conflicts" not in world:
            world["conflicts"] = _conflict_world(client, world)
        return client.post(path.replace("{conflict_id}", world["conflicts"][district]),
                           headers=headers, json={"choice": "server"})
    return client.get(path, headers=headers)


def _planning_world(client, city, make_user, ids):
    """Per district: two inspectors, a plan with a draw, and an open complaint task."""
    found = {"inspectors": {}, "plan_id": {}, "draw_id": {}, "task_id": {}}
    for district in (OWN, OTHER):
        found["inspectors"][district] = [str(make_user("inspector", district)[0].id)
                                         for _ in range(2)]
        plan = _created(client.post("/api/v1/plans", headers=city, json={
            "name": "矩阵", "district": district, "sample": {"count": 1},
            "period": {"start": "2020-01-01", "end": "2099-12-31"}}))["id"]
        draw = _created(client.post(f"/api/v1/plans/{plan}/draws", json={}, headers=city))
        task = _created(client.post("/api/v1/tasks", headers=city, json={
            "kind": "complaint", "enterprise_id": ids[district]}))
        found["plan_id"][district], found["draw_id"][district] = plan, draw["id"]
        found["task_id"][district] = task["id"]
    return found


def _call(client, endpoint, headers, district, world, role):
    method, path = endpoint.split(" ", 1)
    record = world["ids"][district]
    path = path.replace("{enterprise_id}", record)
    if path.startswith(("/api/v1/uploads/", "/api/v1/evidence/")):
        return _call_evidence(client, endpoint, path, headers, district, world)
    if endpoint == "POST /api/v1/enterprises":
        return client.post(path, json=world["body"](district, 50), headers=headers)
    if endpoint == "GET /api/v1/enterprises/near":
        return client.get(f"{path}?lat=31.2&lon=121.5&radius_m=500", headers=headers)
    if endpoint == "PATCH /api/v1/enterprises/{enterprise_id}":
        return client.patch(path, json={"version": 1, "address": "新地址"}, headers=headers)
    if endpoint.startswith("DELETE /api/v1/enterprises"):
        return client.delete(f"{path}?version=1", headers=headers)
    if endpoint == "POST /api/v1/enterprises/import":
        from server.registry.credit_code import make_credit_code

        csv = ("credit_code,name,district,permit_class\n"
               f"{make_credit_code(district, 60)},上海矩阵有限公司,{district},registration\n")
        return client.post(path, headers=headers, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(csv.encode()), "m.csv")})
    if endpoint == "DELETE /api/v1/auth/devices/{device_id}":
        user, password = world["make_user"](role, district)
        device = f"matrix-{role}-{district}"
        client.post("/api/v1/auth/token", json={"username": user.username,
                                                "password": password, "device_id": device})
        return client.delete(path.replace("{device_id}", device), headers=headers)
    if path.startswith("/api/v1/users"):
        return _call_users(client, endpoint, path, headers, district, world)
    if path.startswith("/api/v1/reports/"):
        return client.get(f"{path}?district={district}", headers=headers)
    if "/cases" in path or "/exports/" in path:
        return _call_cases(client, endpoint, path, headers, district, world)
    if "/inspections" in path or "/violations" in path:
        return _call_field(client, endpoint, path, headers, district, world)
    if "/rules/" in path:
        return _call_rules(client, endpoint, path, headers)
    if "/sync/" in path:
        return _call_sync(client, endpoint, path, headers, district, world)
    if "/plans" in path or "/draws" in path or "/tasks" in path or "/recusals" in path:
        return _call_planning(client, endpoint, path, headers, district, world, role)
    return client.open(path, method=method, headers=headers)


def _call_users(client, endpoint, path, headers, district, world):
    """An inspector of the district, made for the call (version 1, never changed before)."""
    if endpoint == "POST /api/v1/users":
        return client.post(path, headers=headers, json={
            "username": f"matrix_{uuid.uuid4().hex[:12]}", "role": "inspector",
            "district": district, "certificate_no": "沪环执MATRIX",
            "certificate_expires": "2099-12-31"})
    if endpoint == "GET /api/v1/users":
        return client.get(path, headers=headers, query_string={"district": district})
    target, _ = world["make_user"]("inspector", district)
    path = path.replace("{user_id}", str(target.id))
    if endpoint.startswith("PATCH"):
        return client.patch(path, headers=headers, json={
            "version": 1, "certificate_expires": "2099-06-30"})
    if endpoint.endswith("/password"):
        return client.post(path, headers=headers, json={})
    return client.get(path, headers=headers)


def _call_planning(client, endpoint, path, headers, district, world, role):
    method = endpoint.split(" ", 1)[0]
    known = world["planning"]
    for name in ("plan_id", "draw_id", "task_id"):
        path = path.replace("{" + name + "}", known[name][district])
    team = known["inspectors"][district]
    if endpoint == "POST /api/v1/plans":
        return client.post(path, headers=headers, json={
            "name": "新计划", "district": district, "sample": {"ratio": "0.5"},
            "period": {"start": "2020-01-01", "end": "2099-12-31"}})
    if endpoint == "POST /api/v1/recusals":
        body = {"enterprise_id": world["ids"][district], "reason": "other_relation"}
        if role != "inspector":
            body["inspector_id"] = team[0]
        return client.post(path, json=body, headers=headers)
    if endpoint == "POST /api/v1/tasks":
        return client.post(path, headers=headers, json={
            "kind": "complaint", "enterprise_id": world["ids"][district],
            "due_in_working_days": 5, "note": "群众举报夜间偷排"})
    if endpoint == "PUT /api/v1/tasks/{task_id}/assignees":
        return client.put(path, json={"inspectors": team, "version": 1}, headers=headers)
    if endpoint == "POST /api/v1/tasks/assignments":
        return client.post(path, headers=headers, json={"items": [
            {"task_id": known["task_id"][district], "inspectors": team}]})
    if endpoint == "POST /api/v1/plans/{plan_id}/draws":  # the plan was drawn before
        return client.post(path, json={"reason": "上一批企业停产，重新抽取"}, headers=headers)
    if endpoint == "POST /api/v1/tasks/{task_id}/transitions":
        return client.post(path, headers=headers, json={"to": "cancelled", "version": 1,
                                                        "reason": "重复举报"})
    if method == "POST":
        return client.post(path, json={}, headers=headers)
    return client.open(path, method=method, headers=headers)


@pytest.mark.parametrize("endpoint", sorted(EXPECTED))
@pytest.mark.parametrize("role", ROLES)
def test_role_on_own_and_other_district(client, login, world, endpoint, role):
    headers = login(role, OWN)
    own, other = EXPECTED[endpoint][role]
    got_other = _call(client, endpoint, headers, OTHER, world, role).status_code
    got_own = _call(client, endpoint, headers, OWN, world, role).status_code
    assert (got_own, got_other) == (own, other)


def test_lists_never_include_another_districts_records(client, login, world):
    for role in ROLES:
        items = client.get("/api/v1/enterprises", headers=login(role, OWN)).get_json()["items"]
        assert {item["district"] for item in items} == {OWN}


def _tus_upload(client, headers: dict[str, str], data: bytes, finish: bool) -> str:
    """Create an upload (and send all of it if `finish`); returns its path."""
    digest = hashlib.sha256(data).hexdigest()
    tus = {**headers, "Tus-Resumable": "1.0.0"}
    created = client.post("/api/v1/uploads/", headers={
        **tus, "Upload-Length": str(len(data)),
        "Upload-Metadata": "sha256 " + base64.b64encode(digest.encode()).decode()})
    location = created.headers["Location"]
    if finish:
        done = client.patch(location, data=data, headers={
            **tus, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})
        assert done.status_code == 204, done.get_json()
    return location


def _evidence_world(client, make_user) -> dict[str, dict[str, str]]:
    """Per district: a photo an inspector of it uploaded, and an upload they left open."""
    from PIL import Image

    found: dict[str, dict[str, str]] = {"sha256": {}, "upload_id": {}}
    for shade, district in enumerate((OWN, OTHER)):
        user, password = make_user("inspector", district)
        token = client.post("/api/v1/auth/token", json={
            "username": user.username, "password": password, "device_id": "matrix-tablet"})
        headers = {"Authorization": f"Bearer {token.get_json()['access_token']}"}
        photo = io.BytesIO()
        Image.new("RGB", (64, 48), (40 * shade, 90, 160)).save(photo, "JPEG")
        _tus_upload(client, headers, photo.getvalue(), finish=True)
        found["sha256"][district] = hashlib.sha256(photo.getvalue()).hexdigest()
        found["upload_id"][district] = _tus_upload(client, headers, b"open" * 100,
                                                   finish=False).rsplit("/", 1)[1]
    return found


def _call_evidence(client, endpoint, path, headers, district, world):
    if "evidence" not in world:
        world["evidence"] = _evidence_world(client, world["make_user"])
    for name, values in world["evidence"].items():
        path = path.replace("{" + name + "}", values[district])
    tus = {**headers, "Tus-Resumable": "1.0.0"}
    if endpoint == "POST /api/v1/uploads/":
        digest = base64.b64encode(b"0" * 64).decode()
        return client.post(path, headers={**tus, "Upload-Length": "10",
                                          "Upload-Metadata": f"sha256 {digest}"})
    if endpoint.startswith("PATCH"):
        return client.patch(path, data=b"x", headers={
            **tus, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})
    return client.open(path, method=endpoint.split(" ", 1)[0], headers=tus)


def _any_path(endpoint: str) -> tuple[str, str]:
    """Method and a concrete path for an endpoint (parameters filled with well-formed ids)."""
    method, path = endpoint.split(" ", 1)
    fills = {"{sha256}": "0" * 64, "{ref}": "sh-eco-minor-offence-waiver@2020",
             "{form}": "filing_approval", "{device_id}": "some-device", "{slug}": "not-found"}
    for name, value in fills.items():
        path = path.replace(name, value)
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        path = path[:start] + str(uuid.uuid4()) + path[end + 1:]
    return method, path


@pytest.mark.parametrize("role", ROLES)
def test_a_revoked_token_is_refused_by_every_endpoint_at_the_next_request(client, make_user,
                                                                          role):
    user, password = make_user(role, OWN)
    tokens = {}
    for device in ("lost-tablet", "desk"):
        issued = client.post("/api/v1/auth/token", json={
            "username": user.username, "password": password, "device_id": device})
        tokens[device] = {"Authorization": f"Bearer {issued.get_json()['access_token']}"}
    lost = tokens["lost-tablet"] | {"Tus-Resumable": "1.0.0"}
    assert client.get("/api/v1/auth/me", headers=lost).status_code == 200
    assert client.delete("/api/v1/auth/devices/lost-tablet",
                         headers=tokens["desk"]).status_code == 200
    answers = {}
    # The console authenticates with its session cookie, not bearer tokens (its own revocation
    # test is tests/console): every API endpoint is asked here.
    for endpoint in sorted(e for e in _routes(client.application) - PUBLIC
                           if e.split(" ", 1)[1].startswith("/api/")):
        method, path = _any_path(endpoint)
        response = client.open(path, method=method, headers=lost, json={})
        answers[endpoint] = (response.status_code, response.mimetype)
    assert {e: a for e, a in answers.items() if a != (401, "application/problem+json")} == {}
    assert client.get("/api/v1/auth/me", headers=tokens["desk"]).status_code == 200
