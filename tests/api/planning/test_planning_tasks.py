"""Tasks through HTTP: due dates in Chinese working days, assignment with history, lifecycle,
recusal, and the supervisors' views."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

DISTRICT, OTHER = "310115", "310101"


def _task(client, headers, enterprise_id, **extra):
    body = {"kind": "complaint", "enterprise_id": enterprise_id} | extra
    response = client.post("/api/v1/tasks", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _sign_in(client, user_and_password, device="tablet"):
    user, password = user_and_password
    token = client.post("/api/v1/auth/token", json={"username": user.username,
                                                     "password": password,
                                                     "device_id": device}).get_json()
    return {"Authorization": f"Bearer {token['access_token']}"}


@pytest.mark.parametrize(("created", "days", "due", "why"), [
    (date(2024, 9, 30), 5, date(2024, 10, 12),
     "National Day 2024: 1-7 Oct off; Saturday 12 Oct is a make-up working day"),
    (date(2025, 1, 27), 5, date(2025, 2, 10),
     "Spring Festival 2025: 28 Jan - 4 Feb off; Saturday 8 Feb is a make-up working day"),
    (date(2026, 9, 30), 3, date(2026, 10, 10),
     "National Day 2026: 1-7 Oct off; Saturday 10 Oct is a make-up working day"),
    (date(2026, 9, 18), 1, date(2026, 9, 20),
     "Sunday 20 Sep 2026 is a make-up working day"),
    (date(2024, 10, 8), 2, date(2024, 10, 10), "an ordinary week"),
])
def test_due_dates_count_chinese_working_days(client, login, unit, frozen, created, days, due,
                                              why):
    frozen.at(created)
    task = _task(client, login("supervisor", DISTRICT), unit(), due_in_working_days=days)
    assert task["due_date"] == due.isoformat(), why
    assert task["due_provisional"] is False


def test_a_due_date_in_a_year_without_a_holiday_table_is_provisional(client, login, unit,
                                                                     frozen):
    frozen.at(date(2026, 12, 28))
    task = _task(client, login("supervisor", DISTRICT), unit(), due_in_working_days=10)
    # weekends only in 2027: 29, 30, 31 Dec, then 1 (Fri), 4-8, 11 Jan
    assert task["due_date"] == "2027-01-11" and task["due_provisional"] is True


def test_a_chosen_due_date_is_kept_and_a_past_one_refused(client, login, unit):
    boss, target = login("supervisor", DISTRICT), unit()
    day = (date.today() + timedelta(days=40)).isoformat()
    assert _task(client, boss, target, due_date=day)["due_date"] == day
    past = client.post("/api/v1/tasks", headers=boss, json={
        "kind": "complaint", "enterprise_id": target, "due_date": "2020-01-01"})
    assert past.status_code == 422 and "due_date" in past.get_json()["errors"]


def test_random_checks_cannot_be_created_by_hand(client, login, unit):
    response = client.post("/api/v1/tasks", headers=login("supervisor", DISTRICT), json={
        "kind": "random_check", "enterprise_id": unit()})
    assert response.status_code == 422


@pytest.mark.parametrize("body", [
    {"kind": "complaint"}, {"kind": "complaint", "enterprise_id": "not-a-uuid"},
    {"kind": "party", "enterprise_id": "7c1e3f0e-8d7b-4c39-9a51-0a0f3b1c2d4e"},
    {"kind": "complaint", "enterprise_id": "7c1e3f0e-8d7b-4c39-9a51-0a0f3b1c2d4e",
     "due_in_working_days": 0},
    {"kind": "complaint", "enterprise_id": "7c1e3f0e-8d7b-4c39-9a51-0a0f3b1c2d4e",
     "priority": "asap"},
    {"kind": "complaint", "enterprise_id": "7c1e3f0e-8d7b-4c39-9a51-0a0f3b1c2d4e",
     "inspectors": ["x"]},
    [], "text",
])
def test_bad_task_bodies_are_422_problems(client, login, body):
    response = client.post("/api/v1/tasks", json=body, headers=login("supervisor", DISTRICT))
    assert response.status_code in (400, 422), response.get_json()
    assert response.mimetype == "application/problem+json"


def test_an_unknown_enterprise_is_404(client, login):
    response = client.post("/api/v1/tasks", headers=login("supervisor", DISTRICT), json={
        "kind": "complaint", "enterprise_id": "7c1e3f0e-8d7b-4c39-9a51-0a0f3b1c2d4e"})
    assert response.status_code == 404


def test_assignment_needs_two_certified_inspectors_in_scope_and_keeps_history(
        client, login, unit, team, make_user):
    boss = login("supervisor", DISTRICT)
    task = _task(client, boss, unit())
    a, b, c = team(3)
    expired = str(make_user("inspector", DISTRICT,
                            certificate_expires=date.today() - timedelta(days=1))[0].id)
    foreign = team(1, OTHER)[0]
    legal = str(make_user("legal", DISTRICT)[0].id)
    url = f"/api/v1/tasks/{task['id']}/assignees"
    for bad in ([a], [a, a], [a, expired], [a, foreign], [a, legal]):
        response = client.put(url, json={"inspectors": bad, "version": 1}, headers=boss)
        assert response.status_code == 422, bad
    first = client.put(url, json={"inspectors": [a, b], "version": 1}, headers=boss)
    assert first.status_code == 200 and first.get_json()["status"] == "assigned"
    stale = client.put(url, json={"inspectors": [a, c], "version": 1}, headers=boss)
    assert stale.status_code == 409
    second = client.put(url, json={"inspectors": [a, c], "version": 2, "reason": "b 病假"},
                        headers=boss)
    assert {x["id"] for x in second.get_json()["assignees"]} == {a, c}
    events = client.get(f"/api/v1/tasks/{task['id']}/history", headers=boss).get_json()
    assert [e["event"] for e in events] == ["created", "assigned", "reassigned"]
    assert events[-1]["details"] == {"before": sorted([a, b]), "after": [a, c],
                                     "reason": "b 病假"}


def test_an_off_site_review_may_go_to_one_inspector(client, login, unit, team):
    boss = login("supervisor", DISTRICT)
    task = _task(client, boss, unit(), kind="offsite_review")
    response = client.put(f"/api/v1/tasks/{task['id']}/assignees",
                          json={"inspectors": team(1), "version": 1}, headers=boss)
    assert response.status_code == 200


def test_bulk_assignment_is_all_or_nothing(client, login, unit, team):
    boss = login("supervisor", DISTRICT)
    first, second = _task(client, boss, unit()), _task(client, boss, unit())
    a, b = team(2)
    refused = client.post("/api/v1/tasks/assignments", headers=boss, json={"items": [
        {"task_id": first["id"], "inspectors": [a, b]},
        {"task_id": second["id"], "inspectors": [a]}]})
    assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["1"]
    assert client.get(f"/api/v1/tasks/{first['id']}", headers=boss).get_json()["status"] == \
        "planned"
    done = client.post("/api/v1/tasks/assignments", headers=boss, json={"items": [
        {"task_id": first["id"], "inspectors": [a, b]},
        {"task_id": second["id"], "inspectors": [b, a], "version": 1}], "reason": "周计划"})
    assert done.status_code == 200
    assert [t["status"] for t in done.get_json()] == ["assigned", "assigned"]
    twice = client.post("/api/v1/tasks/assignments", headers=boss, json={"items": [
        {"task_id": first["id"], "inspectors": [a, b]},
        {"task_id": first["id"], "inspectors": [a, b]}]})
    assert twice.status_code == 422


def test_the_lifecycle_runs_from_assigned_to_closed_and_refuses_jumps(
        client, login, unit, make_user):
    boss = login("supervisor", DISTRICT)
    officers = [make_user("inspector", DISTRICT) for _ in range(2)]
    task = _task(client, boss, unit(), inspectors=[str(u.id) for u, _ in officers])
    officer = _sign_in(client, officers[0])
    url = f"/api/v1/tasks/{task['id']}/transitions"
    assert client.post(url, json={"to": "reviewed", "version": 1}, headers=boss).status_code \
        == 409
    version = task["version"]
    for target, headers in (("in_progress", officer), ("submitted", officer),
                            ("reviewed", boss), ("closed", boss)):
        response = client.post(url, json={"to": target, "version": version}, headers=headers)
        assert response.status_code == 200, (target, response.get_json())
        version = response.get_json()["version"]
    assert client.post(url, json={"to": "cancelled", "version": version, "reason": "x"},
                       headers=boss).status_code == 409


def test_an_inspector_cannot_review_or_cancel(client, login, unit, make_user):
    boss = login("supervisor", DISTRICT)
    officers = [make_user("inspector", DISTRICT) for _ in range(2)]
    task = _task(client, boss, unit(), inspectors=[str(u.id) for u, _ in officers])
    officer = _sign_in(client, officers[0])
    response = client.post(f"/api/v1/tasks/{task['id']}/transitions",
                           json={"to": "cancelled", "version": 1, "reason": "不想去"},
                           headers=officer)
    assert response.status_code == 403


def test_cancelling_needs_a_reason(client, login, unit):
    boss = login("supervisor", DISTRICT)
    task = _task(client, boss, unit())
    url = f"/api/v1/tasks/{task['id']}/transitions"
    assert client.post(url, json={"to": "cancelled", "version": 1}, headers=boss).status_code \
        == 422
    done = client.post(url, json={"to": "cancelled", "version": 1, "reason": "企业已注销"},
                       headers=boss).get_json()
    assert (done["status"], done["cancel_reason"]) == ("cancelled", "企业已注销")


def test_a_recusal_declared_after_assignment_blocks_the_start(client, login, unit, make_user):
    boss = login("supervisor", DISTRICT)
    target = unit()
    officers = [make_user("inspector", DISTRICT) for _ in range(2)]
    task = _task(client, boss, target, inspectors=[str(u.id) for u, _ in officers])
    officer = _sign_in(client, officers[0])
    declared = client.post("/api/v1/recusals", json={"enterprise_id": target,
                                                     "reason": "direct_interest"},
                           headers=officer)
    assert declared.status_code == 201
    assert declared.get_json()["affected_tasks"] == [task["id"]]
    assert declared.get_json()["inspector_id"] == str(officers[0][0].id)
    again = client.post("/api/v1/recusals", json={"enterprise_id": target,
                                                  "reason": "relative"}, headers=officer)
    assert again.status_code == 409
    start = client.post(f"/api/v1/tasks/{task['id']}/transitions",
                        json={"to": "in_progress", "version": 1}, headers=officer)
    assert start.status_code == 409 and "conflict" in str(start.get_json()["errors"])
    reassign = client.put(f"/api/v1/tasks/{task['id']}/assignees", headers=boss, json={
        "inspectors": [str(officers[0][0].id), str(officers[1][0].id)], "version": 1})
    assert reassign.status_code == 422


def test_inspectors_declare_only_their_own_conflicts(client, login, unit, team):
    response = client.post("/api/v1/recusals", headers=login("inspector", DISTRICT), json={
        "inspector_id": team(1)[0], "enterprise_id": unit(), "reason": "relative"})
    assert response.status_code == 403


def test_inspectors_see_their_own_tasks_only(client, login, unit, make_user):
    boss = login("supervisor", DISTRICT)
    mine = [make_user("inspector", DISTRICT) for _ in range(2)]
    _task(client, boss, unit(), inspectors=[str(u.id) for u, _ in mine])
    _task(client, boss, unit())
    listed = client.get("/api/v1/tasks", headers=_sign_in(client, mine[0])).get_json()
    assert listed["total"] == 1
    assert client.get("/api/v1/tasks", headers=boss).get_json()["total"] == 2


def test_supervisors_see_workload_overdue_and_counts_by_kind_and_status(
        client, login, unit, make_user, frozen):
    boss = login("supervisor", DISTRICT)
    busy = [make_user("inspector", DISTRICT) for _ in range(2)]
    idle = make_user("inspector", DISTRICT)[0]
    frozen.at(date(2026, 3, 2))
    ids = [str(u.id) for u, _ in busy]
    _task(client, boss, unit(), inspectors=ids, due_in_working_days=1)
    _task(client, boss, unit(), inspectors=ids, kind="monitoring")
    _task(client, boss, unit(), kind="remote_sensing")
    frozen.at(date(2026, 3, 6))
    workload = client.get("/api/v1/tasks/workload", headers=boss).get_json()
    by_name = {w["username"]: w for w in workload}
    assert by_name[busy[0][0].username]["open"] == 2
    assert by_name[busy[0][0].username]["overdue"] == 1
    assert by_name[idle.username]["open"] == 0
    summary = client.get("/api/v1/tasks/summary", headers=boss).get_json()
    assert summary["overdue"] == 1
    assert {(c["kind"], c["status"], c["count"]) for c in summary["by_kind_status"]} == {
        ("complaint", "assigned", 1), ("monitoring", "assigned", 1),
        ("remote_sensing", "planned", 1)}
    late = client.get("/api/v1/tasks?overdue=true", headers=boss).get_json()
    assert [t["kind"] for t in late["items"]] == ["complaint"] and late["items"][0]["overdue"]
    assert client.get("/api/v1/tasks?kind=monitoring&status=assigned",
                      headers=boss).get_json()["total"] == 1
