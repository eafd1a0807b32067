"""Plans and draws through HTTP: reproducible, staffed lawfully, positive list off-site,
confidential before the visit, published after it."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import select

from server.extensions import db
from server.planning.models import Draw

DISTRICT, OTHER = "310115", "310101"


def _draw(client, headers, plan_id, reason=None):
    body = {"reason": reason} if reason else {}
    return client.post(f"/api/v1/plans/{plan_id}/draws", json=body, headers=headers)


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
    response = _draw(client, boss, plan)
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
    drawn = _draw(client, boss, plan).get_json()
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
    seeds = {_draw(client, boss, plan, "第二次抽取：核对种子").get_json()["seed"]
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
    body = _draw(client, boss, plan).get_json()
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
    body = _draw(client, boss, plan).get_json()
    assert [s["enterprise_id"] for s in body["selected"]] == [listed] and body["offsite"] == []


def test_population_filters_by_permit_class_and_industry(client, login, unit, team, make_plan):
    boss = login("supervisor", DISTRICT)
    wanted = unit(permit_class="simplified", industry="印染")
    unit(permit_class="key", industry="印染")
    unit(permit_class="simplified", industry="电镀")
    team(2)
    plan = make_plan(boss, sample={"ratio": "1"},
                     population={"permit_classes": ["simplified"], "industries": ["印染"]})
    body = _draw(client, boss, plan).get_json()
    assert [s["enterprise_id"] for s in body["selected"]] == [wanted]


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
        body = _draw(client, boss, plan, "核对回避").get_json()
        assert set(body["selected"][0]["inspectors"]) == {ok_a, ok_b}


def test_a_draw_that_cannot_be_staffed_is_refused_and_leaves_nothing(
        client, login, unit, team, make_plan):
    boss = login("supervisor", DISTRICT)
    unit()
    team(1)
    plan = make_plan(boss, sample={"count": 1})
    response = _draw(client, boss, plan)
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
    body = _draw(client, boss, plan).get_json()
    for item in body["selected"]:
        assert set(item["inspectors"]) == set(outsiders)


def test_a_draw_after_the_period_is_refused(client, login, unit, team, make_plan):
    boss = login("supervisor", DISTRICT)
    unit()
    team(2)
    plan = make_plan(boss, period={"start": "2020-01-01", "end": "2020-03-31"})
    assert _draw(client, boss, plan).status_code == 409


def test_the_draw_is_confidential_until_the_visit_starts(
        client, login, unit, team, make_plan, make_user):
    boss = login("supervisor", DISTRICT)
    legal = login("legal", DISTRICT)
    unit()
    sent = [make_user("inspector", DISTRICT) for _ in range(2)]
    plan = make_plan(boss, sample={"count": 1})
    drawn = _draw(client, boss, plan).get_json()
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
    drawn = _draw(client, boss, plan).get_json()
    first = drawn["selected"][0]["task_id"]
    version = client.get(f"/api/v1/tasks/{first}", headers=boss).get_json()["version"]
    client.post(f"/api/v1/tasks/{first}/transitions", json={"to": "in_progress",
                                                           "version": version}, headers=boss)
    public = client.get(f"/api/v1/plans/{plan}/publication",
                        headers=login("inspector", DISTRICT)).get_json()["draws"][0]
    assert (public["drawn"], public["pending"], public["complete"]) == (2, 1, False)
    assert public["seed"] is None and len(public["inspected"]) == 1


def test_draws_and_plans_of_another_district_are_not_found(
        client, login, unit, team, make_plan):
    other = login("supervisor", OTHER)
    unit(OTHER)
    team(2, OTHER)
    plan = make_plan(other, district=OTHER, sample={"count": 1})
    drawn = _draw(client, other, plan).get_json()
    mine = login("supervisor", DISTRICT)
    assert client.get(f"/api/v1/plans/{plan}", headers=mine).status_code == 404
    assert client.get(f"/api/v1/draws/{drawn['id']}/verify", headers=mine).status_code == 404
    assert client.get(f"/api/v1/plans/{plan}/publication", headers=mine).status_code == 404
    assert client.get("/api/v1/plans", headers=mine).get_json() == []


def test_a_city_plan_draws_across_districts_with_local_officers(
        client, login, unit, team, make_plan, city):
    here, there = unit(DISTRICT), unit(OTHER)
    locals_here, locals_there = team(2, DISTRICT), team(2, OTHER)
    plan = make_plan(city, district="310000", sample={"ratio": "1"})
    body = _draw(client, city, plan).get_json()
    sent = {s["enterprise_id"]: set(s["inspectors"]) for s in body["selected"]}
    assert sent == {here: set(locals_here), there: set(locals_there)}


def test_a_draw_snapshot_lists_what_it_depended_on(app, client, login, unit, team, make_plan):
    boss = login("supervisor", DISTRICT)
    unit()
    team(2)
    drawn = _draw(client, boss, make_plan(boss, sample={"count": 1})).get_json()
    detail = client.get(f"/api/v1/draws/{drawn['id']}", headers=boss).get_json()
    assert detail["snapshot"]["algorithm"] == drawn["algorithm"] == "sha256-rank/v2"
    assert len(detail["snapshot"]["inspectors"]) == 2
    assert detail["snapshot"]["params"]["max_open_tasks"] is None
    with app.app_context():
        assert db.session.scalar(select(Draw.population_hash)) == drawn["population_hash"]


def test_publication_survives_a_unit_later_removed_from_the_register(
        client, login, unit, team, make_plan):
    boss = login("supervisor", DISTRICT)
    target = unit()
    team(2)
    plan = make_plan(boss, sample={"count": 1})
    task_id = _draw(client, boss, plan).get_json()["selected"][0]["task_id"]
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
    drawn = _draw(client, boss, plan).get_json()
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


def test_a_positive_list_units_off_site_review_task_is_marked(
        client, login, unit, team, make_plan):
    boss = login("supervisor", DISTRICT)
    today = date.today()
    listed = unit(permit_class="key", positive_list=True, positive_list_from=today.isoformat(),
                  positive_list_until=(today + timedelta(days=300)).isoformat())
    unit()
    team(2)
    plan = make_plan(boss, sample={"ratio": "1"})
    body = _draw(client, boss, plan).get_json()
    assert body["offsite"] == [listed]
    assert all(s["positive_list"] is False for s in body["selected"])
    offsite = client.get(f"/api/v1/tasks?kind=offsite_review&plan_id={plan}",
                         headers=boss).get_json()["items"]
    assert [(t["enterprise_id"], t["positive_list"]) for t in offsite] == [(listed, True)]


def _busy(client, headers, enterprise_id, pair, count):
    """Give two inspectors `count` open complaint tasks together."""
    for _ in range(count):
        response = client.post("/api/v1/tasks", headers=headers, json={
            "kind": "complaint", "enterprise_id": enterprise_id, "inspectors": pair})
        assert response.status_code == 201, response.get_json()


def _cancel(client, headers, task_id):
    version = client.get(f"/api/v1/tasks/{task_id}", headers=headers).get_json()["version"]
    response = client.post(f"/api/v1/tasks/{task_id}/transitions", headers=headers, json={
        "to": "cancelled", "version": version, "reason": "计划撤销"})
    assert response.status_code == 200, response.get_json()


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
        drawn = _draw(client, boss, plan)
        assert drawn.status_code == 201, drawn.get_json()
        item = drawn.get_json()["selected"][0]
        assert item["enterprise_id"] == target
        teams.append(frozenset(item["inspectors"]))
        _cancel(client, boss, item["task_id"])  # loads stay 3, 3, 0, 0 for the next plan
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
    drawn = _draw(client, boss, plan).get_json()
    assert set(drawn["selected"][0]["inspectors"]) == set(idle)
    detail = client.get(f"/api/v1/draws/{drawn['id']}", headers=boss).get_json()
    assert detail["snapshot"]["params"]["max_open_tasks"] == 2
    assert detail["snapshot"]["workload"] == {busy_a: 3, busy_b: 3}
    full = make_plan(boss, sample={"count": 1}, max_open_tasks=0)
    refused = _draw(client, boss, full)  # the idle two now hold the first plan's task
    assert refused.status_code == 409 and "inspectors" in refused.get_json()["errors"]


def test_a_draw_made_with_sha256_rank_v1_still_verifies(
        app, client, login, unit, team, make_plan, monkeypatch):
    from server.planning import draw as algorithm

    boss = login("supervisor", DISTRICT)
    unit(), unit(), unit()
    team(4)
    plan = make_plan(boss, sample={"count": 2})
    with monkeypatch.context() as patch:  # the server as it drew before v2
        patch.setattr(algorithm, "ALGORITHM", algorithm.V1)
        old = _draw(client, boss, plan).get_json()
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
    first = _draw(client, boss, plan).get_json()
    assert first["reason"] is None and first["supersedes"] == []
    again = _draw(client, boss, plan)
    assert again.status_code == 422 and again.mimetype == "application/problem+json"
    assert "reason" in again.get_json()["errors"]
    for item in first["selected"]:  # cancelling the first draw's tasks does not clear it
        _cancel(client, boss, item["task_id"])
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
    first = _draw(client, boss, plan).get_json()
    task_id = first["selected"][0]["task_id"]
    started = client.post(f"/api/v1/tasks/{task_id}/transitions",
                          json={"to": "in_progress", "version": 1}, headers=boss)
    assert started.status_code == 200, started.get_json()
    batch = _draw(client, boss, plan)
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
    first = _draw(client, boss, plan).get_json()
    _cancel(client, boss, first["selected"][0]["task_id"])
    second = _draw(client, boss, plan, reason="抽中企业已停产，经科长批准重新抽取")
    assert second.status_code == 201, second.get_json()
    assert second.get_json()["supersedes"] == [first["id"]]
    started = client.post(f"/api/v1/tasks/{second.get_json()['selected'][0]['task_id']}"
                          "/transitions", json={"to": "in_progress", "version": 1}, headers=boss)
    assert started.status_code == 200, started.get_json()
    batch = _draw(client, boss, plan)
    assert batch.status_code == 201, batch.get_json()
    assert batch.get_json()["reason"] is None and batch.get_json()["supersedes"] == []
    public = client.get(f"/api/v1/plans/{plan}/publication", headers=boss).get_json()
    assert [d["superseded_by"] for d in public["draws"]] == [[second.get_json()["id"]], [], []]
