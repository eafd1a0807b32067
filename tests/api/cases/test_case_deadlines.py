"""The 90-day decision deadline: approved extensions, excluded periods, and what is due."""

from __future__ import annotations

import uuid
from datetime import date

from tests.api.cases.conftest import MITIGATED


def _ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()


def _decision(case: dict) -> dict:
    return next(d for d in case["deadlines"] if d["name"] == "decision")


def _extend(client, case, headers, approval="approval", days=30, **extra):
    return client.post(f"/api/v1/cases/{case['id']}/extensions", headers=headers, json={
        "version": case["version"], "approval": approval, "days": days,
        "reason": "案情复杂，需补充调查", **extra})


def _due(client, headers, days=5) -> list[str]:
    return [c["id"] for c in _ok(client.get(f"/api/v1/cases?due_within={days}",
                                            headers=headers))["items"]]


def test_the_90_day_deadline_with_two_approved_extensions_and_the_due_list(
        client, party, violation, file_case, step, frozen):
    frozen.on("2021-06-03")
    case = _ok(file_case(violation()["id"]), 201)
    assert _decision(case)["due"] == "2021-09-01"
    frozen.on("2021-08-26")
    assert _due(client, party["legal"]) == []
    frozen.on("2021-08-27")
    assert _due(client, party["legal"]) == [case["id"]]
    supervisor = party["supervisor"]
    assert _extend(client, case, party["legal"]).status_code == 403
    wrong = _extend(client, case, supervisor, approval="collective")
    assert wrong.status_code == 422 and "approval" in wrong.get_json()["errors"]
    case = _ok(_extend(client, case, supervisor))
    # 120 days end on 1 October 2021, a National Day holiday: the next working day is 8 October
    assert _decision(case)["due"] == "2021-10-08" and case["next_due_on"] == "2021-10-08"
    assert _due(client, party["legal"]) == []
    case = _ok(_extend(client, case, supervisor, approval="collective", days=30))
    assert _decision(case)["due"] == "2021-11-01"
    third = _extend(client, case, supervisor, approval="collective", days=10)
    assert third.status_code == 409 and "twice" in third.get_json()["detail"]
    frozen.on("2021-10-20")
    case = _ok(step(case, "investigating"))
    case = _ok(step(case, "notified"))
    case = _ok(step(case, "decided", fine_fen=1_000_000, rights_waived=True,
                         mitigation=MITIGATED))
    assert _decision(case)["status"] == "met"
    assert case["next_due_on"] == next(d["due"] for d in case["deadlines"]
                                       if d["name"] == "service")


def test_testing_and_suspension_periods_are_excluded_from_the_decision_deadline(
        client, party, violation, file_case, frozen):
    frozen.on("2021-06-03")
    case = _ok(file_case(violation()["id"]), 201)
    url = f"/api/v1/cases/{case['id']}/suspensions"
    frozen.on("2021-06-20")
    body = {"kind": "testing", "start": "2021-06-10", "end": "2021-06-19", "reason": "送检"}
    case = _ok(client.post(url, json={"version": case["version"], **body},
                           headers=party["legal"]))
    assert _decision(case)["due"] == "2021-09-13"  # +10 days: Saturday 11 Sept → Monday
    overlap = {"kind": "appraisal", "start": "2021-06-15", "end": "2021-06-19", "reason": "鉴定"}
    case = _ok(client.post(url, json={"version": case["version"], **overlap},
                           headers=party["legal"]))
    assert _decision(case)["due"] == "2021-09-13"  # overlapping days count once
    future = {"kind": "suspension", "start": "2021-06-19", "end": "2021-06-30", "reason": "中止"}
    assert client.post(url, json={"version": case["version"], **future},
                       headers=party["legal"]).status_code == 422


def test_an_extension_after_the_deadline_has_passed_is_refused(client, party, violation,
                                                               file_case, frozen):
    frozen.on("2021-06-03")
    case = _ok(file_case(violation()["id"]), 201)
    frozen.on("2021-09-02")
    late = _extend(client, case, party["supervisor"])
    assert late.status_code == 409 and "passed" in late.get_json()["detail"]
    assert _due(client, party["legal"], 0) == [case["id"]]  # overdue cases stay on the list


def test_the_due_list_shows_only_the_callers_district(client, party, violation, file_case,
                                                      frozen, login):
    frozen.on("2021-06-03")
    _ok(file_case(violation()["id"]), 201)
    frozen.on("2021-08-30")
    assert _due(client, login("legal", "310101")) == []
    assert len(_due(client, login("legal", "310000"))) == 1
    bad = client.get("/api/v1/cases?due_within=-1", headers=party["legal"])
    assert bad.status_code == 422


def test_due_within_counts_working_days_for_service_across_the_dragon_boat_holiday(
        client, party, violation, file_case, step, frozen):
    frozen.on("2021-06-03")
    case = _ok(file_case(violation()["id"]), 201)
    frozen.on("2021-06-04")  # a Friday
    case = _ok(step(case, "investigating"))
    case = _ok(step(case, "notified"))
    case = _ok(step(case, "decided", fine_fen=1_000_000, rights_waived=True,
                         mitigation=MITIGATED))
    service = next(d for d in case["deadlines"] if d["name"] == "service")
    # 7 working days: 7–11 June, then 12–14 June is the weekend + Dragon Boat holiday
    assert service["due"] == "2021-06-16" and service["kind"] == "working"
    legal = party["legal"]

    frozen.on("2021-06-09")  # Wednesday: 4 working days left (10, 11, 15, 16), 7 calendar days
    badge = next(d for d in _ok(client.get(f"/api/v1/cases/{case['id']}", headers=legal))[
        "deadlines"] if d["name"] == "service")
    assert badge["days_left"] == 4
    assert _due(client, legal, 5) == [case["id"]] and _due(client, legal, 4) == [case["id"]]
    assert _due(client, legal, 3) == []

    frozen.on("2021-06-12")  # Saturday, holiday weekend: still 2 working days (15, 16)
    assert _due(client, legal, 2) == [case["id"]] and _due(client, legal, 1) == []
    frozen.on("2021-06-14")  # the Dragon Boat holiday itself
    assert _due(client, legal, 1) == []
    frozen.on("2021-06-16")  # the last day: 0 left
    assert _due(client, legal, 0) == [case["id"]]
    frozen.on("2021-06-17")  # overdue: always listed
    badge = next(d for d in _ok(client.get(f"/api/v1/cases/{case['id']}", headers=legal))[
        "deadlines"] if d["name"] == "service")
    assert badge["days_left"] == -1 and _due(client, legal, 0) == [case["id"]]


def test_due_within_keeps_calendar_days_for_the_payment_period(
        client, party, violation, file_case, step, frozen):
    frozen.on("2021-06-03")
    case = _ok(file_case(violation()["id"]), 201)
    frozen.on("2021-06-04")
    case = _ok(step(case, "investigating"))
    case = _ok(step(case, "notified"))
    case = _ok(step(case, "decided", fine_fen=1_000_000, rights_waived=True,
                         mitigation=MITIGATED))
    case = _ok(step(case, "served", method="direct"))
    payment = next(d for d in case["deadlines"] if d["name"] == "payment")
    assert payment["due"] == "2021-06-21" and payment["kind"] == "calendar"  # 19th: Saturday
    frozen.on("2021-06-16")  # 5 calendar days (but only 3 working days) before the 21st
    assert _due(client, party["legal"], 5) == [case["id"]]
    assert _due(client, party["legal"], 4) == []


def test_the_case_list_pages_with_its_total_also_for_the_due_list(
        client, party, violation, file_case, frozen):
    frozen.on("2021-06-03")
    filed = [_ok(file_case(violation()["id"]), 201)["id"] for _ in range(3)]
    seen = []
    for query in ("", "due_within=366&"):
        pages = [_ok(client.get(f"/api/v1/cases?{query}per_page=2&page={n}",
                                headers=party["legal"])) for n in (1, 2, 3)]
        assert [(p["total"], p["page"], p["per_page"]) for p in pages] == [
            (3, 1, 2), (3, 2, 2), (3, 3, 2)]
        assert [len(p["items"]) for p in pages] == [2, 1, 0]
        seen.append(sorted(c["id"] for p in pages for c in p["items"]))
    assert seen == [sorted(filed)] * 2
    assert client.get("/api/v1/cases?per_page=501", headers=party["legal"]).status_code == 422


def test_a_case_in_hearing_stored_before_hearings_were_deadlines_is_due_on_its_hearing(
        app, client, party, violation, file_case, step, frozen):
    # A case that reached 听证 before the hearing counted as a deadline kept the decision
    # deadline as next_due_on: the API's case and case list showed it, and the due list
    # (which first cuts on the stored date) left the case out though its hearing was due.
    from flask_migrate import downgrade, upgrade

    from server.cases.models import Case
    from server.extensions import db

    frozen.on("2021-06-03")
    case = _ok(file_case(violation()["id"]), 201)
    case = _ok(step(case, "investigating"))
    frozen.on("2021-06-07")
    case = _ok(step(case, "legal_review"))
    case = _ok(step(case, "notified", intended_fen=15_000_000, review_opinion="同意"))
    frozen.on("2021-06-15")
    case = _ok(step(case, "hearing", hearing_notice_on="2021-06-15", hearing_on="2021-06-25",
                    hearing_place="听证室", chair={"name": "李主持", "user_id": None}))
    assert case["next_due_on"] == "2021-06-25"
    with app.app_context():
        db.session.remove()
        downgrade(revision="0023")
        try:  # as the case was stored then: its next deadline the decision's
            stored = db.session.get(Case, uuid.UUID(case["id"]))
            stored.next_due_on = date.fromisoformat(_decision(case)["due"])
            db.session.commit()
        finally:
            upgrade(revision="heads")
        db.session.remove()
    frozen.on("2021-06-22")
    shown = _ok(client.get(f"/api/v1/cases/{case['id']}", headers=party["legal"]))
    assert shown["next_due_on"] == "2021-06-25"
    listed = _ok(client.get("/api/v1/cases", headers=party["legal"]))["items"]
    assert [c["next_due_on"] for c in listed if c["id"] == case["id"]] == ["2021-06-25"]
    assert _due(client, party["legal"]) == [case["id"]]


def test_an_extension_dated_before_the_filing_is_refused(client, party, violation, file_case,
                                                         frozen):
    # 处罚法 第60条: an extension of a filed case's deadline; one "approved" in 2000 was kept
    # in the history and the case file as if the case had been extended before it existed.
    frozen.on("2021-06-03")
    case = _ok(file_case(violation()["id"]), 201)
    frozen.on("2021-07-01")
    for day in ("2000-01-01", "2021-06-02"):
        early = _extend(client, case, party["supervisor"], on=day)
        assert early.status_code == 422, early.get_json()
        assert "on" in early.get_json()["errors"]
    assert _ok(_extend(client, case, party["supervisor"], on="2021-06-03"))["extensions"][0][
        "on"] == "2021-06-03"
