"""Push: each entity, duplicates, out-of-order arrival, server-owned fields, bad input."""

from __future__ import annotations

import os
import secrets
import uuid

import pytest
from sqlalchemy import text

from tests.api.sync.conftest import OTHER, mutation


def _inspection(world, tablet=None):
    key = str(uuid.uuid4())
    result = (tablet or world["a"]).push(
        mutation("inspection", "create", key, world["inspection_fields"]()))[0]
    assert result["status"] == "applied", result
    return key


def _violation(world, inspection_id, tablet=None, **fields):
    key = str(uuid.uuid4())
    body = {"inspection_id": inspection_id, "code": "AIR_VOC", "occurred_on": "2026-06-01",
            "description": "VOCs 无组织排放"} | fields
    result = (tablet or world["a"]).push(mutation("violation", "create", key, body))[0]
    assert result["status"] == "applied", result
    return key


def test_each_entity_is_applied_and_pulled_back_with_missing_evidence(world, assigned_task):
    tablet = world["a"]
    task = assigned_task(world["own"])  # the record is made at the task's enterprise
    inspection = str(uuid.uuid4())
    violation = str(uuid.uuid4())
    photo, signature = secrets.token_hex(32), secrets.token_hex(32)
    results = tablet.push(
        mutation("task", "status", task["id"], {"status": "started"}, base=task["version"]),
        mutation("inspection", "create", inspection,
                 world["inspection_fields"](task_id=task["id"])),
        mutation("violation", "create", violation, {
            "inspection_id": inspection, "code": "AIR_VOC", "occurred_on": "2026-06-01"}),
        mutation("evidence_link", "create", f"{violation}:{photo}",
                 {"violation_id": violation, "sha256": photo}),
        mutation("signature", "create", str(uuid.uuid4()), {
            "inspection_id": inspection, "signer": "王经理", "role": "party",
            "evidence_sha256": signature}),
        mutation("checklist_answer", "create", str(uuid.uuid4()), {
            "inspection_id": inspection, "item": "WATER-02", "answer": "yes"}),
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


def test_a_retried_batch_replays_the_first_results_and_changes_nothing(client, world):
    tablet = world["a"]
    key = str(uuid.uuid4())
    batch = [mutation("inspection", "create", key, world["inspection_fields"]()),
             mutation("inspection", "update", key, {"findings": "一"}, base=1),
             mutation("violation", "update", str(uuid.uuid4()), {"findings": 1}, base=1)]
    first = tablet.push(*batch)
    assert [r["status"] for r in first] == ["applied", "applied", "rejected"]
    again = tablet.push(*batch)
    assert [r["status"] for r in again] == ["duplicate"] * 3
    assert [r["first"] for r in again] == first
    assert [r["version"] for r in again] == [1, 2, None]
    record = client.get(f"/api/v1/inspections/{key}", headers=tablet.headers).get_json()
    assert record["version"] == 2


def test_the_same_mutation_id_from_another_user_is_not_a_duplicate(world):
    key = _inspection(world)
    edit = mutation("inspection", "update", key, {"findings": "甲"}, base=1)
    assert world["a"].push(edit)[0]["status"] == "applied"
    # B's tablet made the same edit on the same base: not a replay, and nothing conflicts
    again = world["b"].push(edit)[0]
    assert (again["status"], again["version"]) == ("applied", 2)


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


def test_server_owned_fields_are_rejected_with_the_reason(world, assigned_task):
    tablet = world["a"]
    inspection = _inspection(world)
    violation = _violation(world, inspection)
    task = assigned_task()
    results = tablet.push(
        mutation("violation", "update", violation, {"first_offence": False,
                                                    "decision": {"outcome": "waived"}}, base=1),
        mutation("violation", "update", violation, {"case_id": str(uuid.uuid4())}, base=1),
        mutation("task", "status", task["id"], {"status": "started",
                                                "assignees": [str(tablet.user.id)]}, base=1),
        mutation("inspection", "update", inspection, {"status": "submitted"}, base=1))
    assert [r["status"] for r in results] == ["rejected"] * 4
    errors = [r["problem"]["errors"] for r in results]
    assert "computed by the server" in errors[0]["first_offence"][0]
    assert "computed by the server" in errors[0]["decision"][0]
    assert "case links" in errors[1]["case_id"][0]
    assert "assignment" in errors[2]["assignees"][0]
    assert "op=status" in errors[3]["status"][0]
    assert all(r["problem"]["status"] == 422 for r in results)


def test_one_bad_mutation_never_fails_the_batch(world):
    tablet = world["a"]
    good = str(uuid.uuid4())
    results = tablet.push(
        mutation("weather", "create", "x", {}),
        mutation("inspection", "create", "not-a-uuid", world["inspection_fields"]()),
        mutation("inspection", "create", str(uuid.uuid4()), world["inspection_fields"](
            inspector_ids=[str(tablet.user.id)])),
        mutation("inspection", "create", str(uuid.uuid4()), world["inspection_fields"](
            enterprise_id=str(uuid.uuid4()))),
        mutation("inspection", "delete", good, {}),
        mutation("violation", "create", str(uuid.uuid4()), {"inspection_id": "x",
                                                             "code": "lower case"}),
        mutation("inspection", "create", good, world["inspection_fields"]()))
    assert [r["status"] for r in results] == ["rejected"] * 6 + ["applied"]
    assert [r["problem"]["status"] for r in results[:6]] == [422, 422, 422, 404, 422, 422]


def test_an_inspector_cannot_push_into_another_districts_records(world):
    inspection = _inspection(world)
    result = world["other"].push(
        mutation("inspection", "update", inspection, {"findings": "越权"}, base=1))[0]
    assert result["status"] == "rejected" and result["problem"]["status"] == 404


def test_a_malformed_batch_is_a_problem_not_a_500(client, world):
    tablet = world["a"]
    for body in ({}, {"device_id": tablet.device, "mutations": []},
                 {"device_id": tablet.device, "mutations": [{"mutation_id": "x"}]},
                 {"device_id": "someone-else", "mutations": [
                     mutation("inspection", "create", str(uuid.uuid4()), {})]},
                 [1, 2]):
        response = client.post("/api/v1/sync/push", headers=tablet.headers, json=body)
        assert response.status_code == 422, body
        assert response.mimetype == "application/problem+json"
    response = client.post("/api/v1/sync/push", headers=tablet.headers, data="{nope",
                           content_type="application/json")
    assert response.status_code == 400


def test_submitting_through_push_needs_the_signatures(world):
    inspection = _inspection(world)
    result = world["a"].push(mutation("inspection", "status", inspection,
                                      {"status": "submitted"}, base=1))[0]
    assert result["status"] == "rejected"
    assert "signatures" in result["problem"]["errors"]


def test_evidence_arriving_later_clears_missing_evidence_in_the_next_pull(app, world):
    from server.clock import utcnow
    from server.evidence.models import Evidence, EvidenceHolder
    from server.extensions import db

    tablet = world["a"]
    inspection = _inspection(world)
    photo = secrets.token_hex(32)
    violation = _violation(world, inspection, evidence=[photo])
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


def test_a_task_status_the_lifecycle_forbids_is_rejected_with_the_reason(world, assigned_task):
    task = assigned_task()
    result = world["a"].push(mutation("task", "status", task["id"], {"status": "submitted"},
                                      base=1))[0]
    assert result["status"] == "rejected" and result["problem"]["status"] == 409
    assert "cannot become submitted" in result["problem"]["detail"]
    unknown = world["a"].push(mutation("task", "status", str(uuid.uuid4()),
                                       {"status": "started"}, base=1))[0]
    assert unknown["problem"]["status"] == 404
    again = world["a"].push(mutation("task", "status", task["id"], {"status": "started"},
                                     base=1),
                            mutation("task", "status", task["id"], {"status": "started"},
                                     base=1))
    assert [(r["status"], r["version"]) for r in again] == [("applied", 2), ("applied", 2)]


def test_a_defect_in_one_mutation_is_reported_and_the_others_still_apply(world, monkeypatch):
    from server.sync import push

    def broken(_ctx):
        raise RuntimeError("a bug")

    monkeypatch.setitem(push.HANDLERS, ("signature", "create"), broken)
    key = str(uuid.uuid4())
    results = world["a"].push(mutation("signature", "create", str(uuid.uuid4()), {}),
                              mutation("inspection", "create", key,
                                       world["inspection_fields"]()))
    assert [r["status"] for r in results] == ["rejected", "applied"]
    assert results[0]["problem"]["status"] == 500 and "error_id" in results[0]["problem"]


def test_a_refusal_of_the_moment_is_not_remembered_and_the_resend_applies(world, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from server.sync import push

    real = push.HANDLERS[("inspection", "create")]

    def deadlocked(_ctx):
        raise OperationalError("INSERT", {}, Exception("deadlock detected"))

    monkeypatch.setitem(push.HANDLERS, ("inspection", "create"), deadlocked)
    create = mutation("inspection", "create", str(uuid.uuid4()), world["inspection_fields"]())
    first = world["a"].push(create)[0]
    assert first["status"] == "rejected" and first["problem"]["status"] == 409
    assert "_transient" not in first
    monkeypatch.setitem(push.HANDLERS, ("inspection", "create"), real)
    again = world["a"].push(create)[0]  # the same mutation_id: tried again, not replayed
    assert (again["status"], again["version"]) == ("applied", 1)


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


def test_a_connection_lost_mid_batch_refuses_the_whole_push_with_503_and_keeps_nothing(
        world, app, monkeypatch):
    from sqlalchemy import func, select
    from sqlalchemy.exc import OperationalError

    from server.extensions import db
    from server.fieldwork.models import Inspection
    from server.sync import push as pushing
    from server.sync.models import SyncMutation

    tablet, calls = world["a"], []
    real = pushing.HANDLERS[("inspection", "create")]

    def dying(ctx):
        calls.append(ctx.mutation["id"])
        if len(calls) == 2:  # the server closed the connection under the second mutation
            raise OperationalError("INSERT", {}, Exception("server closed the connection"),
                                   connection_invalidated=True)
        return real(ctx)

    monkeypatch.setitem(pushing.HANDLERS, ("inspection", "create"), dying)
    batch = [mutation("inspection", "create", str(uuid.uuid4()), world["inspection_fields"]())
             for _ in range(3)]
    response = tablet.client.post("/api/v1/sync/push", headers=tablet.headers,
                                  json={"device_id": tablet.device, "mutations": batch})
    assert response.status_code == 503, response.get_json()
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.headers["Retry-After"]
    assert len(calls) == 2  # no mutation ran on the dead connection after it died
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Inspection)) == 0
        assert db.session.scalar(select(func.count()).select_from(SyncMutation)) == 0
    monkeypatch.setitem(pushing.HANDLERS, ("inspection", "create"), real)
    assert [r["status"] for r in tablet.push(*batch)] == ["applied"] * 3  # the retry: once


def test_a_mutation_applied_meanwhile_by_another_request_refuses_the_batch_then_replays(
        world, app, monkeypatch):
    from sqlalchemy import func, select

    from server.extensions import db
    from server.fieldwork.models import Inspection
    from server.sync import push as pushing

    tablet = world["a"]
    first = mutation("inspection", "create", str(uuid.uuid4()), world["inspection_fields"]())
    assert tablet.push(first)[0]["status"] == "applied"
    # A retry of that push arrives while the first is still running: its check for seen ids
    # ran before the first committed.
    monkeypatch.setattr(pushing, "_seen", lambda actor, mutations: set())
    monkeypatch.setattr(pushing, "_attempt", lambda actor, m: pushing._base(m) | {
        "status": "applied", "version": 1})
    other = mutation("inspection", "create", str(uuid.uuid4()), world["inspection_fields"]())
    response = tablet.client.post("/api/v1/sync/push", headers=tablet.headers,
                                  json={"device_id": tablet.device, "mutations": [other, first]})
    assert response.status_code == 503, response.get_json()
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.headers["Retry-After"] == "1"
    monkeypatch.undo()
    results = tablet.push(other, first)  # the tablet sends the batch again
    assert [r["status"] for r in results] == ["applied", "duplicate"]
    assert results[1]["first"]["version"] == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Inspection)) == 2


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


def test_a_refused_mutation_amid_a_batch_leaves_the_others_applied_and_audited_once(
        app, world):
    from sqlalchemy import func, select

    from server.audit.models import AuditEntry
    from server.extensions import db
    from server.sync.models import SyncChange

    made = [str(uuid.uuid4()) for _ in range(4)]
    batch = [mutation("inspection", "create", key, world["inspection_fields"]())
             for key in made]
    batch.insert(2, mutation("violation", "create", str(uuid.uuid4()), {
        "inspection_id": made[0], "code": "NO_SUCH_CODE", "occurred_on": "2026-06-01"}))
    results = world["a"].push(*batch)
    assert [r["status"] for r in results] == ["applied"] * 2 + ["rejected"] + ["applied"] * 2
    assert [r["version"] for r in results] == [1, 1, None, 1, 1]
    with app.app_context():
        audited = db.session.execute(select(AuditEntry.entity_id, func.count()).where(
            AuditEntry.action == "inspection.create").group_by(AuditEntry.entity_id)).all()
        logged = db.session.scalars(select(SyncChange.entity_id).where(
            SyncChange.entity == "inspection")).all()
    assert sorted(audited) == sorted((key, 1) for key in made)
    assert sorted(logged) == sorted(made)


def test_a_run_the_database_refuses_at_its_flush_keeps_the_audit_of_earlier_mutations(
        app, world, monkeypatch):
    from sqlalchemy import select

    from server.audit.models import AuditEntry
    from server.extensions import db
    from server.sync import records

    taken = _inspection(world)
    # Another request creates the id after the run looked: the run's flush is refused.
    monkeypatch.setattr(records, "_unused", lambda mutations: {
        m["id"] for m in mutations if m["op"] == "create"})
    first, later = str(uuid.uuid4()), str(uuid.uuid4())
    results = world["a"].push(
        mutation("inspection", "create", first, world["inspection_fields"]()),
        mutation("inspection", "update", first, {"findings": "乙"}, base=9),  # refused
        mutation("inspection", "create", later, world["inspection_fields"]()),
        mutation("inspection", "create", taken, world["inspection_fields"]()))
    assert [r["status"] for r in results] == ["applied", "rejected", "applied", "applied"]
    with app.app_context():
        created = db.session.scalars(select(AuditEntry.entity_id).where(
            AuditEntry.action == "inspection.create")).all()
    assert sorted(created) == sorted([taken, first, later])


def test_each_result_lists_the_open_conflicts_as_they_were_after_its_own_mutation(world):
    key = _inspection(world)
    assert world["a2"].push(mutation("inspection", "update", key, {"findings": "甲"},
                                     base=1))[0]["status"] == "applied"
    results = world["a"].push(
        mutation("inspection", "update", key, {"findings": "乙"}, base=1),
        mutation("inspection", "update", key, {"findings": "丙"}, base=1))
    assert [(r["status"], r["conflict"]) for r in results] == [("conflict", "hard")] * 2
    assert results[0]["server"]["open_conflicts"] == [results[0]["conflict_id"]]
    assert results[1]["server"]["open_conflicts"] == [r["conflict_id"] for r in results]


@pytest.mark.skipif(os.environ.get("TEST_DATABASE") != "postgresql",
                    reason="row locks are PostgreSQL's")
def test_a_record_read_before_it_is_locked_is_read_again_under_the_lock(app, world,
                                                                         database_url):
    from sqlalchemy import create_engine

    from server.config import normalise_database_url
    from server.extensions import db
    from server.fieldwork.models import Inspection
    from server.uow import find

    key = uuid.UUID(_inspection(world))
    other = create_engine(normalise_database_url(database_url))
    with app.app_context():
        before = db.session.get(Inspection, key)  # read without a lock, and kept
        assert before.version == 1
        with other.begin() as conn:  # another request changes it meanwhile
            conn.execute(text("UPDATE inspections SET version = 2, findings = '他人' "
                              "WHERE id = :id"), {"id": key})
        locked = find(Inspection, key, lock=True)
        assert locked is before and (locked.version, locked.findings) == (2, "他人")
        assert find(Inspection, key, lock=True) is locked  # locked once per transaction
        db.session.rollback()
    other.dispose()


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


def test_the_parts_of_a_pushed_update_are_checked_whole_not_as_partial_edits(world):
    inspection = _inspection(world)
    violation = _violation(world, inspection)
    signed = {"signer": world["users"][0].display_name, "role": "officer",
              "evidence_sha256": secrets.token_hex(32)}  # `refused` left to its default
    results = world["a"].push(
        mutation("inspection", "update", inspection, {"signatures": [signed]}, base=1),
        mutation("inspection", "update", inspection, {"signatures": [
            {"signer": "王经理", "evidence_sha256": secrets.token_hex(32)}]}, base=2),
        mutation("inspection", "update", inspection, {"checkin": {"lat": 31.2}}, base=2),
        mutation("violation", "update", violation, {"location": {"lon": 121.5}}, base=1))
    assert [r["status"] for r in results] == ["applied"] + ["rejected"] * 3, results
    assert [r["problem"]["status"] for r in results[1:]] == [422] * 3, results
    assert "role" in str(results[1]["problem"]["errors"])
    assert "lon" in str(results[2]["problem"]["errors"])
    assert "lat" in str(results[3]["problem"]["errors"])
    world["a"].pull()
    assert world["a"].data("inspection", inspection)["signatures"] == [
        signed | {"refused": False, "refusal_reason": None}]


def test_a_bad_item_in_a_pushed_list_is_rejected_by_its_index_and_the_batch_goes_on(world):
    fields = world["inspection_fields"](signatures=[{"signer": "王经理", "role": "party"}])
    results = world["a"].push(mutation("inspection", "create", str(uuid.uuid4()), fields),
                              mutation("inspection", "create", str(uuid.uuid4()),
                                       world["inspection_fields"]()))
    assert [r["status"] for r in results] == ["rejected", "applied"], results
    assert results[0]["problem"]["status"] == 422
    assert "evidence_sha256" in results[0]["problem"]["errors"]["signatures"]["0"]


def test_a_bad_item_in_a_list_field_is_rejected_by_its_position_not_a_500(client, world):
    tablet = world["a"]
    bad = mutation("inspection", "create", str(uuid.uuid4()), world["inspection_fields"](
        inspector_ids=[str(tablet.user.id), "nope"]))
    response = client.post("/api/v1/sync/push", headers=tablet.headers,
                           json={"device_id": tablet.device, "mutations": [bad]})
    assert response.status_code == 200, response.get_data(as_text=True)
    [result] = response.get_json()["results"]
    assert result["status"] == "rejected"
    assert result["problem"]["errors"] == {"inspector_ids": {"1": ["Not a valid UUID."]}}
    replay = tablet.push(bad)[0]  # the tablet sending it again learns the same answer
    assert replay["status"] == "duplicate" and replay["first"]["problem"] == result["problem"]
