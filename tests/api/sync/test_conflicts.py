"""Two tablets edit one record: soft conflicts merge, hard ones keep both values until a
supervisor resolves them; the resolution is a new version tablets pull."""

from __future__ import annotations

import os
import uuid

import pytest

from tests.api.described import assert_described
from tests.api.sync.conftest import OTHER, OWN, Tablet, mutation, shared_record


def test_edits_of_different_fields_from_one_base_merge_field_wise(client, world):
    key = shared_record(world)
    first = world["a"].push(mutation("inspection", "update", key, {"findings": "甲的记录"},
                                     base=1))[0]
    second = world["b"].push(mutation("inspection", "update", key, {
        "people_present": [{"name": "李四", "role": "安全员"}]}, base=1))[0]
    assert first["status"] == "applied" and first["version"] == 2
    assert (second["status"], second["conflict"], second["conflicting_fields"]) == (
        "conflict", "soft", [])
    assert second["version"] == 3
    assert second["server"]["findings"] == "甲的记录"
    record = client.get(f"/api/v1/inspections/{key}", headers=world["a"].headers).get_json()
    assert record["findings"] == "甲的记录"
    assert record["people_present"][0]["name"] == "李四"
    listed = client.get("/api/v1/sync/conflicts?status=merged",
                        headers=world["supervisor"]).get_json()
    assert [(c["kind"], c["merged_fields"]) for c in listed] == [("soft", ["people_present"])]


def test_overlapping_edits_keep_both_values_and_the_supervisor_picks_the_tablet(client, world):
    key = shared_record(world)
    world["a"].push(mutation("inspection", "update", key, {"findings": "甲的记录"}, base=1))
    second = world["b"].push(mutation("inspection", "update", key, {
        "findings": "乙的记录", "people_present": [{"name": "李四"}]}, base=1))[0]
    assert (second["status"], second["conflict"], second["conflicting_fields"]) == (
        "conflict", "hard", ["findings"])
    assert second["version"] == 3  # people_present merged; findings held
    world["a"].pull()
    marked = world["a"].data("inspection", key)
    assert marked["findings"] == "甲的记录" and marked["open_conflicts"] == [
        second["conflict_id"]]
    listed = client.get("/api/v1/sync/conflicts", headers=world["supervisor"]).get_json()
    assert [(c["id"], c["server_values"], c["tablet_values"]) for c in listed] == [
        (second["conflict_id"], {"findings": "甲的记录"}, {"findings": "乙的记录"})]
    resolved = client.post(f"/api/v1/sync/conflicts/{second['conflict_id']}/resolve",
                           headers=world["supervisor"], json={"choice": "tablet"})
    assert resolved.status_code == 200, resolved.get_json()
    assert resolved.get_json()["resolution"]["version"] == 4
    world["a"].pull()
    pulled = world["a"].data("inspection", key)
    assert (pulled["version"], pulled["findings"], pulled["open_conflicts"]) == (
        4, "乙的记录", [])
    again = client.post(f"/api/v1/sync/conflicts/{second['conflict_id']}/resolve",
                        headers=world["supervisor"], json={"choice": "server"})
    assert again.status_code == 409


def test_a_conflict_answers_when_the_tablet_recorded_its_edit_or_null_if_it_did_not_say(
        app, client, world):
    key = shared_record(world)
    world["a"].push(mutation("inspection", "update", key, {"findings": "甲"}, base=1))
    clocked = world["b"].push(mutation("inspection", "update", key, {"findings": "乙"}, base=1)
                              | {"recorded_at": "2026-06-01T11:00:00+08:00"})[0]
    unclocked = world["b"].push(mutation("inspection", "update", key, {"findings": "丙"},
                                         base=1))[0]
    listed = client.get("/api/v1/sync/conflicts", headers=world["supervisor"])
    assert_described(app, "GET", "/api/v1/sync/conflicts", listed)
    clocks = {c["id"]: c["tablet_recorded_at"] for c in listed.get_json()}
    assert clocks == {clocked["conflict_id"]: "2026-06-01T03:00:00+00:00",
                      unclocked["conflict_id"]: None}
    resolved = client.post(f"/api/v1/sync/conflicts/{clocked['conflict_id']}/resolve",
                           headers=world["supervisor"], json={"choice": "server"})
    assert_described(app, "POST", "/api/v1/sync/conflicts/{conflict_id}/resolve", resolved)
    assert resolved.get_json()["tablet_recorded_at"] == "2026-06-01T03:00:00+00:00"


def test_a_merged_value_needs_exactly_the_conflicting_fields(client, world):
    key = shared_record(world)
    world["a"].push(mutation("inspection", "update", key, {"findings": "甲"}, base=1))
    conflict = world["b"].push(mutation("inspection", "update", key, {"findings": "乙"},
                                        base=1))[0]["conflict_id"]
    url = f"/api/v1/sync/conflicts/{conflict}/resolve"
    for values in ({}, {"findings": "合", "people_present": []}):
        response = client.post(url, headers=world["supervisor"],
                               json={"choice": "merged", "values": values})
        assert response.status_code == 422
    bad = client.post(url, headers=world["supervisor"],
                      json={"choice": "merged", "values": {"findings": 42}})
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    ok = client.post(url, headers=world["supervisor"],
                     json={"choice": "merged", "values": {"findings": "甲；乙"}})
    assert ok.status_code == 200
    record = client.get(f"/api/v1/inspections/{key}", headers=world["a"].headers).get_json()
    assert record["findings"] == "甲；乙"


def test_the_server_side_choice_keeps_the_record_and_clears_the_mark(client, world):
    key = shared_record(world)
    world["a"].push(mutation("inspection", "update", key, {"findings": "甲"}, base=1))
    conflict = world["b"].push(mutation("inspection", "update", key, {"findings": "乙"},
                                        base=1))[0]["conflict_id"]
    response = client.post(f"/api/v1/sync/conflicts/{conflict}/resolve",
                           headers=world["supervisor"], json={"choice": "server"})
    assert response.status_code == 200
    world["b"].pull()
    assert world["b"].data("inspection", key)["findings"] == "甲"
    assert world["b"].data("inspection", key)["open_conflicts"] == []


def test_checklist_items_merge_per_item_and_the_same_item_is_a_hard_conflict(client, world):
    key = shared_record(world)

    def answer(item, value):
        return {"inspection_id": key, "item": item, "answer": value}

    assert world["a"].push(mutation("checklist_answer", "update", str(uuid.uuid4()),
                                    answer("VOC-01", "yes"), base=1))[0]["status"] == "applied"
    other_item = world["b"].push(mutation("checklist_answer", "create", str(uuid.uuid4()),
                                          answer("NOISE-03", "na"), base=1))[0]
    same_item = world["b"].push(mutation("checklist_answer", "update", str(uuid.uuid4()),
                                         answer("VOC-01", "no"), base=1))[0]
    assert other_item["status"] == "applied"
    assert (same_item["status"], same_item["conflict"], same_item["conflicting_fields"]) == (
        "conflict", "hard", ["checklist:VOC-01"])
    resolved = client.post(f"/api/v1/sync/conflicts/{same_item['conflict_id']}/resolve",
                           headers=world["supervisor"], json={"choice": "tablet"})
    assert resolved.status_code == 200, resolved.get_json()
    record = client.get(f"/api/v1/inspections/{key}", headers=world["a"].headers).get_json()
    assert {a["item"]: a["answer"] for a in record["checklist"]} == {"VOC-01": "no",
                                                                    "NOISE-03": "na"}


def test_a_merged_checklist_answer_answers_the_item_in_conflict_not_another(client, world):
    key = shared_record(world)

    def answer(item, value):
        return {"inspection_id": key, "item": item, "answer": value}

    world["a"].push(mutation("checklist_answer", "create", str(uuid.uuid4()),
                             answer("NOISE-03", "na"), base=1))
    world["a"].push(mutation("checklist_answer", "update", str(uuid.uuid4()),
                             answer("VOC-01", "yes"), base=2))
    conflict = world["b"].push(mutation("checklist_answer", "update", str(uuid.uuid4()),
                                        answer("VOC-01", "no"), base=1))[0]["conflict_id"]
    url = f"/api/v1/sync/conflicts/{conflict}/resolve"
    moved = client.post(url, headers=world["supervisor"], json={"choice": "merged", "values": {
        "checklist:VOC-01": {"item": "NOISE-03", "answer": "yes"}}})
    assert moved.status_code == 422, moved.get_json()
    assert "checklist:VOC-01" in moved.get_json()["errors"]["values"]
    record = client.get(f"/api/v1/inspections/{key}", headers=world["a"].headers).get_json()
    assert sorted((a["item"], a["answer"]) for a in record["checklist"]) == [
        ("NOISE-03", "na"), ("VOC-01", "yes")]
    same = client.post(url, headers=world["supervisor"], json={"choice": "merged", "values": {
        "checklist:VOC-01": {"item": "VOC-01", "answer": "na", "note": "复核"}}})
    assert same.status_code == 200, same.get_json()
    record = client.get(f"/api/v1/inspections/{key}", headers=world["a"].headers).get_json()
    assert sorted((a["item"], a["answer"]) for a in record["checklist"]) == [
        ("NOISE-03", "na"), ("VOC-01", "na")]


def test_violation_facts_from_two_tablets(client, world):
    key = shared_record(world)
    violation = str(uuid.uuid4())
    world["a"].push(mutation("violation", "create", violation, {
        "inspection_id": key, "code": "AIR_VOC", "occurred_on": "2026-06-01"}))
    world["a"].push(mutation("violation", "update", violation, {"description": "甲"}, base=1))
    soft = world["b"].push(mutation("violation", "update", violation,
                                    {"factors": {"duration": 2}}, base=1))[0]
    hard = world["b"].push(mutation("violation", "update", violation,
                                    {"description": "乙"}, base=1))[0]
    assert (soft["conflict"], hard["conflict"]) == ("soft", "hard")
    found = client.get(f"/api/v1/violations/{violation}", headers=world["a"].headers).get_json()
    assert (found["description"], found["factors"]) == ("甲", {"duration": 2})


def test_conflicts_are_district_scoped(client, world, login):
    key = shared_record(world)
    world["a"].push(mutation("inspection", "update", key, {"findings": "甲"}, base=1))
    conflict = world["b"].push(mutation("inspection", "update", key, {"findings": "乙"},
                                        base=1))[0]["conflict_id"]
    elsewhere = login("supervisor", OTHER)
    assert client.get("/api/v1/sync/conflicts", headers=elsewhere).get_json() == []
    response = client.post(f"/api/v1/sync/conflicts/{conflict}/resolve", headers=elsewhere,
                           json={"choice": "server"})
    assert response.status_code == 404
    assert client.post(f"/api/v1/sync/conflicts/{uuid.uuid4()}/resolve",
                       headers=world["supervisor"],
                       json={"choice": "server"}).status_code == 404
    assert client.post(f"/api/v1/sync/conflicts/{conflict}/resolve",
                       headers=world["supervisor"],
                       json={"choice": "both"}).status_code == 422


def test_a_tablet_writing_uppercase_ids_edits_the_same_record_and_keeps_its_decision(
        client, world):
    key = shared_record(world)
    violation = str(uuid.uuid4())
    world["a"].push(mutation("violation", "create", violation.upper(), {
        "inspection_id": key.upper(), "code": "AIR_VOC", "occurred_on": "2026-06-01"}))
    world["a"].push(mutation("violation", "update", violation, {"description": "甲"}, base=1))
    soft = world["b"].push(mutation("violation", "update", violation.upper(),
                                    {"factors": {"duration": 2}}, base=1))[0]
    assert (soft["status"], soft["conflict"]) == ("conflict", "soft")
    changes = world["a"].pull()
    assert {c["id"] for c in changes if c["entity"] == "violation"} == {violation}
    pulled = world["a"].data("violation", violation)
    assert (pulled["description"], pulled["factors"]) == ("甲", {"duration": 2})
    assert pulled["decision"] is not None and pulled["open_conflicts"] == []


def test_an_inspector_who_is_not_an_officer_cannot_turn_a_stale_edit_into_a_conflict(
        client, world, make_user):
    key = shared_record(world)
    violation = str(uuid.uuid4())
    world["a"].push(mutation("violation", "create", violation, {
        "inspection_id": key, "code": "AIR_VOC", "occurred_on": "2026-06-01"}))
    world["a"].push(mutation("inspection", "update", key, {"findings": "甲的记录"}, base=1))
    world["a"].push(mutation("violation", "update", violation, {"description": "甲"}, base=1))
    stranger, password = make_user("inspector", world["own"]["district"])
    tablet = Tablet(client, stranger, password, "tablet-stranger")
    results = tablet.push(
        mutation("inspection", "update", key, {"findings": "旁人的记录"}, base=1),
        mutation("checklist_answer", "update", str(uuid.uuid4()),
                 {"inspection_id": key, "item": "VOC-01", "answer": "yes"}, base=1),
        mutation("violation", "update", violation, {"description": "旁人"}, base=1))
    assert [(r["status"], r["problem"]["errors"]) for r in results] == [
        ("rejected", {"inspector_ids": ["must include yourself"]})] * 3
    assert client.get("/api/v1/sync/conflicts", headers=world["supervisor"]).get_json() == []
    record = client.get(f"/api/v1/inspections/{key}", headers=world["a"].headers).get_json()
    assert (record["findings"], record["checklist"][0]["answer"]) == ("甲的记录", "no")
    found = client.get(f"/api/v1/violations/{violation}", headers=world["a"].headers).get_json()
    assert found["description"] == "甲"


def test_a_merged_value_is_checked_whole_not_as_a_partial_edit(client, world):
    key = shared_record(world)
    world["a"].push(mutation("inspection", "update", key, {"checkin": {"lat": 31.3,
                                                                      "lon": 121.4}}, base=1))
    conflict = world["b"].push(mutation("inspection", "update", key, {"checkin": {
        "lat": 31.1, "lon": 121.6}}, base=1))[0]["conflict_id"]
    url = f"/api/v1/sync/conflicts/{conflict}/resolve"
    half = client.post(url, headers=world["supervisor"],
                       json={"choice": "merged", "values": {"checkin": {"lat": 31.2}}})
    assert half.status_code == 422, half.get_json()
    assert "lon" in half.get_json()["errors"]["checkin"]
    whole = client.post(url, headers=world["supervisor"], json={
        "choice": "merged", "values": {"checkin": {"lat": 31.2, "lon": 121.5}}})
    assert whole.status_code == 200, whole.get_json()
    record = client.get(f"/api/v1/inspections/{key}", headers=world["a"].headers).get_json()
    assert (record["checkin"]["lat"], record["checkin"]["crs"]) == (31.2, "wgs84")


def test_a_field_changed_again_after_the_conflict_is_not_overwritten_unseen(client, world):
    key = shared_record(world)
    world["a"].push(mutation("inspection", "update", key, {"findings": "甲"}, base=1))
    conflict = world["b"].push(mutation("inspection", "update", key, {"findings": "乙"},
                                        base=1))[0]["conflict_id"]
    later = world["a"].push(mutation("inspection", "update", key, {"findings": "甲补充"},
                                     base=2))[0]
    assert later["status"] == "applied"
    url = f"/api/v1/sync/conflicts/{conflict}"
    refused = client.post(f"{url}/resolve", headers=world["supervisor"],
                          json={"choice": "tablet"})
    assert refused.status_code == 409, refused.get_json()
    assert refused.mimetype == "application/problem+json"
    assert "findings" in refused.get_json()["detail"]
    record = client.get(f"/api/v1/inspections/{key}", headers=world["a"].headers).get_json()
    assert record["findings"] == "甲补充"  # nothing applied
    assert refused.get_json()["changed_fields"] == ["findings"]
    shown = client.get("/api/v1/sync/conflicts", headers=world["supervisor"]).get_json()
    assert [(c["id"], c["server_values"]) for c in shown] == [(conflict, {"findings": "甲补充"})]
    resolved = client.post(f"{url}/resolve", headers=world["supervisor"],
                           json={"choice": "tablet"})  # chosen again, seeing the record now
    assert resolved.status_code == 200, resolved.get_json()
    record = client.get(f"/api/v1/inspections/{key}", headers=world["a"].headers).get_json()
    assert record["findings"] == "乙"


def test_a_refused_resolution_sent_with_an_idempotency_key_still_refreshes_the_conflict(
        client, world):
    key = shared_record(world)
    world["a"].push(mutation("inspection", "update", key, {"findings": "甲"}, base=1))
    conflict = world["b"].push(mutation("inspection", "update", key, {"findings": "乙"},
                                        base=1))[0]["conflict_id"]
    world["a"].push(mutation("inspection", "update", key, {"findings": "甲补充"}, base=2))
    url = f"/api/v1/sync/conflicts/{conflict}/resolve"
    first = {**world["supervisor"], "Idempotency-Key": str(uuid.uuid4())}
    assert client.post(url, headers=first, json={"choice": "tablet"}).status_code == 409
    replayed = client.post(url, headers=first, json={"choice": "tablet"})
    assert replayed.status_code == 409  # the same request again: its first answer
    second = {**world["supervisor"], "Idempotency-Key": str(uuid.uuid4())}
    assert client.post(url, headers=second, json={"choice": "tablet"}).status_code == 200


@pytest.mark.skipif(os.environ.get("TEST_DATABASE") != "postgresql",
                    reason="row locks are PostgreSQL's")
def test_a_resolution_holds_the_record_while_it_compares_and_applies(
        app, client, world, database_url, monkeypatch):
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    from server.config import normalise_database_url
    from server.sync import conflicts as conflict_service

    key = shared_record(world)
    world["a"].push(mutation("inspection", "update", key, {"findings": "甲"}, base=1))
    conflict = world["b"].push(mutation("inspection", "update", key, {"findings": "乙"},
                                        base=1))[0]["conflict_id"]
    other, wrote, compare = create_engine(normalise_database_url(database_url)), [], \
        conflict_service.refresh

    def then_another_writer(*args, **kwargs):
        """Another push commits an edit just after the resolution read the record."""
        moved = compare(*args, **kwargs)
        with other.connect() as conn:
            try:
                conn.execute(text("SET lock_timeout = '300ms'"))
                conn.execute(text("UPDATE inspections SET findings = '甲补充', "
                                  "version = version + 1 WHERE id = :id"), {"id": key})
                conn.commit()
                wrote.append(True)
            except OperationalError:  # it waits for the resolution (here: gives up)
                conn.rollback()
        return moved

    monkeypatch.setattr(conflict_service, "refresh", then_another_writer)
    answer = client.post(f"/api/v1/sync/conflicts/{conflict}/resolve",
                         headers=world["supervisor"], json={"choice": "tablet"})
    other.dispose()
    record = client.get(f"/api/v1/inspections/{key}", headers=world["a"].headers).get_json()
    assert not (wrote and record["findings"] == "乙"), (answer.status_code, record["findings"])


def test_one_conflict_is_read_as_the_list_gives_it_within_the_readers_scope(
        app, client, world, login):
    key = shared_record(world)
    world["a"].push(mutation("inspection", "update", key, {"findings": "甲"}, base=1))
    conflict = world["b"].push(mutation("inspection", "update", key, {"findings": "乙"},
                                        base=1))[0]["conflict_id"]
    url = f"/api/v1/sync/conflicts/{conflict}"
    one = client.get(url, headers=world["supervisor"])
    assert one.status_code == 200, one.get_json()
    assert_described(app, "GET", "/api/v1/sync/conflicts/{conflict_id}", one)
    [listed] = client.get("/api/v1/sync/conflicts", headers=world["supervisor"]).get_json()
    assert one.get_json() == listed
    assert client.get(url, headers=world["city"]).get_json() == listed
    elsewhere = client.get(url, headers=login("supervisor", OTHER))
    unknown = client.get(f"/api/v1/sync/conflicts/{uuid.uuid4()}", headers=world["supervisor"])
    malformed = client.get("/api/v1/sync/conflicts/not-an-id", headers=world["supervisor"])
    for answer in (elsewhere, unknown, malformed):
        assert (answer.status_code, answer.mimetype) == (404, "application/problem+json")
        assert_described(app, "GET", "/api/v1/sync/conflicts/{conflict_id}", answer)
    assert elsewhere.get_json()["detail"] == unknown.get_json()["detail"]  # nothing disclosed
    assert client.get(url, headers=world["a"].headers).status_code == 403
    assert client.get(url, headers=login("legal", OWN)).status_code == 403
