"""Push refusals: server-owned fields, bad input, scope, the lifecycle; the batch goes on."""

from __future__ import annotations

import secrets
import uuid

from tests.api.sync.conftest import mutation
from tests.api.sync.pushed import pushed_inspection, pushed_violation


def test_server_owned_fields_are_rejected_with_the_reason(world, assigned_task):
    tablet = world["a"]
    inspection = pushed_inspection(world)
    violation = pushed_violation(world, inspection)
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


def test_an_unknown_entity_with_a_long_name_is_rejected_alone_and_the_batch_kept(world):
    tablet = world["a"]
    good = str(uuid.uuid4())
    future = mutation("inspection_attachment_note", "create", str(uuid.uuid4()), {})
    results = tablet.push(future, mutation("inspection", "create", good,
                                           world["inspection_fields"]()))
    assert [r["status"] for r in results] == ["rejected", "applied"]
    assert "entity" in results[0]["problem"]["errors"]
    again = tablet.push(future)[0]  # remembered: a resend replays the rejection
    assert (again["status"], again["first"]["status"]) == ("duplicate", "rejected")


def test_a_mutation_whose_fields_are_not_an_object_is_rejected_alone(client, world):
    tablet, good = world["a"], str(uuid.uuid4())
    odd = [mutation("inspection", "create", str(uuid.uuid4())) | {"fields": fields}
           for fields in ([], "findings", 5, None)]
    response = client.post("/api/v1/sync/push", headers=tablet.headers, json={
        "device_id": tablet.device, "mutations": [*odd, mutation(
            "inspection", "create", good, world["inspection_fields"]())]})
    assert response.status_code == 200, response.get_json()
    results = response.get_json()["results"]
    assert [r["status"] for r in results] == ["rejected"] * 4 + ["applied"]
    assert all(r["problem"]["errors"] == {"fields": ["not an object"]} for r in results[:4])


MALFORMED = [("base_version", "abc"), ("base_version", "1"), ("base_version", 1.5),
             ("base_version", True), ("base_version", {"v": 1}), ("base_version", -1),
             ("recorded_at", "yesterday"), ("recorded_at", 5), ("id", "x" * 201), ("id", 5),
             ("id", ""), ("entity", 7), ("op", None)]


def test_a_malformed_envelope_field_rejects_that_mutation_alone(client, world):
    tablet, good = world["a"], str(uuid.uuid4())
    odd = [mutation("inspection", "create", str(uuid.uuid4()), world["inspection_fields"]())
           | {name: value} for name, value in MALFORMED]
    response = client.post("/api/v1/sync/push", headers=tablet.headers, json={
        "device_id": tablet.device, "mutations": [*odd, mutation(
            "inspection", "create", good, world["inspection_fields"]())]})
    assert response.status_code == 200, response.get_json()
    results = response.get_json()["results"]
    assert [r["status"] for r in results] == ["rejected"] * len(odd) + ["applied"]
    for (name, value), sent, result in zip(MALFORMED, odd, results, strict=False):
        assert result["problem"]["status"] == 422
        assert list(result["problem"]["errors"]) == [name], result
        assert (result["mutation_id"], result[name if name in ("entity", "id") else "id"]) \
            == (sent["mutation_id"], value if name in ("entity", "id") else sent["id"])
    again = tablet.push(odd[0])[0]  # its mutation_id is sound: remembered, replayed on a resend
    assert (again["status"], again["first"]["status"]) == ("duplicate", "rejected")


def test_a_mutation_without_a_usable_mutation_id_is_answered_in_order_and_not_remembered(
        client, world):
    tablet, good = world["a"], str(uuid.uuid4())
    odd = [mutation("inspection", "create", str(uuid.uuid4()), world["inspection_fields"]())
           | {"mutation_id": value} for value in ("not-a-uuid", 5, None, "")]
    odd.append({k: v for k, v in odd[0].items() if k != "mutation_id"})
    batch = [*odd, mutation("inspection", "create", good, world["inspection_fields"]())]
    for _ in range(2):  # sent again: tried again, never taken for a duplicate
        response = client.post("/api/v1/sync/push", headers=tablet.headers, json={
            "device_id": tablet.device, "mutations": batch})
        assert response.status_code == 200, response.get_json()
        results = response.get_json()["results"]
        assert [r["status"] for r in results[:-1]] == ["rejected"] * len(odd)
        assert [r["mutation_id"] for r in results[:-1]] == ["not-a-uuid", 5, None, "", None]
        assert all(list(r["problem"]["errors"]) == ["mutation_id"] for r in results[:-1])
    assert results[-1]["status"] == "duplicate"  # the good one was applied the first time
    assert client.get(f"/api/v1/inspections/{odd[0]['id']}",
                      headers=tablet.headers).status_code == 404


def _answer(result: dict) -> dict:
    """A push result without the ids it echoes (the mutation's and the record's)."""
    return {k: v.replace(result["id"], "ID") if isinstance(v, str) else v
            for k, v in result.items() if k not in ("mutation_id", "id")}


def test_an_inspector_cannot_push_into_another_districts_records_nor_learn_they_exist(
        client, world):
    inspection = pushed_inspection(world)
    violation = pushed_violation(world, inspection)
    other, ghost = world["other"], str(uuid.uuid4())
    for entity, record, values in (
            ("inspection", inspection, {"findings": "越权"}),
            ("violation", violation, {"description": "越权"})):
        pushed = other.push(mutation(entity, "update", record, values, base=1),
                            mutation(entity, "update", ghost, values, base=1))
        # the answer of a record that does not exist (yet): held, never applied
        assert _answer(pushed[0]) == _answer(pushed[1]) == {
            "entity": entity, "status": "pending", "version": None,
            "waits_for": f"{entity}:ID"}
    created = other.push(
        mutation("violation", "create", str(uuid.uuid4()), {
            "inspection_id": inspection, "code": "AIR_VOC", "occurred_on": "2026-06-01"}),
        mutation("violation", "create", str(uuid.uuid4()), {
            "inspection_id": ghost, "code": "AIR_VOC", "occurred_on": "2026-06-01"}))
    assert created[0]["status"] == created[1]["status"] == "pending"
    assert created[0]["waits_for"] == f"inspection:{inspection}"
    later = client.post("/api/v1/sync/push", headers=other.headers, json={
        "device_id": other.device, "mutations": [
            mutation("inspection", "update", str(uuid.uuid4()), {"findings": "?"}, base=1)]})
    assert later.status_code == 200 and later.get_json()["released"] == []  # still held
    supervisor = world["supervisor"]
    record = client.get(f"/api/v1/inspections/{inspection}", headers=supervisor).get_json()
    assert (record["version"], record["findings"]) == (1, "喷漆车间门窗敞开作业")
    assert client.get(f"/api/v1/violations/{violation}",
                      headers=supervisor).get_json()["version"] == 1
    listed = client.get("/api/v1/violations", headers=supervisor).get_json()["items"]
    assert [v["id"] for v in listed] == [violation]  # no violation was added


def test_a_malformed_batch_is_a_problem_not_a_500(client, world):
    tablet = world["a"]
    for body in ({}, {"device_id": tablet.device, "mutations": []},
                 {"device_id": tablet.device, "mutations": ["x"]},
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
    inspection = pushed_inspection(world)
    result = world["a"].push(mutation("inspection", "status", inspection,
                                      {"status": "submitted"}, base=1))[0]
    assert result["status"] == "rejected"
    assert "signatures" in result["problem"]["errors"]


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


def test_the_parts_of_a_pushed_update_are_checked_whole_not_as_partial_edits(world):
    inspection = pushed_inspection(world)
    violation = pushed_violation(world, inspection)
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


def test_a_user_holds_at_most_sync_max_held_mutations_and_the_next_is_refused_for_now(
        app, world):
    app.config["SYNC_MAX_HELD"] = 2
    tablet = world["a"]
    waiting = [mutation("inspection", "update", str(uuid.uuid4()), {"findings": "先到"}, base=1)
               for _ in range(3)]
    results = tablet.push(*waiting)
    assert [r["status"] for r in results] == ["pending", "pending", "rejected"]
    refused = results[2]["problem"]
    assert (refused["status"], refused["transient"]) == (429, True)
    assert "2 mutations held" in refused["detail"]
    again = tablet.push(waiting[2])[0]  # not remembered: sent again, refused again
    assert again["status"] == "rejected" and again["problem"]["status"] == 429
    withdrawn = tablet.push(mutation("mutation", "withdraw", waiting[0]["mutation_id"]),
                            waiting[2])
    assert [r["status"] for r in withdrawn] == ["applied", "pending"]


def test_a_second_create_of_a_record_is_applied_only_when_it_sends_what_is_stored(client, world):
    tablet = world["a"]
    inspection = pushed_inspection(world)
    violation = pushed_violation(world, inspection)
    same = [mutation("inspection", "create", inspection, world["inspection_fields"]()),
            mutation("violation", "create", violation, {
                "inspection_id": inspection, "code": "AIR_VOC", "occurred_on": "2026-06-01",
                "description": "VOCs 无组织排放"})]
    other = [mutation("inspection", "create", inspection,
                      world["inspection_fields"](findings="车间已整改")),
             mutation("violation", "create", violation, {
                 "inspection_id": inspection, "code": "AIR_VOC", "occurred_on": "2026-06-02",
                 "description": "VOCs 无组织排放"})]
    results = tablet.push(*same, *other)
    assert [r["status"] for r in results] == ["applied", "applied", "rejected", "rejected"]
    assert [(r["problem"]["status"], list(r["problem"]["errors"])) for r in results[2:]] == [
        (409, ["findings"]), (409, ["occurred_on"])]
    assert all("base_version" in r["problem"]["detail"] for r in results[2:])
    supervisor = world["supervisor"]
    record = client.get(f"/api/v1/inspections/{inspection}", headers=supervisor).get_json()
    assert (record["version"], record["findings"]) == (1, "喷漆车间门窗敞开作业")


def test_a_second_signature_create_under_its_id_is_applied_only_when_it_is_the_same(client,
                                                                                     world):
    tablet, inspection, key = world["a"], pushed_inspection(world), str(uuid.uuid4())
    photo = secrets.token_hex(32)
    party = {"inspection_id": inspection, "signer": "王经理", "role": "party",
             "evidence_sha256": photo}
    first = tablet.push(mutation("signature", "create", key, party))[0]
    assert first["status"] == "applied", first
    results = tablet.push(mutation("signature", "create", key, party),
                          mutation("signature", "create", key, party | {"signer": "李经理"}))
    assert [r["status"] for r in results] == ["applied", "rejected"]
    assert (results[1]["problem"]["status"], list(results[1]["problem"]["errors"])) == (
        409, ["signer"])
    record = client.get(f"/api/v1/inspections/{inspection}",
                        headers=world["supervisor"]).get_json()
    assert [s["signer"] for s in record["signatures"]] == ["王经理"]


def test_a_second_create_sending_the_same_gcj02_position_is_applied(world):
    tablet = world["a"]
    position = {"lat": 31.2, "lon": 121.5, "accuracy_m": 8, "crs": "gcj02"}
    inspection = pushed_inspection(world)
    violation = str(uuid.uuid4())
    record = world["inspection_fields"](checkin=position)
    found = {"inspection_id": inspection, "code": "AIR_VOC", "occurred_on": "2026-06-01",
             "location": position}
    fresh = str(uuid.uuid4())
    first = tablet.push(mutation("inspection", "create", fresh, record),
                        mutation("violation", "create", violation, found))
    assert [r["status"] for r in first] == ["applied", "applied"], first
    again = tablet.push(mutation("inspection", "create", fresh, record),
                        mutation("violation", "create", violation, found),
                        mutation("violation", "create", violation, found | {
                            "location": position | {"lat": 31.3}}))
    assert [r["status"] for r in again] == ["applied", "applied", "rejected"], again
    assert list(again[2]["problem"]["errors"]) == ["location"]
