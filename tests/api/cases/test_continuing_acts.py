"""A continuing act (持续状态): its limitation period runs from its end (处罚法 第36条)."""

from __future__ import annotations

import uuid

import pytest


def _body(party, **change) -> dict:
    body = {"id": str(uuid.uuid4()), "inspection_id": party["inspection_id"], "code": "AIR_VOC",
            "occurred_on": "2019-03-01", "description": "自2019年3月起喷漆废气未经收集处理",
            "facts": {"corrected_on_spot": False, "harmful_consequence": True}}
    return body | change


def test_an_act_still_going_on_is_not_time_barred_however_long_ago_it_began(
        client, party, frozen):
    # a review's case: the schema refused `continuing` and the act was decided time-barred
    frozen.on("2021-06-01")
    one_off = client.post("/api/v1/violations", json=_body(party), headers=party["supervisor"])
    assert one_off.get_json()["decision"]["zh"]["decision"] == "time_barred"
    going_on = client.post("/api/v1/violations", json=_body(party, continuing=True),
                           headers=party["supervisor"])
    assert going_on.status_code == 201, going_on.get_json()
    found = going_on.get_json()
    assert (found["continuing"], found["ended_on"]) == (True, None)
    assert found["decision"]["zh"]["decision"] == "fine"
    assert found["decision"]["zh"]["limitation"]["running"] is False


def test_a_continuing_act_is_time_barred_two_years_after_it_ended(client, party, frozen):
    frozen.on("2021-06-01")
    ended = client.post("/api/v1/violations", json=_body(
        party, continuing=True, ended_on="2019-04-30"), headers=party["supervisor"]).get_json()
    assert ended["decision"]["zh"]["decision"] == "time_barred"
    recent = client.post("/api/v1/violations", json=_body(
        party, continuing=True, ended_on="2020-01-31"), headers=party["supervisor"]).get_json()
    assert recent["decision"]["zh"]["decision"] == "fine"
    assert recent["decision"]["zh"]["limitation"]["runs_from"] == "2020-01-31"


@pytest.mark.parametrize(("change", "field"), [
    ({"ended_on": "2020-01-31"}, "ended_on"),  # only a continuing act ends
    ({"continuing": True, "ended_on": "2019-02-01"}, "ended_on"),  # before it began
    ({"continuing": True, "ended_on": "2021-06-02"}, "ended_on"),  # after today
])
def test_an_end_date_is_refused_outside_a_continuing_act_s_span(
        client, party, frozen, change, field):
    frozen.on("2021-06-01")
    refused = client.post("/api/v1/violations", json=_body(party, **change),
                          headers=party["supervisor"])
    assert refused.status_code == 422 and field in refused.get_json()["errors"]


def test_the_end_of_a_continuing_act_is_recorded_later_and_re_decides_it(
        client, party, frozen):
    frozen.on("2021-06-01")
    found = client.post("/api/v1/violations", json=_body(party, continuing=True),
                        headers=party["supervisor"]).get_json()
    url = f"/api/v1/violations/{found['id']}"
    early = client.patch(url, json={"version": found["version"], "ended_on": "2019-04-30"},
                         headers=party["supervisor"])
    assert early.status_code == 200, early.get_json()
    assert early.get_json()["decision"]["zh"]["decision"] == "time_barred"
    stopped = client.patch(url, json={"version": early.get_json()["version"],
                                      "continuing": False}, headers=party["supervisor"])
    assert stopped.status_code == 422 and "ended_on" in stopped.get_json()["errors"]
