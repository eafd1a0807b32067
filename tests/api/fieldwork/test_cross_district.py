"""Cross-district inspection (交叉检查): inspectors sent to another district's enterprise open,
read and sign its records there; the record belongs to the visited district, whose staff see
it with its photos, and the inspectors' own district sees nothing of it."""

from __future__ import annotations

import uuid

import pytest

from tests.api.evidence.conftest import PHOTOS, Tus, sha256

VISITED = "310101"  # Huangpu; the field fixture's inspectors are Pudong's


@pytest.fixture
def visit(client, field, login, enterprise_body):
    """A Huangpu enterprise where a city-wide supervisor sent both Pudong inspectors."""
    city = login("supervisor", "310000")
    place = client.post("/api/v1/enterprises", json=enterprise_body(VISITED, serial=7),
                        headers=city).get_json()
    task = client.post("/api/v1/tasks", headers=city, json={
        "kind": "complaint", "enterprise_id": place["id"], "due_in_working_days": 5,
        "inspectors": [str(u.id) for u in field["inspectors"]]})
    assert task.status_code == 201, task.get_json()
    record = field["inspection"](enterprise_id=place["id"], task_id=task.get_json()["id"],
                                 started_at="2021-06-01T01:30:00+00:00")
    return {"city": city, "enterprise": place, "task": task.get_json(), "record": record,
            "supervisor": login("supervisor", VISITED), "legal": login("legal", VISITED)}


def _violation(record, **change):
    body = {"id": str(uuid.uuid4()), "inspection_id": record["id"], "code": "AIR_VOC",
            "occurred_on": "2021-06-01", "description": "喷漆车间门窗敞开"}
    return body | change


def _created(response):
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_an_inspector_sent_across_works_on_a_record_of_the_visited_district(client, field,
                                                                            visit):
    record = _created(client.post("/api/v1/inspections", json=visit["record"],
                                  headers=field["headers"]))
    assert record["district"] == VISITED
    url = f"/api/v1/inspections/{record['id']}"
    assert client.get(url, headers=field["headers"]).status_code == 200
    changed = client.patch(url, headers=field["headers"],
                           json={"version": 1, "findings": "已责令关闭门窗"})
    assert changed.status_code == 200, changed.get_json()
    found = _created(client.post("/api/v1/violations", json=_violation(record),
                                 headers=field["headers"]))
    assert found["district"] == VISITED
    assert client.get(f"/api/v1/violations/{found['id']}",
                      headers=field["headers"]).status_code == 200
    listed = {"enterprise_id": visit["enterprise"]["id"]}
    assert [r["id"] for r in client.get("/api/v1/inspections", query_string=listed,
                                        headers=field["headers"]).get_json()["items"]] \
        == [record["id"]]
    assert [v["id"] for v in client.get("/api/v1/violations", query_string=listed,
                                        headers=field["headers"]).get_json()["items"]] \
        == [found["id"]]
    # the visited district's staff see all of it; the inspectors' own district nothing
    for headers, status in ((visit["supervisor"], 200), (visit["legal"], 200),
                            (field["supervisor"], 404)):
        assert client.get(url, headers=headers).status_code == status
        assert client.get(f"/api/v1/violations/{found['id']}",
                          headers=headers).status_code == status


def test_only_the_inspectors_sent_there_may_open_or_read_records_across(client, field, visit,
                                                                       login, make_user):
    stranger = login("inspector", "310115")  # Pudong, not on the task
    refused = client.post("/api/v1/inspections", headers=stranger,
                          json=visit["record"] | {"id": str(uuid.uuid4())})
    assert refused.status_code == 404
    record = _created(client.post("/api/v1/inspections", json=visit["record"],
                                  headers=field["headers"]))
    assert client.get(f"/api/v1/inspections/{record['id']}",
                      headers=stranger).status_code == 404
    cancelled = client.post(f"/api/v1/tasks/{visit['task']['id']}/transitions",
                            headers=visit["city"], json={"to": "cancelled", "reason": "撤销",
                                                         "version": visit["task"]["version"]})
    assert cancelled.status_code == 200, cancelled.get_json()
    again = client.post("/api/v1/inspections", headers=field["headers"],
                        json=visit["record"] | {"id": str(uuid.uuid4())})
    assert again.status_code == 404  # no open task there any more
    # the record they are officers on stays theirs
    assert client.get(f"/api/v1/inspections/{record['id']}",
                      headers=field["headers"]).status_code == 200


def _photo(name: str = "DERIVED_gps_sh_huangpu_center.jpg") -> tuple[bytes, str]:
    data = (PHOTOS / name).read_bytes()
    return data, sha256(data)


@pytest.mark.parametrize("uploaded_first", [True, False])
def test_the_visited_district_sees_the_photos_the_inspectors_took_there(client, field, visit,
                                                                       uploaded_first):
    photo, digest = _photo()
    record = _created(client.post("/api/v1/inspections", json=visit["record"],
                                  headers=field["headers"]))
    if uploaded_first:
        assert Tus(client, field["headers"]).upload(photo).status_code == 204
    found = _created(client.post("/api/v1/violations", headers=field["headers"],
                                 json=_violation(record, evidence=[digest])))
    assert found["missing_evidence"] == ([] if uploaded_first else [digest])
    if not uploaded_first:  # the usual offline order: the record arrives before the photo
        assert Tus(client, field["headers"]).upload(photo).status_code == 204
    read = client.get(f"/api/v1/violations/{found['id']}", headers=visit["legal"]).get_json()
    assert read["missing_evidence"] == [] and read["evidence_checks"][0]["present"] is True
    assert client.get(f"/api/v1/evidence/{digest}",
                      headers=visit["supervisor"]).status_code == 200


def test_uploading_a_file_a_record_cites_opens_it_only_for_records_of_the_uploaders_work(
        client, field, visit, login):
    photo, digest = _photo()
    record = _created(client.post("/api/v1/inspections", json=visit["record"],
                                  headers=field["headers"]))
    found = _created(client.post("/api/v1/violations", headers=field["headers"],
                                 json=_violation(record, evidence=[digest])))
    # a Jing'an inspector with the same bytes is no officer of the Huangpu record
    assert Tus(client, login("inspector", "310106")).upload(photo).status_code == 204
    read = client.get(f"/api/v1/violations/{found['id']}", headers=visit["legal"]).get_json()
    assert read["missing_evidence"] == [digest]
    assert client.get(f"/api/v1/evidence/{digest}",
                      headers=visit["supervisor"]).status_code == 404


def test_the_visited_district_sees_the_signature_images_the_inspectors_collected(
        client, field, visit):
    early, early_digest = _photo("pillow_hopper_noexif.jpg")
    late, late_digest = _photo()
    assert Tus(client, field["headers"]).upload(early, kind="signature").status_code == 204
    record = _created(client.post("/api/v1/inspections", headers=field["headers"], json=visit[
        "record"] | {"signatures": [
            {"signer": user.display_name, "role": "officer", "evidence_sha256": digest}
            for user, digest in zip(field["inspectors"], (early_digest, late_digest),
                                    strict=True)]}))
    assert record["missing_evidence"] == [late_digest]
    assert Tus(client, field["headers"]).upload(late, kind="signature").status_code == 204
    read = client.get(f"/api/v1/inspections/{record['id']}", headers=visit["legal"]).get_json()
    assert read["missing_evidence"] == []


def test_an_officer_from_another_district_opens_the_files_a_colleague_cited_on_their_record(
        app, client, field, visit, make_user, login):
    from sqlalchemy import select

    from server.audit.models import AuditEntry
    from server.extensions import db

    # a mixed team: the Pudong inspector sent there with a Huangpu colleague, who takes photos
    colleague, password = make_user("inspector", VISITED)
    huangpu = {"Authorization": "Bearer " + client.post("/api/v1/auth/token", json={
        "username": colleague.username, "password": password,
        "device_id": "tablet-huangpu"}).get_json()["access_token"]}
    pudong = field["inspectors"][0]
    record = _created(client.post("/api/v1/inspections", headers=field["headers"], json=visit[
        "record"] | {"inspector_ids": [str(pudong.id), str(colleague.id)]}))
    photo, digest = _photo()
    uncited, uncited_digest = _photo("pillow_hopper_noexif.jpg")
    for data in (photo, uncited):
        assert Tus(client, huangpu).upload(data).status_code == 204  # Huangpu holds both
    found = _created(client.post("/api/v1/violations", headers=huangpu,
                                 json=_violation(record, evidence=[digest])))
    read = client.get(f"/api/v1/violations/{found['id']}", headers=field["headers"]).get_json()
    assert read["missing_evidence"] == [] and read["evidence_checks"][0]["present"] is True
    pulled = client.get("/api/v1/sync/pull?limit=1000", headers=field["headers"]).get_json()
    assert digest in {c["id"] for c in pulled["changes"] if c["entity"] == "evidence"}
    # so REST opens it for them too: metadata, thumbnail, and the original, audited
    path = f"/api/v1/evidence/{digest}"
    assert client.get(path, headers=field["headers"]).get_json()["sha256"] == digest
    assert client.get(f"{path}/thumbnail", headers=field["headers"]).status_code == 200
    original = client.get(f"{path}/original", headers=field["headers"])
    assert original.status_code == 200 and original.data == photo
    with app.app_context():
        viewers = db.session.scalars(select(AuditEntry.actor_id).where(
            AuditEntry.action == "evidence.view_original",
            AuditEntry.entity_id == digest)).all()
    assert [str(v) for v in viewers] == [str(pudong.id)]
    # nobody else gains anything: a file the record does not cite, other Pudong staff
    assert client.get(f"/api/v1/evidence/{uncited_digest}",
                      headers=field["headers"]).status_code == 404
    for headers in (login("inspector", "310115"), field["supervisor"]):
        assert client.get(path, headers=headers).status_code == 404
        assert client.get(f"{path}/original", headers=headers).status_code == 404


@pytest.mark.parametrize("withdrawn", ["cancelled", "reassigned"])
def test_inspectors_taken_off_the_task_across_read_their_record_and_change_nothing(
        client, field, visit, login, make_user, withdrawn):
    record = _created(client.post("/api/v1/inspections", json=visit["record"],
                                  headers=field["headers"]))
    found = _created(client.post("/api/v1/violations", json=_violation(record),
                                 headers=field["headers"]))
    task = visit["task"]
    if withdrawn == "cancelled":
        done = client.post(f"/api/v1/tasks/{task['id']}/transitions", headers=visit["city"],
                           json={"to": "cancelled", "reason": "撤销", "version": task["version"]})
    else:  # the city-wide supervisor sends two Huangpu inspectors instead
        team = [str(make_user("inspector", VISITED)[0].id) for _ in range(2)]
        done = client.put(f"/api/v1/tasks/{task['id']}/assignees", headers=visit["city"],
                          json={"inspectors": team, "version": task["version"]})
    assert done.status_code == 200, done.get_json()
    url = f"/api/v1/inspections/{record['id']}"
    assert client.get(url, headers=field["headers"]).status_code == 200
    refused = [
        client.patch(url, headers=field["headers"], json={"version": 1, "findings": "改"}),
        client.patch(url, headers=field["headers"], json={
            "version": 1, "inspector_ids": [str(u.id) for u in field["inspectors"]][::-1]}),
        client.post("/api/v1/violations", json=_violation(record), headers=field["headers"]),
        client.patch(f"/api/v1/violations/{found['id']}", headers=field["headers"],
                     json={"version": found["version"], "description": "改"}),
        client.post(f"{url}/submit", headers=field["headers"], json={"version": 1})]
    assert [r.status_code for r in refused] == [403] * len(refused), \
        [r.get_json() for r in refused]
    assert refused[0].headers["Content-Type"] == "application/problem+json"
    assert client.get(url, headers=field["headers"]).get_json()["version"] == 1
