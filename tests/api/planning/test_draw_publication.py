"""Draws stay confidential until the visit, are published after it, and redraws say why."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from server.extensions import db
from tests.api.planning.drawing import cancel_task, draw_plan

DISTRICT = "310115"


def test_the_draw_is_confidential_until_the_visit_starts(
        client, login, unit, team, make_plan, make_user):
    boss = login("supervisor", DISTRICT)
    legal = login("legal", DISTRICT)
    unit()
    sent = [make_user("inspector", DISTRICT) for _ in range(2)]
    plan = make_plan(boss, sample={"count": 1})
    drawn = draw_plan(client, boss, plan).get_json()
    bystander = login("inspector", DISTRICT)  # certified too, but not drawn
    task_id = drawn["selected"][0]["task_id"]
    for headers in (legal, bystander):
        assert client.get(f"/api/v1/draws/{drawn['id']}", headers=headers).status_code == 403
        assert client.get(f"/api/v1/tasks/{task_id}", headers=headers).status_code == 404
        assert client.get("/api/v1/tasks", headers=headers).get_json()["total"] == 0
    public = client.get(f"/api/v1/plans/{plan}/publication", headers=legal).get_json()
    assert public["draws"][0]["inspected"] == [] and public["draws"][0]["seed"] is None
    assert public["draws"][0]["snapshot"] is None

    user, password = sent[0]
    token = client.post("/api/v1/auth/token", json={"username": user.username,
                                                     "password": password,
                                                     "device_id": "tablet-1"}).get_json()
    officer = {"Authorization": f"Bearer {token['access_token']}"}
    task = client.get(f"/api/v1/tasks/{task_id}", headers=officer)
    assert task.status_code == 200 and task.get_json()["confidential"] is True
    started = client.post(f"/api/v1/tasks/{task_id}/transitions",
                          json={"to": "in_progress", "version": task.get_json()["version"]},
                          headers=officer)
    assert started.status_code == 200, started.get_json()

    assert client.get(f"/api/v1/tasks/{task_id}", headers=legal).status_code == 200
    public = client.get(f"/api/v1/plans/{plan}/publication", headers=legal).get_json()
    draw = public["draws"][0]
    assert draw["complete"] is True and draw["seed"] == drawn["seed"]
    assert [u["enterprise_id"] for u in draw["inspected"]] == \
        [drawn["selected"][0]["enterprise_id"]]
    assert draw["snapshot"]["units"]


def test_publication_withholds_the_seed_while_any_drawn_unit_awaits_its_visit(
        client, login, unit, team, make_plan):
    boss = login("supervisor", DISTRICT)
    unit(), unit()
    team(4)
    plan = make_plan(boss, sample={"count": 2})
    drawn = draw_plan(client, boss, plan).get_json()
    first = drawn["selected"][0]["task_id"]
    version = client.get(f"/api/v1/tasks/{first}", headers=boss).get_json()["version"]
    client.post(f"/api/v1/tasks/{first}/transitions", json={"to": "in_progress",
                                                           "version": version}, headers=boss)
    public = client.get(f"/api/v1/plans/{plan}/publication",
                        headers=login("inspector", DISTRICT)).get_json()["draws"][0]
    assert (public["drawn"], public["pending"], public["complete"]) == (2, 1, False)
    assert public["seed"] is None and len(public["inspected"]) == 1


def test_publication_survives_a_unit_later_removed_from_the_register(
        client, login, unit, team, make_plan):
    boss = login("supervisor", DISTRICT)
    target = unit()
    team(2)
    plan = make_plan(boss, sample={"count": 1})
    task_id = draw_plan(client, boss, plan).get_json()["selected"][0]["task_id"]
    client.post(f"/api/v1/tasks/{task_id}/transitions", json={"to": "in_progress",
                                                             "version": 1}, headers=boss)
    assert client.delete(f"/api/v1/enterprises/{target}?version=1",
                         headers=boss).status_code == 204
    public = client.get(f"/api/v1/plans/{plan}/publication", headers=boss)
    assert public.status_code == 200
    assert public.get_json()["draws"][0]["inspected"][0]["enterprise_id"] == target


def test_a_positive_list_unit_drawn_on_site_is_marked_in_the_draw_task_and_publication(
        client, login, unit, make_plan, make_user):
    """LAW.md §7: listed units are supervised mainly off-site; a plan including them sends
    officers to a listed unit, and the snapshot, the result, the task and the published
    results say it is one."""
    boss, legal = login("supervisor", DISTRICT), login("legal", DISTRICT)
    today = date.today()
    listed = unit(permit_class="key", positive_list=True, positive_list_from=today.isoformat(),
                  positive_list_until=(today + timedelta(days=300)).isoformat())
    ordinary = unit()
    sent = [make_user("inspector", DISTRICT) for _ in range(2)]
    plan = make_plan(boss, sample={"ratio": "1"}, population={"include_positive_list": True})
    drawn = draw_plan(client, boss, plan).get_json()
    assert {s["enterprise_id"]: s["positive_list"] for s in drawn["selected"]} == {
        listed: True, ordinary: False}
    detail = client.get(f"/api/v1/draws/{drawn['id']}", headers=boss).get_json()
    assert {u["id"]: u.get("positive_list", False) for u in detail["snapshot"]["units"]} == {
        listed: True, ordinary: False}
    assert client.get(f"/api/v1/draws/{drawn['id']}/verify",
                      headers=boss).get_json()["reproduced"] is True

    user, password = sent[0]
    token = client.post("/api/v1/auth/token", json={"username": user.username,
                                                     "password": password,
                                                     "device_id": "tablet-1"}).get_json()
    officer = {"Authorization": f"Bearer {token['access_token']}"}
    for item in drawn["selected"]:
        task = client.get(f"/api/v1/tasks/{item['task_id']}", headers=officer).get_json()
        assert task["positive_list"] is (item["enterprise_id"] == listed)
        started = client.post(f"/api/v1/tasks/{item['task_id']}/transitions",
                              json={"to": "in_progress", "version": task["version"]},
                              headers=officer)
        assert started.status_code == 200, started.get_json()
    public = client.get(f"/api/v1/plans/{plan}/publication", headers=legal).get_json()
    assert {u["enterprise_id"]: u["positive_list"]
            for u in public["draws"][0]["inspected"]} == {listed: True, ordinary: False}


def test_drawing_again_while_earlier_units_await_their_visit_needs_a_stated_reason(
        app, client, login, unit, team, make_plan):
    """A supervisor could draw, cancel the drawn tasks and draw again until a liked result,
    and nothing said so: the publication listed the first draw as complete with nobody
    inspected. A new draw while an earlier one has units not visited now needs a reason,
    which is audited, kept with the draw and published beside every earlier draw."""
    from server.audit.models import AuditEntry

    boss, legal = login("supervisor", DISTRICT), login("legal", DISTRICT)
    for _ in range(4):
        unit()
    team(4)
    plan = make_plan(boss, sample={"count": 2})
    first = draw_plan(client, boss, plan).get_json()
    assert first["reason"] is None and first["supersedes"] == []
    again = draw_plan(client, boss, plan)
    assert again.status_code == 422 and again.mimetype == "application/problem+json"
    assert "reason" in again.get_json()["errors"]
    for item in first["selected"]:  # cancelling the first draw's tasks does not clear it
        cancel_task(client, boss, item["task_id"])
    for body in ({}, {"reason": "   "}):
        refused = client.post(f"/api/v1/plans/{plan}/draws", json=body, headers=boss)
        assert refused.status_code == 422 and "reason" in refused.get_json()["errors"], body
    assert len(client.get(f"/api/v1/plans/{plan}/draws", headers=boss).get_json()) == 1
    reason = "首次抽中的两家企业已停产，经科长批准重新抽取"
    second = client.post(f"/api/v1/plans/{plan}/draws", json={"reason": reason},
                         headers=boss)
    assert second.status_code == 201, second.get_json()
    second = second.get_json()
    assert second["reason"] == reason and second["supersedes"] == [first["id"]]
    detail = client.get(f"/api/v1/draws/{second['id']}", headers=boss).get_json()
    assert detail["reason"] == reason
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "draw.create").order_by(AuditEntry.seq.desc())).first()
        assert entry.entity_id == second["id"]
        assert entry.details["reason"] == reason
        assert entry.details["supersedes"] == [first["id"]]

    public = client.get(f"/api/v1/plans/{plan}/publication", headers=legal).get_json()
    plan_period = client.get(f"/api/v1/plans/{plan}", headers=boss).get_json()["period"]
    assert public["period"] == plan_period  # ISO dates, not HTTP dates
    draws = {d["draw_id"]: d for d in public["draws"]}
    assert list(draws) == [first["id"], second["id"]]
    old, new = draws[first["id"]], draws[second["id"]]
    assert (old["drawn"], old["cancelled"], old["inspected"]) == (2, 2, [])
    assert old["superseded_by"] == [second["id"]] and old["reason"] is None
    assert (new["drawn"], new["cancelled"], new["reason"]) == (2, 0, reason)
    assert new["supersedes"] == [first["id"]] and new["superseded_by"] == []


def test_a_new_batch_needs_no_reason_once_every_earlier_unit_was_visited(
        client, login, unit, team, make_plan):
    boss = login("supervisor", DISTRICT)
    unit(), unit()
    team(2)
    plan = make_plan(boss, sample={"count": 1})
    first = draw_plan(client, boss, plan).get_json()
    task_id = first["selected"][0]["task_id"]
    started = client.post(f"/api/v1/tasks/{task_id}/transitions",
                          json={"to": "in_progress", "version": 1}, headers=boss)
    assert started.status_code == 200, started.get_json()
    batch = draw_plan(client, boss, plan)
    assert batch.status_code == 201, batch.get_json()
    assert batch.get_json()["reason"] is None and batch.get_json()["supersedes"] == []
    public = client.get(f"/api/v1/plans/{plan}/publication", headers=boss).get_json()
    assert [d["superseded_by"] for d in public["draws"]] == [[], []]


def test_a_draw_already_superseded_with_a_reason_does_not_ask_for_one_again(
        client, login, unit, team, make_plan):
    """The first draw's cancelled units were explained when the second draw superseded it;
    once the second draw's units are all visited, a new batch is a new batch: no reason, and
    it does not claim to supersede the first draw again."""
    boss = login("supervisor", DISTRICT)
    for _ in range(4):
        unit()
    team(4)
    plan = make_plan(boss, sample={"count": 1})
    first = draw_plan(client, boss, plan).get_json()
    cancel_task(client, boss, first["selected"][0]["task_id"])
    second = draw_plan(client, boss, plan, reason="抽中企业已停产，经科长批准重新抽取")
    assert second.status_code == 201, second.get_json()
    assert second.get_json()["supersedes"] == [first["id"]]
    started = client.post(f"/api/v1/tasks/{second.get_json()['selected'][0]['task_id']}"
                          "/transitions", json={"to": "in_progress", "version": 1}, headers=boss)
    assert started.status_code == 200, started.get_json()
    batch = draw_plan(client, boss, plan)
    assert batch.status_code == 201, batch.get_json()
    assert batch.get_json()["reason"] is None and batch.get_json()["supersedes"] == []
    public = client.get(f"/api/v1/plans/{plan}/publication", headers=boss).get_json()
    assert [d["superseded_by"] for d in public["draws"]] == [[second.get_json()["id"]], [], []]
