"""Push: each entity applied, out-of-order arrival held and released, across districts."""

from __future__ import annotations

import secrets
import uuid

from tests.api.sync.conftest import OTHER, mutation
from tests.api.sync.pushed import pushed_inspection, pushed_violation, visit_batch


def test_each_entity_is_applied_and_pulled_back_with_missing_evidence(world, assigned_task):
    tablet = world["a"]
    task = assigned_task(world["own"])  # the record is made at the task's enterprise
    inspection = str(uuid.uuid4())
    violation = str(uuid.uuid4())
    photo, signature = secrets.token_hex(32), secrets.token_hex(32)
    results = tablet.push(
        *visit_batch(world, task, inspection, violation, photo, signature),
        mutation("inspection", "update", inspection, {"findings": "已整改"}, base=3),
        mutation("task", "status", task["id"], {"status": "submitted"}, base=2))
    assert [r["status"] for r in results] == ["applied"] * 8, results
    assert [r["version"] for r in results] == [2, 1, 1, 2, 2, 3, 4, 3]
    tablet.pull()
    record = tablet.data("inspection", inspection)
    assert record["version"] == 4 and record["findings"] == "已整改"
    assert {a["item"] for a in record["checklist"]} == {"VOC-01", "WATER-02"}
    assert record["missing_evidence"] == [signature]
    found = tablet.data("violation", violation)
    assert found["evidence"] == [photo] and found["missing_evidence"] == [photo]
    assert found["decision"] is not None
    assert tablet.data("task", task["id"])["status"] == "submitted"


def test_an_update_before_its_create_is_held_and_applied_when_the_create_arrives(client, world):
    tablet = world["a"]
    inspection, violation = str(uuid.uuid4()), str(uuid.uuid4())
    update = mutation("violation", "update", violation, {"description": "补充说明"}, base=1)
    create = mutation("violation", "create", violation, {
        "inspection_id": inspection, "code": "AIR_VOC", "occurred_on": "2026-06-01"})
    held = tablet.push(update, create)
    assert [(r["status"], r.get("waits_for")) for r in held] == [
        ("pending", f"violation:{violation}"), ("pending", f"inspection:{inspection}")]
    response = client.post("/api/v1/sync/push", headers=tablet.headers, json={
        "device_id": tablet.device,
        "mutations": [mutation("inspection", "create", inspection,
                               world["inspection_fields"]())]})
    body = response.get_json()
    assert body["results"][0]["status"] == "applied"
    assert [(r["mutation_id"], r["status"], r["version"]) for r in body["released"]] == [
        (create["mutation_id"], "applied", 1), (update["mutation_id"], "applied", 2)]
    found = client.get(f"/api/v1/violations/{violation}", headers=tablet.headers).get_json()
    assert (found["version"], found["description"]) == (2, "补充说明")
    replay = tablet.push(update)[0]
    assert replay["status"] == "duplicate" and replay["first"]["status"] == "applied"


def test_a_push_releasing_another_users_held_mutation_answers_only_for_its_own(world):
    inspection, violation = str(uuid.uuid4()), str(uuid.uuid4())
    create = mutation("violation", "create", violation, {
        "inspection_id": inspection, "code": "AIR_VOC", "occurred_on": "2026-06-01"})
    assert world["b"].push(create)[0]["status"] == "pending"
    response = world["a"].client.post("/api/v1/sync/push", headers=world["a"].headers, json={
        "device_id": world["a"].device,
        "mutations": [mutation("inspection", "create", inspection,
                               world["inspection_fields"]())]}).get_json()
    assert response["results"][0]["status"] == "applied" and response["released"] == []
    replay = world["b"].push(create)[0]  # B learns the answer by sending it again
    assert (replay["status"], replay["first"]["status"]) == ("duplicate", "applied")


def test_evidence_arriving_later_clears_missing_evidence_in_the_next_pull(app, world):
    from server.clock import utcnow
    from server.evidence.models import Evidence, EvidenceHolder
    from server.extensions import db

    tablet = world["a"]
    inspection = pushed_inspection(world)
    photo = secrets.token_hex(32)
    violation = pushed_violation(world, inspection, evidence=[photo])
    tablet.pull()
    assert tablet.data("violation", violation)["missing_evidence"] == [photo]
    with app.app_context():  # what the tus upload's last chunk stores
        db.session.add(Evidence(sha256=photo, size=10, mime="image/jpeg", kind="photo",
                                uploaded_by=world["users"][1].id, district="310115",
                                uploaded_at=utcnow(), flags=[], derivation="none"))
        db.session.add(EvidenceHolder(sha256=photo, district="310115"))
        db.session.commit()
    changes = tablet.pull()
    assert {(c["entity"], c["id"]) for c in changes} == {("violation", violation),
                                                       ("evidence", photo)}
    assert tablet.data("violation", violation)["missing_evidence"] == []
    assert tablet.data("evidence", photo)["sha256"] == photo


def test_a_held_evidence_link_with_a_long_id_is_released_and_audited(app, world):
    inspection, violation = str(uuid.uuid4()), str(uuid.uuid4())
    sha = secrets.token_hex(32)
    link = mutation("evidence_link", "create", f"violation:{violation}:{sha}",
                    {"violation_id": violation, "sha256": sha})
    assert world["a"].push(link)[0]["status"] == "pending"
    world["a"].push(mutation("inspection", "create", inspection, world["inspection_fields"]()),
                    mutation("violation", "create", violation, {
                        "inspection_id": inspection, "code": "AIR_VOC",
                        "occurred_on": "2026-06-01"}))
    later = world["a"].push(mutation("inspection", "update", inspection,
                                     {"findings": "复查"}, base=1))
    assert later[0]["status"] == "applied"
    from sqlalchemy import select

    from server.audit.models import AuditEntry
    from server.extensions import db

    with app.app_context():
        ids = db.session.scalars(select(AuditEntry.entity_id).where(
            AuditEntry.action == "sync.release")).all()
    assert f"violation:{violation}:{sha}" in ids


def test_violations_of_one_batch_are_each_others_history(client, world):
    inspection = str(uuid.uuid4())
    first, later, earliest = (str(uuid.uuid4()) for _ in range(3))
    facts = {"facts": {"corrected_on_spot": True, "harmful_consequence": False}}

    def violation(key, day):
        return mutation("violation", "create", key, {
            "inspection_id": inspection, "code": "AIR_VOC", "occurred_on": day} | facts)

    results = world["a"].push(
        mutation("inspection", "create", inspection, world["inspection_fields"]()),
        violation(first, "2026-05-10"), violation(later, "2026-05-20"),
        violation(earliest, "2026-05-01"))
    assert [r["status"] for r in results] == ["applied"] * 4, [r.get("problem") for r in results]
    found = {key: client.get(f"/api/v1/violations/{key}", headers=world["a"].headers)
             .get_json() for key in (first, later, earliest)}
    assert [found[k]["first_offence"] for k in (earliest, first, later)] == [True, False, False]
    history = client.get(f"/api/v1/violations/{first}/decisions",
                         headers=world["a"].headers).get_json()
    assert [d["outcome"] for d in history][-1] == found[first]["decision"]["zh"]["decision"]
    assert len(history) == 2  # decided when it arrived, again when an earlier act arrived


def test_each_result_lists_the_open_conflicts_as_they_were_after_its_own_mutation(world):
    key = pushed_inspection(world)
    assert world["a2"].push(mutation("inspection", "update", key, {"findings": "甲"},
                                     base=1))[0]["status"] == "applied"
    results = world["a"].push(
        mutation("inspection", "update", key, {"findings": "乙"}, base=1),
        mutation("inspection", "update", key, {"findings": "丙"}, base=1))
    assert [(r["status"], r["conflict"]) for r in results] == [("conflict", "hard")] * 2
    assert results[0]["server"]["open_conflicts"] == [results[0]["conflict_id"]]
    assert results[1]["server"]["open_conflicts"] == [r["conflict_id"] for r in results]


def test_inspectors_sent_to_another_districts_enterprise_push_their_work_there(
        client, world, assigned_task, login):
    tablet, task = world["a"], assigned_task()  # at the Huangpu enterprise
    inspection, violation = str(uuid.uuid4()), str(uuid.uuid4())
    signed = [mutation("signature", "create", str(uuid.uuid4()), {
        "inspection_id": inspection, "signer": user.display_name, "role": "officer",
        "evidence_sha256": secrets.token_hex(32)}) for user in world["users"][:2]]
    results = tablet.push(
        mutation("task", "status", task["id"], {"status": "started"}, base=task["version"]),
        mutation("inspection", "create", inspection, world["inspection_fields"](
            enterprise_id=world["far"]["id"], task_id=task["id"],
            ended_at="2026-06-01T03:00:00+00:00")),
        mutation("violation", "create", violation, {
            "inspection_id": inspection, "code": "AIR_VOC", "occurred_on": "2026-06-01"}),
        mutation("evidence_link", "create", f"{violation}:{'b' * 64}",
                 {"violation_id": violation, "sha256": "b" * 64}),
        mutation("checklist_answer", "create", str(uuid.uuid4()), {
            "inspection_id": inspection, "item": "WATER-02", "answer": "yes"}),
        *signed,
        mutation("signature", "create", str(uuid.uuid4()), {
            "inspection_id": inspection, "signer": "王经理", "role": "party", "refused": True,
            "refusal_reason": "称需请示总公司"}),
        mutation("inspection", "status", inspection, {"status": "submitted"}, base=5),
        mutation("task", "status", task["id"], {"status": "submitted"}, base=2))
    assert [r["status"] for r in results] == ["applied"] * 10, results
    tablet.pull()
    record = tablet.data("inspection", inspection)
    assert (record["district"], record["status"]) == (OTHER, "submitted")
    assert tablet.data("violation", violation)["district"] == OTHER
    for headers, status in ((login("supervisor", OTHER), 200), (world["supervisor"], 404)):
        assert client.get(f"/api/v1/inspections/{inspection}",
                          headers=headers).status_code == status
        assert client.get(f"/api/v1/violations/{violation}",
                          headers=headers).status_code == status


def test_photos_an_inspector_sent_across_uploads_after_the_push_are_the_visited_districts(
        client, world, assigned_task, login):
    from tests.api.evidence.conftest import PHOTOS, Tus, sha256

    tablet, task = world["a"], assigned_task()  # at the Huangpu enterprise
    photo = (PHOTOS / "DERIVED_gps_sh_huangpu_center.jpg").read_bytes()
    inspection, violation = str(uuid.uuid4()), str(uuid.uuid4())
    results = tablet.push(
        mutation("inspection", "create", inspection, world["inspection_fields"](
            enterprise_id=world["far"]["id"], task_id=task["id"])),
        mutation("violation", "create", violation, {
            "inspection_id": inspection, "code": "AIR_VOC", "occurred_on": "2026-06-01"}),
        mutation("evidence_link", "create", f"{violation}:{sha256(photo)}",
                 {"violation_id": violation, "sha256": sha256(photo)}))
    assert [r["status"] for r in results] == ["applied"] * 3, results
    tablet.pull()
    assert tablet.data("violation", violation)["missing_evidence"] == [sha256(photo)]
    assert Tus(client, tablet.headers).upload(photo).status_code == 204  # back on a network
    tablet.pull()
    assert tablet.data("violation", violation)["missing_evidence"] == []
    huangpu = login("legal", OTHER)
    found = client.get(f"/api/v1/violations/{violation}", headers=huangpu).get_json()
    assert found["missing_evidence"] == []
    original = client.get(f"/api/v1/evidence/{sha256(photo)}/original", headers=huangpu)
    assert original.status_code == 200 and original.data == photo


def _held_violation(world) -> tuple[str, str, dict]:
    """Tablet B's violation of an inspection the server has not received: held."""
    inspection, violation = str(uuid.uuid4()), str(uuid.uuid4())
    create = mutation("violation", "create", violation, {
        "inspection_id": inspection, "code": "AIR_VOC", "occurred_on": "2026-06-01"})
    assert world["b"].push(create)[0]["status"] == "pending"
    return inspection, violation, create


def _inspection_arrives(world, inspection: str) -> dict:
    """Tablet A pushes the inspection B's violation waits for; A's push answer."""
    return world["a"].client.post("/api/v1/sync/push", headers=world["a"].headers, json={
        "device_id": world["a"].device,
        "mutations": [mutation("inspection", "create", inspection,
                               world["inspection_fields"]())]}).get_json()


def test_a_lost_tablets_held_mutation_is_not_applied_once_the_tablet_is_revoked(client, world):
    inspection, violation, create = _held_violation(world)
    assert client.delete("/api/v1/auth/devices/tablet-b",
                         headers=world["supervisor"]).status_code == 200
    assert _inspection_arrives(world, inspection)["results"][0]["status"] == "applied"
    assert client.get(f"/api/v1/violations/{violation}",
                      headers=world["supervisor"]).status_code == 404


def test_a_held_mutation_waits_for_its_user_to_sign_in_again_after_a_password_reset(
        app, client, world, login):
    inspection, violation, create = _held_violation(world)
    admin = login("admin", "310000")
    user = world["users"][1]
    reset = client.post(f"/api/v1/users/{user.id}/password", headers=admin, json={})
    assert reset.status_code == 200, reset.get_json()
    _inspection_arrives(world, inspection)
    path = f"/api/v1/violations/{violation}"
    assert client.get(path, headers=world["supervisor"]).status_code == 404
    token = client.post("/api/v1/auth/password", json={
        "username": user.username, "password": reset.get_json()["generated_password"],
        "new_password": "Ein-neues-Passwort-2026", "device_id": "tablet-b"})
    assert token.status_code == 201, token.get_json()
    again = client.post("/api/v1/sync/push", json={"device_id": "tablet-b", "mutations": [
        mutation("inspection", "update", inspection, {"findings": "复核"}, base=1)]},
        headers={"Authorization": f"Bearer {token.get_json()['access_token']}"})
    assert [r["mutation_id"] for r in again.get_json()["released"]] == [create["mutation_id"]]
    assert client.get(path, headers=world["supervisor"]).status_code == 200
