"""Plans and draws through HTTP: valid plans, the sample drawn, reproducible and verified."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from server.extensions import db
from server.planning.models import Draw
from tests.api.planning.drawing import draw_plan

DISTRICT, OTHER = "310115", "310101"


def test_a_plan_with_neither_or_both_sample_rules_is_refused(client, login, plan_body):
    boss = login("supervisor", DISTRICT)
    for sample in ({}, {"count": 2, "ratio": "0.1"}, {"ratio": "0"}, {"ratio": "1.5"},
                   {"count": 0}):
        response = client.post("/api/v1/plans", json=plan_body(sample=sample), headers=boss)
        assert response.status_code == 422, sample
        assert response.mimetype == "application/problem+json"


def test_bad_plan_fields_are_422_problems_never_500(client, city, plan_body):
    boss = city
    for bad in ({"inspectors_per_task": 1}, {"schedule": "every monday"},
                {"schedule": "99 * * * *"}, {"period": {"start": "2026-02-01",
                                                        "end": "2026-01-01"}},
                {"period": "2026-Q1"}, {"district": "999999"},
                {"population": {"permit_classes": ["nuclear"]}}):
        response = client.post("/api/v1/plans", json=plan_body(**bad), headers=boss)
        assert response.status_code == 422, (bad, response.get_json())


def test_a_valid_cron_longer_than_its_column_is_refused_by_the_schema(client, city, plan_body):
    every_minute = ",".join(str(minute) for minute in range(60))  # valid cron, 170 characters
    response = client.post("/api/v1/plans", json=plan_body(schedule=f"{every_minute} 9 1 * *"),
                           headers=city)
    assert response.status_code == 422, response.get_json()
    assert "schedule" in response.get_json()["errors"]


@pytest.mark.parametrize("schedule", ["0 9 31 2 *", "0 9 30 2 *", "0 9 31 4,6,9,11 *"])
def test_a_valid_cron_that_can_never_fire_is_refused_by_the_schema(client, city, plan_body,
                                                                    schedule):
    response = client.post("/api/v1/plans", json=plan_body(schedule=schedule), headers=city)
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["errors"]["schedule"] == [
        "a cron expression that never fires (no such day in any year)"]


def test_a_cron_that_fires_only_in_leap_years_is_accepted(client, city, plan_body):
    response = client.post("/api/v1/plans", json=plan_body(schedule="0 9 29 2 *"),
                           headers=city)
    assert response.status_code == 201, response.get_json()


def test_a_district_supervisor_cannot_plan_for_the_city(client, login, plan_body):
    response = client.post("/api/v1/plans", json=plan_body(district="310000"),
                           headers=login("supervisor", DISTRICT))
    assert response.status_code == 403


def test_a_draw_picks_the_sample_with_two_certified_inspectors_and_a_task_each(
        client, login, unit, team, make_plan):
    boss = login("supervisor", DISTRICT)
    units = [unit() for _ in range(6)]
    inspectors = team(4)
    plan = make_plan(boss, sample={"count": 3})
    response = draw_plan(client, boss, plan)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert len(body["seed"]) == 32 and len(body["population_hash"]) == 64
    assert body["population"] == 6 and len(body["selected"]) == 3
    for item in body["selected"]:
        assert item["enterprise_id"] in units
        assert len(set(item["inspectors"])) == 2 and set(item["inspectors"]) <= set(inspectors)
        task = client.get(f"/api/v1/tasks/{item['task_id']}", headers=boss).get_json()
        assert (task["kind"], task["status"]) == ("random_check", "assigned")
        assert {a["id"] for a in task["assignees"]} == set(item["inspectors"])


def test_the_server_makes_a_seed_when_none_is_given(client, login, unit, team, make_plan):
    boss = login("supervisor", DISTRICT)
    unit(), unit()
    team(2)
    plan = make_plan(boss)
    body = client.post(f"/api/v1/plans/{plan}/draws", json={}, headers=boss).get_json()
    assert len(body["seed"]) == 32


def test_a_draw_is_reproduced_by_verify_and_a_tampered_one_is_not(
        app, client, login, unit, team, make_plan):
    boss = login("supervisor", DISTRICT)
    for _ in range(5):
        unit()
    team(3)
    plan = make_plan(boss, sample={"ratio": "0.5"})
    drawn = draw_plan(client, boss, plan).get_json()
    assert len(drawn["selected"]) == 3  # ceil(0.5 x 5)
    verify = client.get(f"/api/v1/draws/{drawn['id']}/verify", headers=boss).get_json()
    assert verify["reproduced"] is True and verify["population_hash"] == drawn["population_hash"]
    with app.app_context():
        record = db.session.get(Draw, uuid.UUID(drawn["id"]))
        record.selected = list(reversed(record.selected))
        db.session.commit()
    verify = client.get(f"/api/v1/draws/{drawn['id']}/verify", headers=boss).get_json()
    assert verify["reproduced"] is False and verify["population_hash_matches"] is True
    with app.app_context():
        record = db.session.get(Draw, uuid.UUID(drawn["id"]))
        record.snapshot = {**record.snapshot, "units": record.snapshot["units"][1:]}
        db.session.commit()
    verify = client.get(f"/api/v1/draws/{drawn['id']}/verify", headers=boss).get_json()
    assert verify["population_hash_matches"] is False and verify["reproduced"] is False


def test_whoever_draws_cannot_choose_the_seed(client, login, unit, team, make_plan):
    """With the published algorithm and the preview's population, a seed of one's choosing
    chooses the units: the seed must come from the server's random source, not the caller."""
    boss = login("supervisor", DISTRICT)
    for _ in range(8):
        unit()
    team(6)
    plan = make_plan(boss, sample={"count": 3})
    chosen = client.post(f"/api/v1/plans/{plan}/draws", json={"seed": "公开种子-2026Q4"},
                         headers=boss)
    assert chosen.status_code == 422 and "seed" in chosen.get_json()["errors"]
    assert chosen.mimetype == "application/problem+json"
    assert client.get(f"/api/v1/plans/{plan}/draws", headers=boss).get_json() == []
    assert client.get("/api/v1/tasks", headers=boss).get_json()["total"] == 0
    seeds = {draw_plan(client, boss, plan, "第二次抽取：核对种子").get_json()["seed"]
             for _ in range(2)}
    assert len(seeds) == 2 and all(len(seed) == 32 for seed in seeds)


def test_active_positive_list_units_get_off_site_reviews_and_expired_ones_are_drawn(
        client, login, unit, team, make_plan):
    boss = login("supervisor", DISTRICT)
    today = date.today()
    listed = unit(permit_class="key", positive_list=True,
                  positive_list_from=(today - timedelta(days=30)).isoformat(),
                  positive_list_until=(today + timedelta(days=300)).isoformat())
    expired = unit(permit_class="key", positive_list=True,
                   positive_list_from=(today - timedelta(days=900)).isoformat(),
                   positive_list_until=(today - timedelta(days=1)).isoformat())
    ordinary = unit()
    team(2)
    plan = make_plan(boss, sample={"ratio": "1"})
    body = draw_plan(client, boss, plan).get_json()
    assert {s["enterprise_id"] for s in body["selected"]} == {expired, ordinary}
    assert body["offsite"] == [listed]
    offsite = client.get(f"/api/v1/tasks?kind=offsite_review&plan_id={plan}",
                         headers=boss).get_json()["items"]
    assert [(t["enterprise_id"], t["status"]) for t in offsite] == [(listed, "planned")]


def test_a_plan_may_include_positive_list_units_on_site(client, login, unit, team, make_plan):
    boss = login("supervisor", DISTRICT)
    today = date.today()
    listed = unit(permit_class="key", positive_list=True,
                  positive_list_from=today.isoformat(),
                  positive_list_until=(today + timedelta(days=300)).isoformat())
    team(2)
    plan = make_plan(boss, sample={"ratio": "1"},
                     population={"include_positive_list": True})
    body = draw_plan(client, boss, plan).get_json()
    assert [s["enterprise_id"] for s in body["selected"]] == [listed] and body["offsite"] == []


def test_population_filters_by_permit_class_and_industry(client, login, unit, team, make_plan):
    boss = login("supervisor", DISTRICT)
    wanted = unit(permit_class="simplified", industry="印染")
    unit(permit_class="key", industry="印染")
    unit(permit_class="simplified", industry="电镀")
    team(2)
    plan = make_plan(boss, sample={"ratio": "1"},
                     population={"permit_classes": ["simplified"], "industries": ["印染"]})
    body = draw_plan(client, boss, plan).get_json()
    assert [s["enterprise_id"] for s in body["selected"]] == [wanted]


def test_a_draw_after_the_period_is_refused(client, login, unit, team, make_plan):
    boss = login("supervisor", DISTRICT)
    unit()
    team(2)
    plan = make_plan(boss, period={"start": "2020-01-01", "end": "2020-03-31"})
    assert draw_plan(client, boss, plan).status_code == 409


def test_draws_and_plans_of_another_district_are_not_found(
        client, login, unit, team, make_plan):
    other = login("supervisor", OTHER)
    unit(OTHER)
    team(2, OTHER)
    plan = make_plan(other, district=OTHER, sample={"count": 1})
    drawn = draw_plan(client, other, plan).get_json()
    mine = login("supervisor", DISTRICT)
    assert client.get(f"/api/v1/plans/{plan}", headers=mine).status_code == 404
    assert client.get(f"/api/v1/draws/{drawn['id']}/verify", headers=mine).status_code == 404
    assert client.get(f"/api/v1/plans/{plan}/publication", headers=mine).status_code == 404
    assert client.get("/api/v1/plans", headers=mine).get_json() == []


def test_a_draw_snapshot_lists_what_it_depended_on(app, client, login, unit, team, make_plan):
    boss = login("supervisor", DISTRICT)
    unit()
    team(2)
    drawn = draw_plan(client, boss, make_plan(boss, sample={"count": 1})).get_json()
    detail = client.get(f"/api/v1/draws/{drawn['id']}", headers=boss).get_json()
    assert detail["snapshot"]["algorithm"] == drawn["algorithm"] == "sha256-rank/v2"
    assert len(detail["snapshot"]["inspectors"]) == 2
    assert detail["snapshot"]["params"]["max_open_tasks"] is None
    with app.app_context():
        assert db.session.scalar(select(Draw.population_hash)) == drawn["population_hash"]


def test_a_positive_list_units_off_site_review_task_is_marked(
        client, login, unit, team, make_plan):
    boss = login("supervisor", DISTRICT)
    today = date.today()
    listed = unit(permit_class="key", positive_list=True, positive_list_from=today.isoformat(),
                  positive_list_until=(today + timedelta(days=300)).isoformat())
    unit()
    team(2)
    plan = make_plan(boss, sample={"ratio": "1"})
    body = draw_plan(client, boss, plan).get_json()
    assert body["offsite"] == [listed]
    assert all(s["positive_list"] is False for s in body["selected"])
    offsite = client.get(f"/api/v1/tasks?kind=offsite_review&plan_id={plan}",
                         headers=boss).get_json()["items"]
    assert [(t["enterprise_id"], t["positive_list"]) for t in offsite] == [(listed, True)]


def test_a_draw_made_with_sha256_rank_v1_still_verifies(
        app, client, login, unit, team, make_plan, monkeypatch):
    from server.planning import draw as algorithm

    boss = login("supervisor", DISTRICT)
    unit(), unit(), unit()
    team(4)
    plan = make_plan(boss, sample={"count": 2})
    with monkeypatch.context() as patch:  # the server as it drew before v2
        patch.setattr(algorithm, "ALGORITHM", algorithm.V1)
        old = draw_plan(client, boss, plan).get_json()
    assert old["algorithm"] == "sha256-rank/v1"
    detail = client.get(f"/api/v1/draws/{old['id']}", headers=boss).get_json()
    assert detail["snapshot"]["algorithm"] == "sha256-rank/v1"
    assert "max_open_tasks" not in detail["snapshot"]["params"]
    verify = client.get(f"/api/v1/draws/{old['id']}/verify", headers=boss).get_json()
    assert verify["reproduced"] is True and verify["algorithm"] == "sha256-rank/v1"
    with app.app_context():  # a snapshot relabelled v2 does not reproduce the v1 draw
        record = db.session.get(Draw, uuid.UUID(old["id"]))
        record.algorithm = "sha256-rank/v2"
        db.session.commit()
    verify = client.get(f"/api/v1/draws/{old['id']}/verify", headers=boss).get_json()
    assert verify["reproduced"] is False
