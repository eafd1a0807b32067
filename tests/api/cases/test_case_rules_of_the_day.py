"""A case's notice and decision apply the rules in force on their day when those are lighter
(处罚法 第37条), not only the rules of the day its violations were recorded."""

from __future__ import annotations

import os
import threading
import time
import uuid

import pytest
from sqlalchemy import text

# Built without approval of its environmental impact report, stopped and restored in time.
EIA = {"code": "EIA_UNAPPROVED", "occurred_on": "2020-04-20",
       "bases": {"investment_yuan": 1_000_000},
       "facts": {"stopped_and_restored": True, "corrected_in_time": True,
                 "harmful_consequence": False}}
EDUCATION = {"education": {"on": "2020-05-11", "method": "约谈", "content": "法规教育"}}


def _ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()


@pytest.fixture
def before_the_list(client, party, violation, file_case, step, frozen):
    """A case notified in April 2020 of a fine for a minor act of 20 April that the rules
    then left to discretion (may_waive): Shanghai's list of minor offences not fined came
    into force on 1 May 2020 and waives it (the law then forbids the fine)."""
    frozen.on("2020-04-24")
    inspection = {"id": str(uuid.uuid4()), "enterprise_id": party["enterprise"]["id"],
                  "inspector_ids": [str(i.id) for i in party["inspectors"]],
                  "started_at": "2020-04-22T01:30:00+00:00"}
    _ok(client.post("/api/v1/inspections", json=inspection, headers=party["supervisor"]), 201)
    cited = violation(**EIA, inspection_id=inspection["id"])
    assert cited["decision"]["zh"]["decision"] == "may_waive"
    case = _ok(file_case(cited["id"]), 201)
    case = _ok(step(case, "investigating"))
    frozen.on("2020-04-27")
    intended = cited["decision"]["zh"]["penalty"]["would_be_amount_fen"]
    notified = _ok(step(case, "notified", intended_fen=intended))
    assert notified["intended_fen"] == intended > 0
    return notified, cited


def test_a_decision_after_a_lighter_rule_came_into_force_is_refused_and_the_case_follows_it(
        client, party, step, frozen, before_the_list):
    case, cited = before_the_list
    frozen.on("2020-05-11")
    refused = step(case, "decided", fine_fen=case["intended_fen"])
    assert refused.status_code == 409, refused.get_json()
    problem = refused.get_json()
    assert "第37条" in problem["detail"] and "waived" in problem["detail"]
    assert problem["current_version"] == case["version"] + 1
    [change] = problem["redecided"]
    assert (change["violation_id"], change["from"]["outcome"], change["to"]["outcome"]) == (
        cited["id"], "may_waive", "waived")
    now = _ok(client.get(f"/api/v1/cases/{case['id']}", headers=party["legal"]))
    assert now["version"] == problem["current_version"]
    assert now["violations"][0]["outcome"] == "waived"
    event = [e for e in now["history"] if e["event"] == "violation_redecided"][-1]
    assert event["details"]["violations"][0]["as_of"] == "2020-05-11"
    decided = _ok(client.get(f"/api/v1/violations/{cited['id']}", headers=party["legal"]))
    assert decided["decision"]["zh"]["decision"] == "waived"
    assert decided["decision"]["zh"]["violation"]["decided_on"] == "2020-05-11"
    again = step(now, "decided", fine_fen=case["intended_fen"])  # 第33条 now forbids the fine
    assert again.status_code == 409 and "第33条" in again.get_json()["detail"]
    ended = _ok(step(now, "not_penalised", **EDUCATION))
    assert ended["state"] == "not_penalised"


def test_a_case_the_rules_now_waive_can_end_without_a_penalty_once_it_has_seen_them(
        party, step, frozen, before_the_list):
    case, _cited = before_the_list
    frozen.on("2020-05-11")
    refused = step(case, "not_penalised", **EDUCATION)  # the staff saw the new list first
    assert refused.status_code == 409, refused.get_json()
    version = refused.get_json()["current_version"]
    ended = _ok(step(case | {"version": version}, "not_penalised", **EDUCATION))
    assert (ended["state"], ended["decision_number"] is not None) == ("not_penalised", True)


def test_a_step_whose_day_rules_as_before_adds_no_decision_and_goes_through(
        client, party, step, frozen, before_the_list):
    case, cited = before_the_list
    frozen.on("2020-04-30")  # the day before the list: the same rules
    decided = _ok(step(case, "decided", fine_fen=case["intended_fen"], rights_waived=True))
    assert decided["state"] == "decided" and decided["version"] == case["version"] + 1
    assert not [e for e in decided["history"] if e["event"] == "violation_redecided"]
    record = _ok(client.get(f"/api/v1/violations/{cited['id']}", headers=party["legal"]))
    assert record["decision"]["zh"]["violation"]["decided_on"] == "2020-04-24"


def test_a_list_in_force_that_does_not_apply_to_the_act_changes_nothing(
        client, party, violation, file_case, step, frozen):
    frozen.on("2020-04-24")  # fined then, and no item of the list fits it (a review's case)
    inspection = {"id": str(uuid.uuid4()), "enterprise_id": party["enterprise"]["id"],
                  "inspector_ids": [str(i.id) for i in party["inspectors"]],
                  "started_at": "2020-04-22T01:30:00+00:00"}
    _ok(client.post("/api/v1/inspections", json=inspection, headers=party["supervisor"]), 201)
    cited = violation(occurred_on="2020-04-20", inspection_id=inspection["id"])
    assert cited["decision"]["zh"]["decision"] == "fine"
    case = _ok(step(_ok(file_case(cited["id"]), 201), "investigating"))
    notified = _ok(step(case, "notified"))
    frozen.on("2020-05-11")
    decided = _ok(step(notified, "decided", fine_fen=notified["proposed_fen"],
                       rights_waived=True))
    assert decided["version"] == notified["version"] + 1
    assert not [e for e in decided["history"] if e["event"] == "violation_redecided"]


def test_a_step_refused_for_its_own_reasons_re_decides_nothing(
        client, party, step, frozen, before_the_list):
    case, cited = before_the_list
    frozen.on("2020-05-11")
    refused = step(case, "decided", fine_fen=case["intended_fen"], on="2020-04-26")
    assert refused.status_code == 422 and "on" in refused.get_json()["errors"]
    record = _ok(client.get(f"/api/v1/violations/{cited['id']}", headers=party["legal"]))
    assert record["decision"]["zh"]["decision"] == "may_waive"


def _until_someone_waits_for_a_lock(engine) -> None:
    # up to 60 s (a CI worker may share the machine with the 50-tablet load test); each poll
    # in its own transaction: PostgreSQL keeps a transaction's first view of pg_stat_activity,
    # so polling in one transaction never saw a wait that began after the first poll
    deadline = time.monotonic() + 60
    with engine.connect() as watcher:
        while time.monotonic() < deadline:
            waiting = watcher.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()")).scalar()
            watcher.rollback()
            if waiting:
                return
            time.sleep(0.05)
    raise AssertionError("the transition never waited for the violation's lock")


@pytest.mark.postgres_only
@pytest.mark.skipif(os.environ.get("TEST_DATABASE") != "postgresql",
                    reason="row locks under real concurrency need PostgreSQL")
def test_a_recheck_locks_the_violations_before_the_case_as_a_change_of_a_violation_does(
        app, step, frozen, before_the_list):
    from server.extensions import db

    case, cited = before_the_list
    frozen.on("2020-05-11")
    with app.app_context():
        engine = db.engine
    answers = []
    deciding = threading.Thread(target=lambda: answers.append(
        step(case, "decided", fine_fen=case["intended_fen"])))
    with engine.connect() as change:  # a violation changing: its row, then its case (follow.py)
        change.execute(text("SELECT 1 FROM violations WHERE id = CAST(:id AS uuid) FOR UPDATE"),
                       {"id": cited["id"]})
        deciding.start()
        _until_someone_waits_for_a_lock(engine)
        change.execute(text("SELECT 1 FROM cases WHERE id = CAST(:id AS uuid) FOR UPDATE"),
                       {"id": case["id"]})  # a deadlock if the recheck held the case already
        change.commit()
    deciding.join(timeout=60)
    assert answers and answers[0].status_code == 409, answers and answers[0].get_json()
    assert answers[0].get_json()["redecided"][0]["to"]["outcome"] == "waived"
