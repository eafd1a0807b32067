"""Checklist answers pushed on a version of their record: the item's answer at that version
decides, not the tablet's other work on the record; a conflict on an item is resolved by a
supervisor like any other field."""

from __future__ import annotations

import uuid

from tests.api.sync.conftest import mutation, shared_record


def _answer(key: str, item: str, value: str, base: int | None, note: str = ""):
    return mutation("checklist_answer", "create", str(uuid.uuid4()), {
        "inspection_id": key, "item": item, "answer": value, "note": note}, base=base)


def _answers(client, world, key: str) -> dict[str, str]:
    record = client.get(f"/api/v1/inspections/{key}", headers=world["a"].headers).get_json()
    return {a["item"]: a["answer"] for a in record["checklist"]}


def test_an_answer_on_a_version_the_server_never_had_is_refused(client, world):
    key = shared_record(world)
    [result] = world["a"].push(_answer(key, "VOC-01", "yes", base=5))
    assert result["status"] == "rejected" and result["problem"]["status"] == 422
    assert "base_version" in result["problem"]["errors"]
    assert _answers(client, world, key) == {"VOC-01": "no"}


def test_an_answer_on_the_current_version_is_applied_over_the_item(client, world):
    key = shared_record(world)
    [result] = world["a"].push(_answer(key, "VOC-01", "yes", base=1))
    assert (result["status"], result["version"]) == ("applied", 2)
    assert _answers(client, world, key) == {"VOC-01": "yes"}


def test_a_second_answer_on_the_version_the_first_gave_is_no_conflict_after_more_work(
        client, world):
    key = shared_record(world)
    assert world["b"].push(mutation("inspection", "update", key, {"findings": "乙"},
                                    base=1))[0]["version"] == 2
    first, signed = world["a"].push(  # one batch: the answer's version 3 is not its last
        _answer(key, "NOISE-03", "yes", base=1),
        mutation("signature", "create", str(uuid.uuid4()), {
            "inspection_id": key, "signer": "王经理", "role": "party", "refused": True,
            "refusal_reason": "拒签"}))
    assert (first["status"], first["version"], signed["version"]) == ("applied", 3, 4)
    [again] = world["a"].push(_answer(key, "NOISE-03", "na", base=first["version"]))
    assert (again["status"], again["version"]) == ("applied", 5), again
    assert _answers(client, world, key) == {"VOC-01": "no", "NOISE-03": "na"}


def _conflict(world, key: str) -> dict:
    assert world["a"].push(_answer(key, "VOC-01", "yes", base=1))[0]["status"] == "applied"
    [hard] = world["b"].push(_answer(key, "VOC-01", "na", base=1, note="不适用"))
    assert (hard["status"], hard["conflict"], hard["conflicting_fields"]) == (
        "conflict", "hard", ["checklist:VOC-01"])
    return hard


def test_a_supervisor_merges_a_checklist_conflict_into_one_answer(client, world):
    key = shared_record(world)
    hard = _conflict(world, key)
    listed = client.get("/api/v1/sync/conflicts", headers=world["supervisor"]).get_json()
    [open_one] = [c for c in listed if c["id"] == hard["conflict_id"]]
    assert open_one["server_values"]["checklist:VOC-01"]["answer"] == "yes"
    assert open_one["tablet_values"]["checklist:VOC-01"] == {
        "item": "VOC-01", "answer": "na", "note": "不适用"}
    url = f"/api/v1/sync/conflicts/{hard['conflict_id']}/resolve"
    bad = client.post(url, headers=world["supervisor"], json={
        "choice": "merged", "values": {"checklist:VOC-01": {"item": "VOC-01", "answer": "?"}}})
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    merged = client.post(url, headers=world["supervisor"], json={
        "choice": "merged", "values": {"checklist:VOC-01": {
            "item": "VOC-01", "answer": "no", "note": "两台平板意见不一，现场复核"}}})
    assert merged.status_code == 200, merged.get_json()
    assert _answers(client, world, key) == {"VOC-01": "no"}
    world["b"].pull()
    assert world["b"].data("inspection", key)["open_conflicts"] == []


def test_the_server_side_choice_keeps_the_first_answer(client, world):
    key = shared_record(world)
    hard = _conflict(world, key)
    response = client.post(f"/api/v1/sync/conflicts/{hard['conflict_id']}/resolve",
                           headers=world["supervisor"], json={"choice": "server"})
    assert response.status_code == 200, response.get_json()
    assert _answers(client, world, key) == {"VOC-01": "yes"}
