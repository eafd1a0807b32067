"""Checklist answers over REST name items of the checklist templates in force on the visit day."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

GENERAL = "sh-eco-site-general@1"


def _post(client, field, body):
    return client.post("/api/v1/inspections", json=body, headers=field["headers"])


def test_a_record_answering_an_item_no_template_holds_is_refused_naming_it(client, field):
    body = field["inspection"](checklist=[{"item": "VOC-01", "answer": "no"},
                                          {"item": "V0C-01", "answer": "yes"},
                                          {"item": "check1", "answer": "na"}])
    response = _post(client, field, body)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    problem = response.get_json()
    assert problem["detail"].startswith("Checklist item V0C-01, check1 is in no checklist "
                                        "template in force on 2026-06-01")
    assert problem["errors"] == {"checklist": [
        "V0C-01: no checklist template in force on 2026-06-01 has this item",
        "check1: no checklist template in force on 2026-06-01 has this item"]}
    assert client.get(f"/api/v1/inspections/{body['id']}",
                      headers=field["headers"]).status_code == 404


def test_an_edit_adding_an_unknown_item_is_refused_and_known_items_are_taken(client, field):
    record = _post(client, field, field["inspection"]()).get_json()
    url = f"/api/v1/inspections/{record['id']}"
    known = [{"item": "VOC-01", "answer": "no"}, {"item": "HW-02", "answer": "yes"}]
    refused = client.patch(url, json={"version": 1, "checklist": [
        *known, {"item": "HW-9", "answer": "no"}]}, headers=field["headers"])
    assert refused.status_code == 422 and "HW-9" in refused.get_json()["detail"]
    taken = client.patch(url, json={"version": 1, "checklist": known}, headers=field["headers"])
    assert taken.status_code == 200, taken.get_json()
    assert [a["item"] for a in taken.get_json()["checklist"]] == ["VOC-01", "HW-02"]


def test_items_are_those_in_force_on_the_visit_day(client, field):
    before = datetime(2019, 12, 31, 2, tzinfo=UTC).isoformat()  # before the templates began
    response = _post(client, field, field["inspection"](started_at=before))
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "checklist": ["VOC-01: no checklist template in force on 2019-12-31 has this item"]}
    assert _post(client, field, field["inspection"](started_at=before,
                                                    checklist=[])).status_code == 201


def test_a_record_keeps_an_answer_to_an_item_a_later_version_dropped(client, field, login):
    held = [{"item": "AIR-03", "answer": "no", "note": "料堆未覆盖"}]
    record = _post(client, field, field["inspection"](checklist=held)).get_json()
    legal = login("legal", "310000")  # a rule set is stored city-wide
    newer = copy.deepcopy(client.get(f"/api/v1/rules/sets/{GENERAL}", headers=legal).get_json())
    newer.update(version="2", effective_from="2026-01-01")
    newer["items"] = [i for i in newer["items"] if i["id"] != "AIR-03"]
    assert client.post("/api/v1/rules/sets", json=newer, headers=legal).status_code == 200

    url = f"/api/v1/inspections/{record['id']}"
    kept = client.patch(url, json={"version": 1, "checklist": [
        *held, {"item": "AIR-01", "answer": "yes", "note": ""}]}, headers=field["headers"])
    assert kept.status_code == 200, kept.get_json()
    fresh = _post(client, field, field["inspection"](checklist=held))
    assert fresh.status_code == 422 and "AIR-03" in fresh.get_json()["detail"]
