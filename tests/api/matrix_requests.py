"""The authorization matrix's requests: one well-formed call per API endpoint and district."""

from __future__ import annotations

import base64
import io
import uuid

from server.clock import today_shanghai
from tests.api.matrix_world import case_world, conflict_world, evidence_world, sync_push


def call(client, endpoint, headers, district, world, role):
    """Ask an endpoint about the world's record of a district, with a body it would accept."""
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


def _call_cases(client, endpoint, path, headers, district, world):
    if "cases" not in world:
        world["cases"] = case_world(client, world)
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
        if "evidence" not in world:
            world["evidence"] = evidence_world(client, world["make_user"])
        image = world["evidence"]["sha256"][district]  # uploaded in the case's district
        signed = {"evidence_sha256": image, "signed_at": "2021-06-02T02:05:00+00:00"}
        return client.post(path, headers=headers, json={
            "officer_signatures": [{"user_id": user_id, **signed} for user_id in team[:2]],
            "recorder_signature": signed,
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
    if endpoint.endswith("/suspensions/end"):
        return client.post(path, headers=headers, json={"version": 1, "end": today})
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


def _call_sync(client, endpoint, path, headers, district, world):
    if endpoint == "POST /api/v1/sync/push":
        return sync_push(client, headers, world["field"]["inspection_id"][district], 1, "补")
    if "{conflict_id}" in path:
        if "conflicts" not in world:
            world["conflicts"] = conflict_world(client, world)
        path = path.replace("{conflict_id}", world["conflicts"][district])
        if endpoint.endswith("/resolve"):
            return client.post(path, headers=headers, json={"choice": "server"})
    return client.get(path, headers=headers)


def _call_evidence(client, endpoint, path, headers, district, world):
    if "evidence" not in world:
        world["evidence"] = evidence_world(client, world["make_user"])
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


def any_path(endpoint: str) -> tuple[str, str]:
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
