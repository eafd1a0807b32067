"""Every console route x every role x own/other district, against an expected table.

tests/api/test_authorization_matrix.py checks that every route of the app has a row here or
there; pages check the role first (403 before any lookup), then the services answer 404 for
records outside the district scope, exactly as the API does.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.api.sync.conftest import Tablet, mutation
from tests.console.conftest import OTHER, OWN, ROLES

PUBLIC = {"GET /console/login", "POST /console/login", "POST /console/language",
          "GET /console/password", "POST /console/password",
          "GET /console/static/{filename}"}

ALL_OK = {r: (200, 200) for r in ROLES}
SUPERVISING = {"inspector": (403, 403), "supervisor": (200, 200), "legal": (403, 403),
               "admin": (200, 200)}
SUPERVISING_RECORD = {"inspector": (403, 403), "supervisor": (200, 404), "legal": (403, 403),
                      "admin": (200, 404)}
CASE_READERS = {"inspector": (403, 403), "supervisor": (200, 404), "legal": (200, 404),
                "admin": (200, 404)}
EXPORTERS = {"inspector": (403, 403), "supervisor": (200, 404), "legal": (200, 404),
             "admin": (403, 403)}
# route -> {role: (status on a record of the caller's district, status on another's)}
EXPECTED: dict[str, dict[str, tuple[int, int]]] = {
    "GET /console/": {"inspector": (200, 200), "supervisor": (302, 302), "legal": (302, 302),
                      "admin": (302, 302)},
    "POST /console/logout": {r: (303, 303) for r in ROLES},
    "GET /console/map": SUPERVISING,
    "GET /console/enterprises": ALL_OK,
    # a file of another district's units is refused row by row (all or nothing: 422)
    "POST /console/enterprises/import": {"inspector": (403, 403), "supervisor": (200, 422),
                                         "legal": (403, 403), "admin": (200, 422)},
    "GET /console/enterprises/{enterprise_id}": {r: (200, 404) for r in ROLES},
    "POST /console/enterprises/{enterprise_id}": {"inspector": (403, 403),
                                                  "supervisor": (303, 404),
                                                  "legal": (403, 403), "admin": (303, 404)},
    "GET /console/enterprises/new": SUPERVISING,
    # one enterprise is never registered outside the caller's scope (403, as in the API)
    "POST /console/enterprises/new": {"inspector": (403, 403), "supervisor": (303, 403),
                                      "legal": (403, 403), "admin": (303, 403)},
    "GET /console/enterprises/{enterprise_id}/remove": SUPERVISING_RECORD,
    "GET /console/plans": SUPERVISING,
    "POST /console/plans": {"inspector": (403, 403), "supervisor": (303, 403),
                            "legal": (403, 403), "admin": (303, 403)},
    "GET /console/plans/{plan_id}": SUPERVISING_RECORD,
    "POST /console/plans/{plan_id}/draws": {"inspector": (403, 403), "supervisor": (303, 404),
                                            "legal": (403, 403), "admin": (303, 404)},
    "GET /console/draws/{draw_id}": SUPERVISING_RECORD,
    "GET /console/tasks": SUPERVISING,
    "POST /console/tasks/assignments": {"inspector": (403, 403), "supervisor": (303, 422),
                                        "legal": (403, 403), "admin": (303, 422)},
    "GET /console/tasks/{task_id}": SUPERVISING_RECORD,
    "POST /console/tasks/{task_id}/assignees": {"inspector": (403, 403),
                                                "supervisor": (303, 404),
                                                "legal": (403, 403), "admin": (303, 404)},
    # a cancellation without its reason is refused; another district's task is not found
    "POST /console/tasks/{task_id}/transitions": {"inspector": (403, 403),
                                                  "supervisor": (422, 404),
                                                  "legal": (403, 403), "admin": (422, 404)},
    "GET /console/cases": {"inspector": (403, 403), "supervisor": (200, 200),
                           "legal": (200, 200), "admin": (200, 200)},
    "GET /console/cases/{case_id}": CASE_READERS,
    # the violations desk files cases; a filter on another district shows nothing (200)
    "GET /console/violations": {"inspector": (403, 403), "supervisor": (200, 200),
                                "legal": (200, 200), "admin": (403, 403)},
    # the world's violations are in its cases already (409); another district's: not found
    "POST /console/violations/cases": {"inspector": (403, 403), "supervisor": (409, 404),
                                       "legal": (409, 404), "admin": (403, 403)},
    "GET /console/cases/{case_id}/documents/{form}.{fmt}": CASE_READERS,
    "POST /console/cases/{case_id}/transitions": {"inspector": (403, 403),
                                                  "supervisor": (403, 403),
                                                  "legal": (303, 404), "admin": (403, 403)},
    # a form refused as it stands (one officer; a statement before the notice) shows the
    # case page again; another district's case is not found
    "POST /console/cases/{case_id}/inquiries": {"inspector": (403, 403),
                                                "supervisor": (403, 403),
                                                "legal": (422, 404), "admin": (403, 403)},
    "POST /console/cases/{case_id}/statements": {"inspector": (403, 403),
                                                 "supervisor": (403, 403),
                                                 "legal": (409, 404), "admin": (403, 403)},
    # a stale version is refused on the case page; another district's case is not found
    "POST /console/cases/{case_id}/violations/{violation_id}/facts": {
        "inspector": (403, 403), "supervisor": (403, 403), "legal": (409, 404),
        "admin": (403, 403)},
    # refused on the case page (a second extension's approval first; legal staff moved the
    # case above, so its version is stale); another district's case is not found
    "POST /console/cases/{case_id}/extensions": {"inspector": (403, 403),
                                                 "supervisor": (422, 404),
                                                 "legal": (403, 403), "admin": (403, 403)},
    "POST /console/cases/{case_id}/suspensions": {"inspector": (403, 403),
                                                  "supervisor": (403, 403),
                                                  "legal": (409, 404), "admin": (403, 403)},
    # the world's cases have no suspension open to end (409)
    "POST /console/cases/{case_id}/suspensions/end": {"inspector": (403, 403),
                                                      "supervisor": (403, 403),
                                                      "legal": (409, 404),
                                                      "admin": (403, 403)},
    # the world's cases are not fined (409); another district's case is not found
    "POST /console/cases/{case_id}/daily-penalties": {"inspector": (403, 403),
                                                      "supervisor": (403, 403),
                                                      "legal": (409, 404),
                                                      "admin": (403, 403)},
    "POST /console/cases/{case_id}/exports": {"inspector": (403, 403),
                                              "supervisor": (303, 404),
                                              "legal": (303, 404), "admin": (403, 403)},
    "GET /console/exports/{export_id}": EXPORTERS,
    # the world's exports stay queued: nothing to download yet (409)
    "GET /console/exports/{export_id}/download": {"inspector": (403, 403),
                                                  "supervisor": (409, 404),
                                                  "legal": (409, 404), "admin": (403, 403)},
    "GET /console/evidence/{sha256}/thumbnail": {r: (200, 404) for r in ROLES},
    # reports asked for a district: another district's figures are not found
    "GET /console/reports": {"inspector": (403, 403), "supervisor": (200, 404),
                             "legal": (200, 404), "admin": (200, 404)},
    "GET /console/conflicts": SUPERVISING,
    "GET /console/held": SUPERVISING,
    "POST /console/conflicts/{conflict_id}/resolve": {"inspector": (403, 403),
                                                      "supervisor": (303, 404),
                                                      "legal": (403, 403), "admin": (403, 403)},
    "GET /console/reports.xlsx": {"inspector": (403, 403), "supervisor": (200, 404),
                                  "legal": (200, 404), "admin": (200, 404)},
    # accounts: supervisors read their district's, admins change them (SECURITY.md); a list
    # filtered on another district is empty, an account of another district is not found,
    # and an account is never created outside the admin's scope (403, as in the API)
    "GET /console/accounts": SUPERVISING,
    "POST /console/accounts": {"inspector": (403, 403), "supervisor": (403, 403),
                               "legal": (403, 403), "admin": (201, 403)},
    "GET /console/accounts/{user_id}": SUPERVISING_RECORD,
    "POST /console/accounts/{user_id}": {"inspector": (403, 403), "supervisor": (403, 403),
                                         "legal": (403, 403), "admin": (303, 404)},
    # the officer holds no token on that device (revoking one: test_console_account_devices)
    "POST /console/accounts/{user_id}/devices/revoke": {"inspector": (403, 403),
                                                        "supervisor": (404, 404),
                                                        "legal": (403, 403),
                                                        "admin": (404, 404)},
    "POST /console/accounts/{user_id}/password": {"inspector": (403, 403),
                                                  "supervisor": (403, 403),
                                                  "legal": (403, 403), "admin": (200, 404)},
    # last: the world's enterprise leaves the register
    "POST /console/enterprises/{enterprise_id}/remove": {"inspector": (403, 403),
                                                         "supervisor": (303, 404),
                                                         "legal": (403, 403),
                                                         "admin": (303, 404)},
}


def console_routes(app) -> set[str]:
    """The console's routes as 'METHOD /path/{arg}'."""
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("console."):
            continue
        path = rule.rule
        for converter in ("<uuid:", "<string:", "<path:", "<"):
            path = path.replace(converter, "{")
        path = path.replace(">", "}")
        for method in sorted(rule.methods - {"OPTIONS", "HEAD"}):
            found.add(f"{method} {path}")
    return found


def test_every_console_route_has_a_row(app):
    routes = console_routes(app)
    assert not routes - set(EXPECTED) - PUBLIC, sorted(routes - set(EXPECTED) - PUBLIC)
    assert not set(EXPECTED) - routes, "rows for routes that do not exist"


def _import_csv(world: dict[str, Any], district: str) -> bytes:
    from server.registry.credit_code import make_credit_code

    site = world["site_in"](district, 0.0005)
    import json

    return ("credit_code,name,address,district,industry,permit_class,site\n"
            f"{make_credit_code(district, 777)},上海矩阵有限公司,上海市矩阵路1号,{district},印刷,"
            f"simplified,\"{json.dumps(site).replace(chr(34), chr(34) * 2)}\"\n").encode()


def _reset_stamp(page: str) -> str:
    """The stamp of a page's password reset form, or nothing (no form for this role)."""
    found = re.search(r'name="replaces" value="([0-9a-f]+)"', page)
    return found.group(1) if found else ""


def _request(session, world: dict[str, Any], route: str, district: str):
    """Make the route's request about a record of `district`."""
    from server.registry.credit_code import make_credit_code

    rec = world[district]
    case_id, task = rec["case"]["id"], rec["task"]
    inspectors = [str(i.id) for i in rec["inspectors"]]
    officer = rec["inspectors"][0]
    unit = rec["enterprise"]["id"]
    calls: dict[str, Callable[[], Any]] = {
        "GET /console/": lambda: session.get("/console/"),
        "POST /console/logout": lambda: session.post("/console/logout"),
        "GET /console/map": lambda: session.get("/console/map"),
        "GET /console/enterprises": lambda: session.get(f"/console/enterprises?district="
                                                        f"{district}"),
        "POST /console/enterprises/import": lambda: session.post(
            "/console/enterprises/import", data={
                "file": (io.BytesIO(_import_csv(world, district)), "units.csv")},
            content_type="multipart/form-data"),
        "GET /console/enterprises/{enterprise_id}": lambda: session.get(
            f"/console/enterprises/{unit}"),
        "POST /console/enterprises/{enterprise_id}": lambda: session.post(
            f"/console/enterprises/{unit}", data={
                "industry": "矩阵", "version": world["enterprise_version"](unit)}),
        "GET /console/enterprises/new": lambda: session.get("/console/enterprises/new"),
        "POST /console/enterprises/new": lambda: session.post("/console/enterprises/new", data={
            "credit_code": make_credit_code(district, 778), "name": "上海矩阵登记有限公司",
            "district": district, "permit_class": "simplified"}),
        "GET /console/enterprises/{enterprise_id}/remove": lambda: session.get(
            f"/console/enterprises/{unit}/remove"),
        "POST /console/enterprises/{enterprise_id}/remove": lambda: session.post(
            f"/console/enterprises/{unit}/remove",
            data={"version": world["enterprise_version"](unit)}),
        "GET /console/plans": lambda: session.get("/console/plans"),
        "POST /console/plans": lambda: session.post("/console/plans", data={
            "name": "矩阵计划", "district": district, "sample_kind": "count",
            "sample_value": "1", "period_start": "2020-01-01", "period_end": "2099-12-31"}),
        "GET /console/plans/{plan_id}": lambda: session.get(
            f"/console/plans/{rec['plan']['id']}"),
        # the world's plan was drawn already and its units await their visit: a reason
        "POST /console/plans/{plan_id}/draws": lambda: session.post(
            f"/console/plans/{rec['plan']['id']}/draws", data={"reason": "权限矩阵：再次抽取"}),
        "GET /console/draws/{draw_id}": lambda: session.get(
            f"/console/draws/{rec['draw']['id']}"),
        "GET /console/tasks": lambda: session.get("/console/tasks"),
        "POST /console/tasks/assignments": lambda: session.post(
            "/console/tasks/assignments", data={"task": [task["id"]],
                                                "inspectors": inspectors}),
        "GET /console/tasks/{task_id}": lambda: session.get(f"/console/tasks/{task['id']}"),
        "POST /console/tasks/{task_id}/assignees": lambda: session.post(
            f"/console/tasks/{task['id']}/assignees",
            data={"inspectors": inspectors, "version": world["version_of"](task["id"])}),
        "POST /console/tasks/{task_id}/transitions": lambda: session.post(
            f"/console/tasks/{task['id']}/transitions",
            data={"to": "cancelled", "version": world["version_of"](task["id"])}),
        "GET /console/cases": lambda: session.get("/console/cases"),
        "GET /console/cases/{case_id}": lambda: session.get(f"/console/cases/{case_id}"),
        "GET /console/violations": lambda: session.get(
            f"/console/violations?district={district}"),
        "POST /console/violations/cases": lambda: session.post(
            "/console/violations/cases", data={
                "violation_ids": [rec["violations"][1]["id"]], "late_reason": "权限矩阵"}),
        "GET /console/cases/{case_id}/documents/{form}.{fmt}": lambda: session.get(
            f"/console/cases/{case_id}/documents/filing_approval.docx"),
        "POST /console/cases/{case_id}/transitions": lambda: session.post(
            f"/console/cases/{case_id}/transitions",
            data={"to": "investigating", "version": rec["case"]["version"]}),
        "POST /console/cases/{case_id}/inquiries": lambda: session.post(
            f"/console/cases/{case_id}/inquiries",
            data={"version": rec["case"]["version"], "inspector_ids": inspectors[:1]}),
        "POST /console/cases/{case_id}/statements": lambda: session.post(
            f"/console/cases/{case_id}/statements", data={
                "version": rec["case"]["version"], "form": "written", "made_by": "张三",
                "content": "陈述", "adopted": "rejected", "reasoning": "理由"}),
        "POST /console/cases/{case_id}/violations/{violation_id}/facts": lambda: session.post(
            f"/console/cases/{case_id}/violations/{rec['violations'][1]['id']}/facts",
            data={"version": 999, "corrected_in_time": "yes"}),
        "POST /console/cases/{case_id}/extensions": lambda: session.post(
            f"/console/cases/{case_id}/extensions", data={
                "version": rec["case"]["version"], "approval": "collective", "days": "10",
                "reason": "权限矩阵"}),
        "POST /console/cases/{case_id}/suspensions": lambda: session.post(
            f"/console/cases/{case_id}/suspensions", data={
                "version": rec["case"]["version"], "kind": "testing", "start": "2099-01-02",
                "end": "2099-01-01", "reason": "权限矩阵"}),
        "POST /console/cases/{case_id}/suspensions/end": lambda: session.post(
            f"/console/cases/{case_id}/suspensions/end", data={
                "version": rec["case"]["version"], "end": "2021-06-10"}),
        "POST /console/cases/{case_id}/daily-penalties": lambda: session.post(
            f"/console/cases/{case_id}/daily-penalties", data={
                "version": rec["case"]["version"], "rounds.0.order_served_on": "2021-06-10",
                "rounds.0.reinspected_on": "2021-06-20"}),
        "POST /console/cases/{case_id}/exports": lambda: session.post(
            f"/console/cases/{case_id}/exports"),
        "GET /console/exports/{export_id}": lambda: session.get(
            f"/console/exports/{rec['export']}"),
        "GET /console/exports/{export_id}/download": lambda: session.get(
            f"/console/exports/{rec['export']}/download"),
        "GET /console/evidence/{sha256}/thumbnail": lambda: session.get(
            f"/console/evidence/{rec['photo']}/thumbnail"),
        "GET /console/conflicts": lambda: session.get("/console/conflicts"),
        "GET /console/held": lambda: session.get("/console/held"),
        "POST /console/conflicts/{conflict_id}/resolve": lambda: session.post(
            f"/console/conflicts/{rec['conflict']}/resolve", data={"choice": "tablet"}),
        "GET /console/reports": lambda: session.get(f"/console/reports?district={district}"),
        "GET /console/reports.xlsx": lambda: session.get(
            f"/console/reports.xlsx?district={district}"),
        "GET /console/accounts": lambda: session.get(f"/console/accounts?district={district}"),
        "POST /console/accounts": lambda: session.post("/console/accounts", data={
            "username": f"matrix.{uuid.uuid4().hex[:8]}", "role": "legal",
            "district": district}),
        "GET /console/accounts/{user_id}": lambda: session.get(
            f"/console/accounts/{officer.id}"),
        "POST /console/accounts/{user_id}": lambda: session.post(
            f"/console/accounts/{officer.id}", data={
                "display_name": "矩阵改名", "version": world["user_version"](officer.id)}),
        "POST /console/accounts/{user_id}/devices/revoke": lambda: session.post(
            f"/console/accounts/{officer.id}/devices/revoke",
            data={"device_id": "no-such-device"}),
        "POST /console/accounts/{user_id}/password": lambda: session.post(
            f"/console/accounts/{officer.id}/password", data={"replaces": _reset_stamp(
                session.get(f"/console/accounts/{officer.id}").get_data(as_text=True))}),
    }
    return calls[route]()


def _conflict(client, make_user, district: str, enterprise_id: str) -> str:
    """A hard sync conflict in the district: one inspection edited on two tablets."""
    first, second = (make_user("inspector", district) for _ in range(2))
    tablets = [Tablet(client, user, password, f"tablet-{district}-{n}")
               for n, (user, password) in enumerate((first, second))]
    key = str(uuid.uuid4())
    tablets[0].push(mutation("inspection", "create", key, {
        "enterprise_id": enterprise_id, "inspector_ids": [str(first[0].id), str(second[0].id)],
        "started_at": "2026-06-01T01:30:00+00:00", "findings": "原始记录"}))
    tablets[0].push(mutation("inspection", "update", key, {"findings": "甲"}, base=1))
    result = tablets[1].push(mutation("inspection", "update", key, {"findings": "乙"},
                                      base=1))[0]
    assert result["conflict"] == "hard", result
    return result["conflict_id"]


@pytest.fixture
def matrix_world(app, client, world, site_in, make_user) -> dict[str, Any]:
    """The console world plus a queued export and an open sync conflict per district."""
    app.config["CASE_EXPORT_THREAD"] = False
    for district in (OWN, OTHER):
        world[district]["conflict"] = _conflict(client, make_user, district,
                                                world[district]["enterprise"]["id"])
        export = client.post(f"/api/v1/cases/{world[district]['case']['id']}/exports",
                             headers=world["legal"])
        assert export.status_code == 202, export.get_json()
        world[district]["export"] = export.get_json()["id"]
    def version_of(task_id: str) -> int:
        return client.get(f"/api/v1/tasks/{task_id}",
                          headers=world["supervisor"]).get_json()["version"]

    def user_version(user_id: uuid.UUID) -> int:
        with app.app_context():
            from server.auth import accounts

            return accounts.get_user(None, user_id).version

    def enterprise_version(enterprise_id: str) -> int:
        with app.app_context():
            from server.extensions import db
            from server.registry.models import Enterprise

            return db.session.get(Enterprise, uuid.UUID(enterprise_id)).version

    return world | {"site_in": site_in, "version_of": version_of,
                    "user_version": user_version, "enterprise_version": enterprise_version}


@pytest.mark.parametrize("role", ROLES)
def test_role_on_own_and_other_district(console, matrix_world, role):
    wrong = []
    for route, expected in EXPECTED.items():
        for index, district in enumerate((OWN, OTHER)):
            session = console(role, OWN)  # fresh: a POST may change what the next one sees
            got = _request(session, matrix_world, route, district).status_code
            if got != expected[role][index]:
                wrong.append(f"{route} on {district}: {got}, expected {expected[role][index]}")
    assert not wrong, "\n".join(wrong)
