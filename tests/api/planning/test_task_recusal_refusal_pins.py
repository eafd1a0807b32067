"""The task lifecycle's and the recusals' refusals are the API's contract: the same
problem+json (status, type, English detail and field errors) whatever language the console
says them in."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.api.pinned import problem_body

DISTRICT = "310115"
CONFLICT = {"type": "/api/v1/problems/conflict", "title": "Conflict", "status": 409}
INVALID = {"type": "/api/v1/problems/validation-error", "title": "Validation failed",
           "status": 422}


@pytest.fixture(params=[None, "zh-CN,zh;q=0.9"], ids=["no-language", "chinese-asked"])
def asked(request):
    """Headers with or without a Chinese Accept-Language."""
    return lambda headers: headers | ({"Accept-Language": request.param}
                                      if request.param else {})


@pytest.fixture
def boss(login, asked) -> dict[str, str]:
    return asked(login("supervisor", DISTRICT))


def _task(client, headers, enterprise_id, **extra):
    response = client.post("/api/v1/tasks", headers=headers,
                           json={"kind": "complaint", "enterprise_id": enterprise_id} | extra)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _move(client, headers, task, to, version=1, **extra):
    return client.post(f"/api/v1/tasks/{task['id']}/transitions", headers=headers,
                       json={"to": to, "version": version} | extra)


def test_a_step_the_lifecycle_forbids_answers_in_english(client, boss, unit, team):
    task = _task(client, boss, unit(), inspectors=team(2))
    assert problem_body(_move(client, boss, task, "reviewed"), 409) == CONFLICT | {
        "detail": "a task that is assigned cannot become reviewed (only from submitted)"}
    assert _move(client, boss, task, "cancelled", reason="企业已注销").status_code == 200
    again = _move(client, boss, task, "cancelled", version=2, reason="x")
    assert problem_body(again, 409) == CONFLICT | {
        "detail": "a task that is cancelled cannot become cancelled (only from assigned, "
                  "in_progress, planned, submitted)"}


def test_a_cancellation_without_a_reason_answers_in_english(client, boss, unit):
    task = _task(client, boss, unit())
    assert problem_body(_move(client, boss, task, "cancelled"), 422) == INVALID | {
        "detail": "Say why the task is cancelled.", "errors": {"reason": ["required to cancel"]}}


def test_a_task_due_in_the_past_answers_in_english(client, boss, unit):
    response = client.post("/api/v1/tasks", headers=boss, json={
        "kind": "complaint", "enterprise_id": unit(),
        "due_date": (date.today() - timedelta(days=2)).isoformat()})
    assert problem_body(response, 422) == INVALID | {
        "detail": "The due date has passed.", "errors": {"due_date": ["must be today or later"]}}


def test_a_second_task_for_one_source_answers_in_english(client, boss, unit):
    target = unit()
    _task(client, boss, target, source_ref="12345-信访")
    again = client.post("/api/v1/tasks", headers=boss, json={
        "kind": "complaint", "enterprise_id": target, "source_ref": "12345-信访"})
    assert problem_body(again, 409) == CONFLICT | {
        "detail": "A task for this source already exists.",
        "errors": {"source_ref": ["already used"]}}


def test_an_inspector_declaring_anothers_conflict_answers_in_english(
        client, login, asked, unit, team):
    response = client.post("/api/v1/recusals", headers=asked(login("inspector", DISTRICT)),
                           json={"inspector_id": team(1)[0], "enterprise_id": unit(),
                                 "reason": "relative"})
    assert problem_body(response, 403) == {
        "type": "/api/v1/problems/forbidden", "title": "Not allowed", "status": 403,
        "detail": "Inspectors declare their own conflicts only."}


def test_a_recusal_of_someone_not_an_inspector_answers_in_english(
        client, boss, unit, make_user):
    legal = make_user("legal", DISTRICT)[0]
    response = client.post("/api/v1/recusals", headers=boss, json={
        "inspector_id": str(legal.id), "enterprise_id": unit(), "reason": "relative"})
    assert problem_body(response, 422) == INVALID | {
        "detail": "Not an inspector.", "errors": {"inspector_id": ["no inspector with this id"]}}


def test_a_conflict_declared_twice_answers_in_english(client, boss, unit, team):
    body = {"inspector_id": team(1)[0], "enterprise_id": unit(), "reason": "relative"}
    assert client.post("/api/v1/recusals", headers=boss, json=body).status_code == 201
    again = client.post("/api/v1/recusals", headers=boss, json=body)
    assert problem_body(again, 409) == CONFLICT | {
        "detail": "This conflict is already declared."}
