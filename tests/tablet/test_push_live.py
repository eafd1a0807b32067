"""Pushing through the client to the real app: a day of offline work, and two tablets editing
one record (soft conflict merged, hard conflict kept with both values and surfaced)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from .conftest import make_photo, server_copy


def test_a_day_offline_reaches_the_server_whole_without_conflicting_with_itself(
        live, tablet_for, field_day, client, tmp_path):
    tablet = tablet_for(live, *field_day["first"])
    inspection = tablet.new_inspection(
        field_day["enterprise"]["id"], field_day["team"], findings="喷漆车间门窗敞开",
        checkin={"lat": 31.2, "lon": 121.5, "accuracy_m": 8})
    violation = "6f1c0a52-6a43-4c55-9d9e-1d2c3b4a5f60"
    tablet.record("violation", "create", violation, {
        "inspection_id": inspection, "code": "AIR_VOC", "occurred_on": "2026-06-01"})
    photo = tablet.add_photo(make_photo(tmp_path / "camera", 11), violation)
    tablet.record("checklist_answer", "create", f"{inspection}:WATER-02", {
        "inspection_id": inspection, "item": "WATER-02", "answer": "yes"})
    tablet.record("inspection", "update", inspection, {"findings": "门窗敞开，已责令整改"})
    tablet.record("violation", "update", violation, {"description": "车间VOCs无组织排放"})
    outcomes = tablet.push()
    assert [o.status for o in outcomes] == ["applied"] * 6, [o.result for o in outcomes]
    assert tablet.store.queued() == [] and tablet.store.issues() == []
    assert tablet.upload_evidence() == {"uploaded": 1, "refused": 0}
    headers = {"Authorization": f"Bearer {tablet.server.token}"}
    record = server_copy(client, headers, "inspection", inspection)
    assert record["findings"] == "门窗敞开，已责令整改"
    assert {a["item"] for a in record["checklist"]} == {"WATER-02"}
    found = server_copy(client, headers, "violation", violation)
    assert found["evidence"] == [photo.sha256] and found["missing_evidence"] == []
    assert found["description"] == "车间VOCs无组织排放"
    tablet.pull()
    version, local = tablet.store.record_of("inspection", inspection)
    assert version == record["version"] and local["findings"] == record["findings"]


def test_two_tablets_on_one_record_merge_softly_and_keep_a_hard_conflict_for_a_supervisor(
        live, tablet_for, field_day, client):
    first = tablet_for(live, *field_day["first"])
    second = tablet_for(live, *field_day["second"])
    key = first.new_inspection(field_day["enterprise"]["id"], field_day["team"],
                               findings="初查", started_at=datetime(2026, 6, 1, 1, 30,
                                                                  tzinfo=UTC).isoformat())
    assert [o.status for o in first.push()] == ["applied"]
    second.pull()
    assert second.store.record_of("inspection", key)[0] == 1
    # different fields on the same version: merged field-wise, a soft conflict
    first.record("inspection", "update", key, {"findings": "甲：门窗敞开"})
    second.record("inspection", "update", key, {"people_present": [
        {"name": "王经理", "role": "厂长"}]})
    assert [o.status for o in first.push()] == ["applied"]
    [soft] = second.push()
    assert (soft.status, soft.conflict) == ("conflict", "soft")
    headers = {"Authorization": f"Bearer {first.server.token}"}
    merged = server_copy(client, headers, "inspection", key)
    assert merged["findings"] == "甲：门窗敞开"
    assert merged["people_present"][0]["name"] == "王经理"
    # the same field from both: the later one is a hard conflict, both values kept
    first.pull(), second.pull()
    first.record("inspection", "update", key, {"findings": "甲：已整改"})
    second.record("inspection", "update", key, {"findings": "乙：未整改"})
    assert [o.status for o in first.push()] == ["applied"]
    [hard] = second.push()
    assert (hard.status, hard.conflict) == ("conflict", "hard")
    assert hard.result["conflicting_fields"] == ["findings"]
    [issue] = second.store.issues()
    assert issue.mutation_id == hard.mutation_id and issue.fields == {"findings": "乙：未整改"}
    assert second.status()["issues"][0]["fields"] == ["findings"]
    listed = client.get("/api/v1/sync/conflicts", headers=field_day["supervisor"]).get_json()
    [open_one] = [c for c in listed if c["entity_id"] == key]
    assert open_one["kind"] == "hard" and open_one["fields"] == ["findings"]
    assert open_one["server_values"]["findings"] == "甲：已整改"
    assert open_one["tablet_values"]["findings"] == "乙：未整改"
    assert server_copy(client, headers, "inspection", key)["findings"] == "甲：已整改"
    # a supervisor takes the tablet's value; both tablets pull the resolution
    resolved = client.post(f"/api/v1/sync/conflicts/{open_one['id']}/resolve",
                           json={"choice": "tablet"}, headers=field_day["supervisor"])
    assert resolved.status_code == 200, resolved.get_json()
    first.pull(), second.pull()
    for tablet in (first, second):
        assert tablet.store.record_of("inspection", key)[1]["findings"] == "乙：未整改"
    assert second.store.acknowledge(hard.mutation_id) and second.store.issues() == []



def test_two_officers_of_one_name_sign_on_a_tablet_and_submit(
        live, tablet_for, make_user, field_day, client, tmp_path):
    first, first_pw = make_user("inspector", "310115", display_name="张伟")
    second, _ = make_user("inspector", "310115", display_name="张伟")
    tablet = tablet_for(live, first, first_pw)
    key = tablet.new_inspection(
        field_day["enterprise"]["id"], [str(first.id), str(second.id)],
        started_at=datetime(2026, 6, 1, 1, 30, tzinfo=UTC).isoformat(),
        ended_at=datetime(2026, 6, 1, 3, 0, tzinfo=UTC).isoformat())
    assert [o.status for o in tablet.push()] == ["applied"]
    tablet.pull()  # the record's officers, with their user ids
    with pytest.raises(ValueError, match="signer_user_id"):
        tablet.sign(key, "张伟", evidence_sha256="a" * 64)
    for seed, user in enumerate((first, second)):
        pad = tablet.add_photo(make_photo(tmp_path / "pad", seed), kind="signature")
        tablet.sign(key, "张伟", evidence_sha256=pad.sha256, signer_user_id=str(user.id))
    tablet.sign(key, "王经理", "party", refusal_reason="称需请示总公司")
    tablet.record("inspection", "status", key, {"status": "submitted"})
    outcomes = tablet.push()
    assert [o.status for o in outcomes] == ["applied"] * 4, [o.result for o in outcomes]
    tablet.pull()
    local = tablet.store.record_of("inspection", key)[1]
    assert local["status"] == "submitted"
    assert [s.get("signer_user_id") for s in local["signatures"]] == [
        str(first.id), str(second.id), None]
