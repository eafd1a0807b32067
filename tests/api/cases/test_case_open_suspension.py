"""A suspension (中止) recorded when its cause arises, without an end: the decision deadline
does not run while it is open, and runs again from the end recorded once the cause is gone."""

from __future__ import annotations

from tests.api.cases.archived_copies import audits
from tests.api.cases.conftest import MITIGATED
from tests.api.cases.test_case_deadlines import _decision, _due, _ok
from tests.api.described import assert_described

END = "/api/v1/cases/{case_id}/suspensions/end"


def _open(client, case, headers, start="2021-06-10", **extra):
    return client.post(f"/api/v1/cases/{case['id']}/suspensions", headers=headers, json={
        "version": case["version"], "kind": "suspension", "start": start,
        "reason": "当事人无法联系", **extra})


def _end(client, case, headers, end, **extra):
    return client.post(f"/api/v1/cases/{case['id']}/suspensions/end", headers=headers,
                       json={"version": case["version"], "end": end, **extra})


def test_an_open_suspension_stops_the_decision_deadline_until_its_end_is_recorded(
        app, client, party, violation, file_case, frozen):
    frozen.on("2021-06-03")
    case = _ok(file_case(violation()["id"]), 201)
    assert _decision(case)["due"] == "2021-09-01"
    legal = party["legal"]
    frozen.on("2021-06-12")
    opened = _open(client, case, legal)
    assert_described(app, "POST", "/api/v1/cases/{case_id}/suspensions", opened)
    case = _ok(opened)
    assert case["suspensions"] == [{"kind": "suspension", "start": "2021-06-10", "end": None,
                                    "reason": "当事人无法联系"}]
    assert case["suspended_since"] == "2021-06-10"
    decision = _decision(case)
    assert decision["status"] == "suspended" and decision["days_left"] is None
    # while open the period runs to today: 10-12 June, 3 days, were it ended today
    assert decision["due"] == "2021-09-06"
    assert case["next_due_on"] is None  # nothing else is pending: no warning
    frozen.on("2021-08-31")  # the plain 90 days would end tomorrow: not flagged
    shown = _ok(client.get(f"/api/v1/cases/{case['id']}", headers=legal))
    assert _decision(shown)["status"] == "suspended"
    assert _due(client, legal, 0) == [] and _due(client, legal, 366) == []
    frozen.on("2021-09-10")  # long past the plain 90 days, still not overdue
    assert _due(client, legal, 0) == []
    ended = _end(client, case, legal, "2021-07-09")  # 10 June - 9 July: 30 days
    assert_described(app, "POST", END, ended)
    ended = _ok(ended)
    assert ended["suspensions"] == [{"kind": "suspension", "start": "2021-06-10",
                                     "end": "2021-07-09", "reason": "当事人无法联系"}]
    assert ended["suspended_since"] is None
    assert _decision(ended)["status"] == "open" and _decision(ended)["due"] == "2021-10-08"
    assert ended["next_due_on"] == "2021-10-08"  # 1 Oct, National Day → 8 Oct
    assert [h["event"] for h in ended["history"]][-2:] == ["suspension", "suspension_end"]
    assert audits(app, case["id"], "case.suspend") == [
        {"kind": "suspension", "start": "2021-06-10", "end": None, "reason": "当事人无法联系"}]
    assert audits(app, case["id"], "case.suspension_end") == [
        {"kind": "suspension", "start": "2021-06-10", "end": "2021-07-09",
         "reason": "当事人无法联系"}]


def test_only_one_suspension_is_open_at_a_time(client, party, violation, file_case, frozen):
    frozen.on("2021-06-03")
    case = _ok(file_case(violation()["id"]), 201)
    frozen.on("2021-06-12")
    legal = party["legal"]
    case = _ok(_open(client, case, legal))
    second = _open(client, case, legal, start="2021-06-11", kind="appraisal")
    assert second.status_code == 409
    assert second.headers["Content-Type"].startswith("application/problem+json")
    assert "already open" in second.get_json()["detail"]
    # an ended period may still be recorded beside it
    case = _ok(client.post(f"/api/v1/cases/{case['id']}/suspensions", headers=legal, json={
        "version": case["version"], "kind": "testing", "start": "2021-06-04",
        "end": "2021-06-05", "reason": "送检"}))
    assert len(case["suspensions"]) == 2 and case["suspended_since"] == "2021-06-10"


def test_an_open_suspension_starts_between_the_filing_and_today(
        client, party, violation, file_case, frozen):
    frozen.on("2021-06-03")
    case = _ok(file_case(violation()["id"]), 201)
    frozen.on("2021-06-12")
    for start in ("2021-06-02", "2021-06-13"):
        refused = _open(client, case, party["legal"], start=start)
        assert refused.status_code == 422 and "start" in refused.get_json()["errors"]


def test_the_end_is_not_before_the_start_nor_in_the_future_and_needs_an_open_suspension(
        app, client, party, violation, file_case, frozen):
    frozen.on("2021-06-03")
    case = _ok(file_case(violation()["id"]), 201)
    frozen.on("2021-06-12")
    legal = party["legal"]
    none_open = _end(client, case, legal, "2021-06-12")
    assert none_open.status_code == 409 and "no suspension" in none_open.get_json()["detail"]
    assert_described(app, "POST", END, none_open)
    case = _ok(_open(client, case, legal))
    for end in ("2021-06-09", "2021-06-13"):
        refused = _end(client, case, legal, end)
        assert refused.status_code == 422 and "end" in refused.get_json()["errors"], end
        assert_described(app, "POST", END, refused)
    assert _end(client, case, legal, "2021-06-10").status_code == 200  # one day


def test_ending_a_suspension_is_for_legal_staff_and_replays_with_an_idempotency_key(
        client, party, violation, file_case, frozen):
    frozen.on("2021-06-03")
    case = _ok(file_case(violation()["id"]), 201)
    frozen.on("2021-06-12")
    case = _ok(_open(client, case, party["legal"]))
    assert _end(client, case, party["supervisor"], "2021-06-11").status_code == 403
    keyed = {**party["legal"], "Idempotency-Key": "end-suspension-1"}
    first = _ok(_end(client, case, keyed, "2021-06-11"))
    again = _ok(_end(client, case, keyed, "2021-06-11"))
    assert again == first and first["version"] == case["version"] + 1


def test_no_decision_issues_while_the_case_is_suspended(
        client, party, violation, file_case, step, frozen):
    frozen.on("2021-06-03")
    case = _ok(file_case(violation()["id"]), 201)
    case = _ok(step(case, "investigating"))
    case = _ok(step(case, "notified"))
    frozen.on("2021-06-20")
    case = _ok(_open(client, case, party["legal"], start="2021-06-15"))
    # the party's reply window is not a decision deadline: it stays open
    assert [d["status"] for d in case["deadlines"] if d["name"] == "notice_reply"] == ["open"]
    refused = step(case, "decided", fine_fen=1_000_000, rights_waived=True,
                   mitigation=MITIGATED)
    assert refused.status_code == 409 and "suspended" in refused.get_json()["detail"]
    case = _ok(_end(client, case, party["legal"], "2021-06-19"))
    decided = _ok(step(case, "decided", fine_fen=1_000_000, rights_waived=True,
                       mitigation=MITIGATED))
    assert _decision(decided)["status"] == "met"
