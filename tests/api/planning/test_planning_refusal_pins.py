"""The planning API's refusals are its contract: the same problem+json (status, type, English
detail and field errors) whatever language the console says them in."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from tests.api.pinned import problem_body as _problem

DISTRICT, OTHER = "310115", "310101"


def _task(client, headers, enterprise_id, kind="complaint"):
    response = client.post("/api/v1/tasks", headers=headers,
                           json={"kind": kind, "enterprise_id": enterprise_id})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture(params=[None, "zh-CN,zh;q=0.9"], ids=["no-language", "chinese-asked"])
def boss(request, login) -> dict[str, str]:
    """A district supervisor's headers, with or without a Chinese Accept-Language."""
    headers = login("supervisor", DISTRICT)
    return headers | ({"Accept-Language": request.param} if request.param else {})


def test_a_refused_bulk_assignment_answers_its_english_by_item_index(
        client, boss, unit, team):
    first, second = _task(client, boss, unit()), _task(client, boss, unit())
    a, b = team(2)
    missing = str(uuid.uuid4())
    response = client.post("/api/v1/tasks/assignments", headers=boss, json={"items": [
        {"task_id": first["id"], "inspectors": [a, b], "version": 7},
        {"task_id": second["id"], "inspectors": [a]},
        {"task_id": missing, "inspectors": [a, b]},
        {"task_id": second["id"], "inspectors": [a, a]}]})
    assert _problem(response, 422) == {
        "type": "/api/v1/problems/validation-error", "title": "Validation failed",
        "status": 422, "detail": "4 of 4 assignments are refused; nothing was assigned.",
        "errors": {"0": ["The task is at version 1, not 7."],
                   "1": ["a complaint task needs at least 2 distinct inspectors"],
                   "2": ["No such task."],
                   "3": ["an inspector is listed twice",
                         "a complaint task needs at least 2 distinct inspectors"]}}


def test_the_same_task_twice_in_a_bulk_assignment_answers_in_english(
        client, boss, unit, team):
    task = _task(client, boss, unit())
    a, b = team(2)
    response = client.post("/api/v1/tasks/assignments", headers=boss, json={"items": [
        {"task_id": task["id"], "inspectors": [a, b]},
        {"task_id": task["id"], "inspectors": [a, b]}]})
    assert _problem(response, 422)["errors"] == {"1": ["the same task appears twice"]}
    assert _problem(response, 422)["detail"] == \
        "1 of 2 assignments are refused; nothing was assigned."


def test_inspectors_who_cannot_be_sent_are_refused_in_english(
        client, boss, unit, team, make_user):
    task = _task(client, boss, unit())
    (outside,), (legal, _) = team(1, OTHER), make_user("legal", DISTRICT)
    lapsed, _ = make_user("inspector", DISTRICT,
                          certificate_expires=date.today() - timedelta(days=1))
    response = client.put(f"/api/v1/tasks/{task['id']}/assignees", headers=boss, json={
        "inspectors": [outside, str(legal.id), str(lapsed.id)], "version": 1})
    assert _problem(response, 422) == {
        "type": "/api/v1/problems/validation-error", "title": "Validation failed",
        "status": 422, "detail": "These inspectors cannot be sent.",
        "errors": {"inspectors": [
            f"{outside} belongs to a district outside your scope",
            f"{legal.id} is not an active inspector",
            f"{lapsed.username}'s enforcement certificate is not valid on "
            f"{task['due_date']}"]}}


def test_a_closed_task_cannot_be_reassigned_and_says_so_in_english(
        client, boss, unit, team):
    task = _task(client, boss, unit())
    cancelled = client.post(f"/api/v1/tasks/{task['id']}/transitions", headers=boss, json={
        "to": "cancelled", "version": 1, "reason": "企业已关停"})
    assert cancelled.status_code == 200, cancelled.get_json()
    response = client.put(f"/api/v1/tasks/{task['id']}/assignees", headers=boss,
                          json={"inspectors": team(2), "version": 2})
    assert _problem(response, 409) == {
        "type": "/api/v1/problems/conflict", "title": "Conflict", "status": 409,
        "detail": "A cancelled task cannot be reassigned."}


def test_an_unknown_plan_district_and_an_unknown_plan_answer_in_english(
        client, city, plan_body):
    response = client.post("/api/v1/plans", headers=city, json=plan_body(district="319999"))
    assert _problem(response, 422) == {
        "type": "/api/v1/problems/validation-error", "title": "Validation failed",
        "status": 422, "detail": "Unknown district.",
        "errors": {"district": ["unknown district"]}}
    missing = client.get(f"/api/v1/plans/{uuid.uuid4()}", headers=city)
    assert _problem(missing, 404) == {
        "type": "/api/v1/problems/not-found", "title": "Not found", "status": 404,
        "detail": "No such plan."}


def test_a_plan_outside_the_district_scope_is_refused_in_english(client, boss, plan_body):
    response = client.post("/api/v1/plans", headers=boss, json=plan_body(district=OTHER))
    assert _problem(response, 403) == {
        "type": "/api/v1/problems/forbidden", "title": "Not allowed", "status": 403,
        "detail": f"District {OTHER} is outside your scope ({DISTRICT})."}


def test_a_draw_nobody_can_staff_answers_in_english_naming_the_units(
        client, boss, city, unit, plan_body):
    enterprise = unit()
    registered = client.get(f"/api/v1/enterprises/{enterprise}", headers=city).get_json()
    plan = client.post("/api/v1/plans", headers=boss, json=plan_body(sample={"count": 1}))
    assert plan.status_code == 201, plan.get_json()
    response = client.post(f"/api/v1/plans/{plan.get_json()['id']}/draws", headers=boss,
                           json={})
    assert _problem(response, 409) == {
        "type": "/api/v1/problems/conflict", "title": "Conflict", "status": 409,
        "detail": "1 drawn unit(s) cannot be staffed with 2 certified inspectors free of "
                  "recusal and within the plan's open-task cap; add inspectors or change "
                  "the plan.",
        "errors": {"inspectors": [
            f"enterprise {enterprise} ({registered['name']}, credit code "
            f"{registered['credit_code']}): 0 eligible"]}}
