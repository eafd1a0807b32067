"""The authorization matrix's world: per district, the records each endpoint is asked about."""

from __future__ import annotations

import base64
import hashlib
import io
import uuid

from tests.api.matrix_table import OTHER, OWN


def _created(response) -> dict:
    """The body of a 201 (the world every later matrix test reuses must be whole)."""
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def build_world(client, login, make_user, enterprise_body) -> dict:
    """Per district: an enterprise, its plans, draws and tasks, and its field records."""
    city = login("supervisor", "310000")
    ids = {}
    for serial, district in enumerate((OWN, OTHER), start=1):
        response = client.post("/api/v1/enterprises", json=enterprise_body(district, serial),
                               headers=city)
        ids[district] = _created(response)["id"]
    planning = _planning_world(client, city, make_user, ids)
    return {"ids": ids, "planning": planning, "field": _field_world(client, city, planning, ids),
            "city": city, "city_legal": login("legal", "310000")}


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


def case_world(client, world) -> dict[str, str]:
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


def evidence_world(client, make_user) -> dict[str, dict[str, str]]:
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
        tus_upload(client, headers, photo.getvalue(), finish=True)
        found["sha256"][district] = hashlib.sha256(photo.getvalue()).hexdigest()
        found["upload_id"][district] = tus_upload(client, headers, b"open" * 100,
                                                   finish=False).rsplit("/", 1)[1]
    return found


def tus_upload(client, headers: dict[str, str], data: bytes, finish: bool) -> str:
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


def conflict_world(client, world) -> dict[str, str]:
    """Per district: a hard conflict (two edits of the district's record from one base)."""
    found = {}
    for district in (OWN, OTHER):
        record = world["field"]["inspection_id"][district]
        base = client.get(f"/api/v1/inspections/{record}",
                          headers=world["city"]).get_json()["version"]
        sync_push(client, world["city"], record, base, "甲")
        result = sync_push(client, world["city"], record, base, "乙").get_json()["results"][0]
        assert result["conflict"] == "hard", result
        found[district] = result["conflict_id"]
    return found


def sync_push(client, headers, inspection_id, base, findings, recorded_at=None):
    """Push one edit of an inspection's findings from the caller's own device (stamped with
    the tablet's clock when `recorded_at` is given)."""
    clock = {"recorded_at": recorded_at} if recorded_at else {}
    return client.post("/api/v1/sync/push", headers=headers, json={
        "device_id": _device(client, headers), "mutations": [{
            "mutation_id": str(uuid.uuid4()), "entity": "inspection", "op": "update",
            "id": inspection_id, "base_version": base, "fields": {"findings": findings},
            **clock}]})


def _device(client, headers) -> str:
    return client.get("/api/v1/auth/devices", headers=headers).get_json()[0]["device_id"]
