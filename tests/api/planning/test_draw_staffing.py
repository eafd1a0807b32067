"""Who a draw sends: certified, unrecused officers, from elsewhere across districts, at random."""

from __future__ import annotations

from datetime import date, timedelta

from tests.api.planning.drawing import cancel_task, draw_plan

DISTRICT, OTHER = "310115", "310101"


def test_recused_and_uncertified_inspectors_are_never_sent(
        client, login, unit, team, make_plan, make_user):
    boss = login("supervisor", DISTRICT)
    target = unit()
    conflicted, ok_a, ok_b = team(3)
    make_user("inspector", DISTRICT, certificate_expires=date.today() - timedelta(days=1))
    recusal = client.post("/api/v1/recusals", json={
        "inspector_id": conflicted, "enterprise_id": target, "reason": "relative",
        "note": "配偶任该企业环保负责人"}, headers=boss)
    assert recusal.status_code == 201, recusal.get_json()
    plan = make_plan(boss, sample={"count": 1})
    for _ in range(5):
        body = draw_plan(client, boss, plan, "核对回避").get_json()
        assert set(body["selected"][0]["inspectors"]) == {ok_a, ok_b}


def test_a_draw_that_cannot_be_staffed_is_refused_and_leaves_nothing(
        client, login, unit, team, make_plan):
    boss = login("supervisor", DISTRICT)
    unit()
    team(1)
    plan = make_plan(boss, sample={"count": 1})
    response = draw_plan(client, boss, plan)
    assert response.status_code == 409 and "inspectors" in response.get_json()["errors"]
    assert client.get(f"/api/v1/plans/{plan}/draws", headers=boss).get_json() == []
    assert client.get("/api/v1/tasks", headers=boss).get_json()["total"] == 0


def test_a_cross_district_plan_sends_only_officers_from_elsewhere(
        client, login, unit, team, make_plan):
    boss = login("supervisor", DISTRICT)
    unit(), unit()
    team(3, DISTRICT)
    outsiders = team(2, OTHER)
    plan = make_plan(boss, sample={"count": 2}, cross_district=True)
    body = draw_plan(client, boss, plan).get_json()
    for item in body["selected"]:
        assert set(item["inspectors"]) == set(outsiders)


def test_a_city_plan_draws_across_districts_with_local_officers(
        client, login, unit, team, make_plan, city):
    here, there = unit(DISTRICT), unit(OTHER)
    locals_here, locals_there = team(2, DISTRICT), team(2, OTHER)
    plan = make_plan(city, district="310000", sample={"ratio": "1"})
    body = draw_plan(client, city, plan).get_json()
    sent = {s["enterprise_id"]: set(s["inspectors"]) for s in body["selected"]}
    assert sent == {here: set(locals_here), there: set(locals_there)}


def _busy(client, headers, enterprise_id, pair, count):
    """Give two inspectors `count` open complaint tasks together."""
    for _ in range(count):
        response = client.post("/api/v1/tasks", headers=headers, json={
            "kind": "complaint", "enterprise_id": enterprise_id, "inspectors": pair})
        assert response.status_code == 201, response.get_json()


def test_officers_are_drawn_at_random_not_the_least_loaded_first(
        client, login, unit, team, make_plan):
    """LAW.md §7: the officers who go are chosen at random. With unequal open workloads the
    least-loaded-first rule of sha256-rank/v1 always sent the same two idle inspectors, so
    who goes was known before the draw."""
    boss = login("supervisor", DISTRICT)
    target, elsewhere = unit(industry="印染"), unit()
    busy_a, busy_b, *_idle = team(4)
    _busy(client, boss, elsewhere, [busy_a, busy_b], 3)
    teams = []
    for n in range(15):
        plan = make_plan(boss, name=f"抽查 {n}", sample={"count": 1},
                         population={"industries": ["印染"]})
        drawn = draw_plan(client, boss, plan)
        assert drawn.status_code == 201, drawn.get_json()
        item = drawn.get_json()["selected"][0]
        assert item["enterprise_id"] == target
        teams.append(frozenset(item["inspectors"]))
        cancel_task(client, boss, item["task_id"])  # loads stay 3, 3, 0, 0 for the next plan
        assert client.get(f"/api/v1/draws/{drawn.get_json()['id']}/verify",
                          headers=boss).get_json()["reproduced"] is True
    assert {busy_a, busy_b} & set().union(*teams), "the busy inspectors were never sent"
    assert len(set(teams)) > 1


def test_a_plan_caps_open_tasks_and_officers_over_the_cap_are_not_sent(
        client, login, unit, team, make_plan):
    boss = login("supervisor", DISTRICT)
    target = unit()
    busy_a, busy_b, *idle = team(4)
    _busy(client, boss, target, [busy_a, busy_b], 3)
    bad = client.post("/api/v1/plans", headers=boss, json={
        "name": "x", "district": DISTRICT, "sample": {"count": 1}, "max_open_tasks": -1,
        "period": {"start": "2020-01-01", "end": "2099-12-31"}})
    assert bad.status_code == 422 and "max_open_tasks" in bad.get_json()["errors"]
    plan = make_plan(boss, sample={"count": 1}, max_open_tasks=2)
    assert client.get(f"/api/v1/plans/{plan}", headers=boss).get_json()["max_open_tasks"] == 2
    drawn = draw_plan(client, boss, plan).get_json()
    assert set(drawn["selected"][0]["inspectors"]) == set(idle)
    detail = client.get(f"/api/v1/draws/{drawn['id']}", headers=boss).get_json()
    assert detail["snapshot"]["params"]["max_open_tasks"] == 2
    assert detail["snapshot"]["workload"] == {busy_a: 3, busy_b: 3}
    full = make_plan(boss, sample={"count": 1}, max_open_tasks=0)
    refused = draw_plan(client, boss, full)  # the idle two now hold the first plan's task
    assert refused.status_code == 409 and "inspectors" in refused.get_json()["errors"]
