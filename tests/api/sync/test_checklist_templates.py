"""Checklist templates reach every tablet through pull, leave it when out of force, and a
pushed answer must name an item of a template in force on the visit day."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from server import clock
from tests.api.sync.conftest import mutation, shared_record

VOCS = "sh-eco-site-vocs"


@pytest.fixture
def legal(login):
    """City-wide legal staff: a rule set is stored for every district."""
    return login("legal", "310000")


def _local_template(until: str | None) -> dict:
    return {"id": "local-dust", "version": "1", "kind": "checklist",
            "title": {"zh": "扬尘专项检查表", "en": "Dust checklist"},
            "effective_from": "2026-01-01", "effective_until": until, "verified": False,
            "source": "a district's own template, for the test",
            "applies_to": {"industries": ["混凝土"]},
            "items": [{"id": "DUST-01", "question": {"zh": "堆场覆盖", "en": "Yards covered"},
                       "suggests": "AIR_DUST"}]}


def test_every_device_pulls_the_templates_in_force_with_their_items(world):
    for tablet in (world["a"], world["other"]):
        changes = tablet.pull()
        pulled = {c["id"]: c for c in changes if c["entity"] == "checklist_template"}
        assert set(pulled) == {"sh-eco-site-general", VOCS}
        assert {c["op"] for c in pulled.values()} == {"upsert"}
    vocs = world["a"].data("checklist_template", VOCS)
    assert (vocs["ref"], vocs["version"], vocs["verified"]) == (f"{VOCS}@1", "1", False)
    assert vocs["title"] == {"zh": "挥发性有机物（VOCs）专项检查表",
                             "en": "Volatile organic compounds (VOCs) checklist"}
    assert "化工" in vocs["applies_to"]["industries"]
    first = vocs["items"][0]
    assert (first["id"], first["suggests"]) == ("VOC-01", "AIR_VOC")
    assert first["question"]["zh"] and first["question"]["en"]
    general = world["a"].data("checklist_template", "sh-eco-site-general")
    assert general["applies_to"] == {"every_enterprise": True}


def test_a_new_template_version_replaces_the_old_and_one_out_of_force_is_deleted(
        client, world, legal, monkeypatch):
    tablet = world["a"]
    tablet.pull()
    newer = copy.deepcopy(tablet.data("checklist_template", VOCS))
    del newer["ref"]
    newer.update(version="2", effective_from="2026-01-01")
    newer["items"][7]["question"] = {"zh": "储罐和设备按要求开展泄漏检测与修复",
                                     "en": "Tanks and equipment undergo leak detection and repair"}
    stored = client.post("/api/v1/rules/sets", json=newer, headers=legal)
    assert stored.status_code == 200, stored.get_json()
    changes = tablet.pull()
    assert [(c["id"], c["op"]) for c in changes if c["entity"] == "checklist_template"] == [
        (VOCS, "upsert")]
    held = tablet.data("checklist_template", VOCS)
    assert held["ref"] == f"{VOCS}@2" and held["items"][7]["question"]["zh"].startswith("储罐")

    today = clock.today_shanghai()
    stored = client.post("/api/v1/rules/sets", headers=legal,
                         json=_local_template((today + timedelta(days=1)).isoformat()))
    assert stored.status_code == 200, stored.get_json()
    assert tablet.data("checklist_template", "local-dust") is None
    tablet.pull()
    assert tablet.data("checklist_template", "local-dust")["items"][0]["id"] == "DUST-01"
    later = datetime.now(UTC) + timedelta(days=2)
    monkeypatch.setattr(clock, "utcnow", lambda: later)
    changes = tablet.pull()
    assert [(c["id"], c["op"], c["data"]) for c in changes
            if c["entity"] == "checklist_template"] == [("local-dust", "delete", None)]
    assert tablet.data("checklist_template", "local-dust") is None
    assert tablet.data("checklist_template", VOCS)["ref"] == f"{VOCS}@2"


def test_an_answer_to_an_item_no_template_holds_is_rejected_naming_the_item(client, world):
    key = shared_record(world)
    results = world["a"].push(
        mutation("checklist_answer", "create", str(uuid.uuid4()),
                 {"inspection_id": key, "item": "VOC-99", "answer": "no"}),
        mutation("checklist_answer", "create", str(uuid.uuid4()),
                 {"inspection_id": key, "item": "VOC-02", "answer": "yes"}))
    assert [r["status"] for r in results] == ["rejected", "applied"]
    problem = results[0]["problem"]
    assert problem["status"] == 422 and "VOC-99" in problem["detail"]
    assert problem["errors"] == {
        "item": ["VOC-99: no checklist template in force on 2026-06-01 has this item"]}
    record = client.get(f"/api/v1/inspections/{key}", headers=world["a"].headers).get_json()
    assert {a["item"] for a in record["checklist"]} == {"VOC-01", "VOC-02"}


def test_an_unknown_item_on_a_stale_base_is_rejected_not_kept_as_a_conflict(client, world):
    key = shared_record(world)
    assert world["a"].push(mutation("inspection", "update", key, {
        "checklist": [{"item": "VOC-01", "answer": "yes"}]}, base=1))[0]["status"] == "applied"
    [whole] = world["b"].push(mutation("inspection", "update", key, {
        "checklist": [{"item": "VOC-01", "answer": "no"},
                      {"item": "GHOST-01", "answer": "yes"}]}, base=1))
    assert (whole["status"], whole["problem"]["status"]) == ("rejected", 422), whole
    assert whole["problem"]["errors"] == {
        "checklist": ["GHOST-01: no checklist template in force on 2026-06-01 has this item"]}
    assert client.get("/api/v1/sync/conflicts", headers=world["supervisor"]).get_json() == []


def test_a_record_opened_by_push_with_an_unknown_item_is_rejected(client, world):
    key = str(uuid.uuid4())
    fields = world["inspection_fields"](checklist=[{"item": "AIR-99", "answer": "no"}])
    [result] = world["a"].push(mutation("inspection", "create", key, fields))
    assert result["status"] == "rejected" and "AIR-99" in result["problem"]["detail"]
    assert client.get(f"/api/v1/inspections/{key}",
                      headers=world["a"].headers).status_code == 404
