"""Checklist answers from tablets against the real app: two inspectors answering one item
differently is a hard conflict kept for a supervisor (nothing lost), different items merge,
and a tablet's own work (a changed mind, signatures, evidence, edits) never conflicts with its
own answers."""

from __future__ import annotations

from datetime import UTC, datetime

from offline_sync import Tablet

from .conftest import make_photo, server_copy

STARTED = datetime(2026, 6, 1, 1, 30, tzinfo=UTC).isoformat()


def _answers(client, tablet: Tablet, key: str) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {tablet.server.token}"}
    record = server_copy(client, headers, "inspection", key)
    return {a["item"]: a["answer"] for a in record["checklist"]}


def _pushed(tablet: Tablet) -> list[tuple[str, str | None]]:
    return [(o.status, o.conflict) for o in tablet.push()]


def _shared(live, tablet_for, field_day) -> tuple[Tablet, Tablet, str]:
    """Two inspectors' tablets holding one record at the same version."""
    first = tablet_for(live, *field_day["first"])
    second = tablet_for(live, *field_day["second"])
    key = first.new_inspection(field_day["enterprise"]["id"], field_day["team"],
                               findings="初查", started_at=STARTED)
    assert _pushed(first) == [("applied", None)]
    first.pull(), second.pull()
    assert first.store.record_of("inspection", key)[0] == 1
    assert second.store.record_of("inspection", key)[0] == 1
    return first, second, key


def test_two_tablets_answering_one_item_differently_keep_both_answers_for_a_supervisor(
        live, tablet_for, field_day, client):
    first, second, key = _shared(live, tablet_for, field_day)
    first.answer(key, "VOC-01", "yes", "门窗已关闭")
    second.answer(key, "VOC-01", "no", "门窗敞开")
    assert _pushed(first) == [("applied", None)]
    [hard] = second.push()
    assert (hard.status, hard.conflict) == ("conflict", "hard")
    assert hard.result["conflicting_fields"] == ["checklist:VOC-01"]
    assert [i.mutation_id for i in second.store.issues()] == [hard.mutation_id]
    assert _answers(client, first, key) == {"VOC-01": "yes"}  # the first stays applied
    listed = client.get("/api/v1/sync/conflicts", headers=field_day["supervisor"]).get_json()
    [conflict] = [c for c in listed if c["entity_id"] == key]
    assert (conflict["kind"], conflict["fields"]) == ("hard", ["checklist:VOC-01"])
    assert conflict["server_values"]["checklist:VOC-01"]["answer"] == "yes"
    assert conflict["tablet_values"]["checklist:VOC-01"] == {
        "item": "VOC-01", "answer": "no", "note": "门窗敞开"}
    resolved = client.post(f"/api/v1/sync/conflicts/{conflict['id']}/resolve",
                           json={"choice": "tablet"}, headers=field_day["supervisor"])
    assert resolved.status_code == 200, resolved.get_json()
    first.pull(), second.pull()
    for tablet in (first, second):
        local = tablet.store.record_of("inspection", key)[1]
        assert [(a["item"], a["answer"]) for a in local["checklist"]] == [("VOC-01", "no")]
        assert local["open_conflicts"] == []


def test_two_tablets_answering_different_items_on_one_version_both_stand(
        live, tablet_for, field_day, client):
    first, second, key = _shared(live, tablet_for, field_day)
    first.answer(key, "VOC-01", "yes")
    second.answer(key, "NOISE-03", "na")
    assert _pushed(first) == [("applied", None)]
    assert [status for status, conflict in _pushed(second)
            if conflict == "hard"] == []
    assert second.store.issues() == []
    assert _answers(client, first, key) == {"VOC-01": "yes", "NOISE-03": "na"}


def test_a_tablets_own_work_never_conflicts_with_its_answers_and_the_last_answer_stands(
        live, tablet_for, field_day, client, tmp_path):
    first, second, key = _shared(live, tablet_for, field_day)
    # the other inspector moves the record on; the first tablet does not pull it
    second.edit_inspection(key, {"findings": "乙：复查"})
    assert _pushed(second) == [("applied", None)]
    violation = first.add_violation(key, "AIR_VOC", "2026-06-01")
    first.answer(key, "VOC-01", "yes")
    first.sign_on_site(key, "party", "王经理", refusal_reason="称需请示总公司")
    first.add_photo(make_photo(tmp_path / "camera", 3), violation)
    first.answer(key, "NOISE-03", "no")
    first.answer(key, "VOC-01", "no")  # changed its mind, offline
    first.edit_inspection(key, {"people_present": [{"name": "王经理", "role": "厂长"}]})
    first.answer(key, "VOC-01", "na")  # and again
    outcomes = first.push()
    assert [o.conflict for o in outcomes if o.conflict == "hard"] == [], [
        o.result for o in outcomes]
    assert {o.status for o in outcomes} <= {"applied", "conflict"}
    assert first.store.queued() == [] and first.store.issues() == []
    assert _answers(client, first, key) == {"VOC-01": "na", "NOISE-03": "no"}
    # an earlier push's answers, signature and edit: still not a conflict, still no pull
    first.answer(key, "NOISE-03", "yes")
    first.sign_on_site(key, "witness", "李四", image=make_photo(tmp_path / "pad", 4))
    first.answer(key, "VOC-01", "yes")
    assert {c for _, c in _pushed(first)} == {None}
    assert first.store.issues() == []
    assert _answers(client, first, key) == {"VOC-01": "yes", "NOISE-03": "yes"}
    headers = {"Authorization": f"Bearer {first.server.token}"}
    assert server_copy(client, headers, "inspection", key)["findings"] == "乙：复查"


def test_answers_on_a_record_the_tablet_made_and_has_not_pushed_need_no_base(
        live, tablet_for, field_day, client):
    tablet = tablet_for(live, *field_day["first"])
    key = tablet.new_inspection(field_day["enterprise"]["id"], field_day["team"],
                                started_at=STARTED)
    tablet.answer(key, "VOC-01", "yes")
    tablet.answer(key, "VOC-01", "no")
    assert [m.base_version for m in tablet.store.queued()] == [None, None, None]
    assert _pushed(tablet) == [("applied", None)] * 3
    assert _answers(client, tablet, key) == {"VOC-01": "no"}
