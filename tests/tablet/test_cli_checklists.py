"""The command-line tablet's checklist: the templates it pulled, the items meant for the
record's enterprise, an item no template has refused offline, and an item the record already
holds answered again though its template left force (the server does not ask again)."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from offline_sync import Tablet

from . import test_cli_visit
from .conftest import server_copy
from .test_cli_visit import HUANGPU, _ok, _owed

CITY = "310000"  # rule sets are stored by city-wide staff

visit = test_cli_visit.visit  # the site-visit fixture: a task, its enterprise, a tablet
SHANGHAI = ZoneInfo("Asia/Shanghai")
CLOSED = "产生VOCs的生产和服务活动在密闭空间或设备中进行，车间门窗关闭"


def test_the_tablet_lists_the_templates_it_pulled_and_those_meant_for_an_enterprise(
        visit, client):
    run = visit["run"]
    bakery = client.post("/api/v1/enterprises", headers=visit["boss"], json={
        **_body(), "industry": "食品加工", "permit_class": "registration"}
    ).get_json()
    assert "id" in bakery, bakery
    assert "No checklist template on this tablet" in _ok(run("templates"))
    _ok(run("pull"))
    listed = _ok(run("templates"))
    assert "sh-eco-site-general@1  现场检查通用检查表 / General on-site inspection checklist  " \
           "[unverified]" in listed
    assert "for every enterprise" in listed and "for industries 化工、石化" in listed
    assert f"  VOC-01     {CLOSED}  (no → AIR_VOC)" in listed
    chemicals = _ok(run("templates", "--enterprise", visit["enterprise"]["id"]))
    assert "sh-eco-site-vocs@1" in chemicals and "sh-eco-site-general@1" in chemicals
    food = _ok(run("templates", "--enterprise", bakery["id"]))
    assert "sh-eco-site-general@1" in food and "VOC-01" not in food
    found = json.loads(_ok(run("templates", "--search", "LDAR", "--json")))
    assert [t["id"] for t in found] == ["sh-eco-site-vocs"]


def test_the_checklist_shows_the_items_for_the_enterprise_and_refuses_an_unknown_one(visit):
    run = visit["run"]
    _ok(run("pull"))
    record = _ok(run("new-inspection", "--task", visit["task"]["id"]))
    said = _ok(run("checklist", record, "VOC-01", "no", "--note", "门窗敞开"))
    assert said == f"checklist VOC-01 {CLOSED}: no (queued for the next push)"
    shown = _ok(run("checklist", record))
    assert "sh-eco-site-general@1" in shown and "sh-eco-site-vocs@1" in shown
    assert "  VOC-01     [no]  产生VOCs" in shown and "  PERMIT-01  [—]  已取得排污许可证" in shown
    assert shown.endswith(f"answer with: checklist {record} ITEM yes|no|na [--note TEXT]")

    before = _owed(visit)
    for item in ("VOC-10", "voc-01", "AIR_VOC"):
        refused = run("checklist", record, item, "yes")
        assert refused.exit_code == 2, refused.output
        assert f"No checklist template this tablet holds has an item '{item}'" in refused.output
        assert "Nothing was recorded." in refused.output
    unanswered = run("checklist", record, "VOC-02")
    assert unanswered.exit_code == 2 and "Give the answer to VOC-02" in unanswered.output
    assert _owed(visit) == before
    queued = [m.fields["item"] for m in Tablet(visit["home"]).store.queued()
              if m.entity == "checklist_answer"]
    assert queued == ["VOC-01"]


def test_an_item_of_a_template_not_meant_for_the_enterprise_is_taken_with_a_note(
        visit, client):
    run = visit["run"]
    bakery = client.post("/api/v1/enterprises", headers=visit["boss"], json={
        **_body(), "industry": "食品加工"}).get_json()
    _ok(run("pull"))
    record = _ok(run("new-inspection", "--enterprise", bakery["id"], "--inspector", "张敏",
                     "--inspector", "李强"))
    shown = _ok(run("checklist", record))
    assert "sh-eco-site-general@1" in shown and "VOC-" not in shown
    taken = run("checklist", record, "VOC-05", "yes")
    assert taken.exit_code == 0, taken.output
    assert "note: VOC-05 is from sh-eco-site-vocs@1, which is not meant for this enterprise " \
           "(industries 化工" in taken.stderr


def _body() -> dict:
    """Another Huangpu enterprise (a new credit code, no site)."""
    from server.registry.credit_code import make_credit_code

    return {"credit_code": make_credit_code(HUANGPU, 8), "name": "上海测试8食品有限公司",
            "address": "上海市测试路8号", "district": HUANGPU, "industry": "化工",
            "permit_class": "key", "permit_number": None, "site": None, "contacts": []}


def test_an_item_is_checked_against_the_templates_in_force_on_the_record_s_visit_day(
        visit, client, login):
    from server.clock import today_shanghai

    run, today = visit["run"], today_shanghai()
    started = today - timedelta(days=2)  # a template that started between visit and today
    imported = client.post("/api/v1/rules/sets", headers=login("legal", CITY),
                                     json=_dust_template(started.isoformat()))
    assert imported.status_code == 200, imported.get_json()
    tablet = Tablet(visit["home"])
    team = [str(visit["first"].id), str(visit["second"].id)]
    earlier = tablet.new_inspection(visit["enterprise"]["id"], team, started_at=datetime.combine(
        today - timedelta(days=10), time(10), tzinfo=SHANGHAI).isoformat())
    tablet.close()
    _ok(run("push"))
    _ok(run("pull"))
    visit_day = (today - timedelta(days=10)).isoformat()
    refused = run("checklist", earlier, "DUST-01", "yes")
    assert refused.exit_code == 2, refused.output
    assert f"item 'DUST-01' in force on {visit_day}, the record's visit day" in refused.output
    assert "DUST-01" not in _ok(run("checklist", earlier))
    assert "DUST-01" in _ok(run("templates"))  # in force today
    now = _ok(run("new-inspection", "--enterprise", visit["enterprise"]["id"],
                  "--inspector", "张敏", "--inspector", "李强"))
    _ok(run("checklist", now, "DUST-01", "yes"))
    # the server draws the same line: the earlier record's answer is refused there too
    tablet = Tablet(visit["home"])
    tablet.record("checklist_answer", "create", "dust-on-the-earlier-record", {
        "inspection_id": earlier, "item": "DUST-01", "answer": "yes"})
    answers = {o.record_id: o for o in tablet.push()}
    tablet.close()
    assert answers["dust-on-the-earlier-record"].status == "rejected"
    assert visit_day in json.dumps(answers["dust-on-the-earlier-record"].result)
    assert {o.status for key, o in answers.items() if key != "dust-on-the-earlier-record"} \
        == {"applied"}


def test_an_item_the_record_holds_is_answered_again_after_its_template_left_force(
        visit, client, login):
    from server.clock import today_shanghai

    run, today, legal = visit["run"], today_shanghai(), login("legal", CITY)
    first = client.post("/api/v1/rules/sets", headers=legal, json=_dust_template(
        (today - timedelta(days=10)).isoformat()))
    assert first.status_code == 200, first.get_json()
    _ok(run("pull"))
    record = _ok(run("new-inspection", "--enterprise", visit["enterprise"]["id"],
                     "--inspector", "张敏", "--inspector", "李强"))
    _ok(run("checklist", record, "DUST-01", "yes"))
    assert "answers: 2 applied" in _ok(run("push"))
    # a new version from before the visit day drops the item: the record keeps its answer
    second = client.post("/api/v1/rules/sets", headers=legal, json=_dust_template(
        (today - timedelta(days=5)).isoformat(), "2", "DUST-02"))
    assert second.status_code == 200, second.get_json()
    _ok(run("pull"))
    assert "DUST-01" not in _ok(run("checklist", record))  # not among the items in force
    refused = run("checklist", record, "DUST-09", "no")  # an item the record lacks: checked
    assert refused.exit_code == 2 and "'DUST-09'" in refused.output, refused.output
    again = run("checklist", record, "DUST-01", "no", "--note", "堆场未覆盖")
    assert again.exit_code == 0, again.output
    assert "DUST-01 was not checked again: the record holds an answer to it" in again.output
    assert "answers: 1 applied" in _ok(run("push"))  # the server takes it as well
    headers = {"Authorization": f"Bearer {Tablet(visit['home']).store.get('token')}"}
    copy = server_copy(client, headers, "inspection", record)
    assert [(a["item"], a["answer"]) for a in copy["checklist"]] == [("DUST-01", "no")]


def _dust_template(start: str, version: str = "1", *items: str) -> dict:
    """A district's own checklist template for every enterprise, in force from `start`, with
    `items` (DUST-01 when none are given)."""
    questions = {"DUST-01": ("堆场覆盖", "Yards covered"),
                 "DUST-02": ("道路洒水", "Roads watered")}
    return {"id": "local-dust", "version": version, "kind": "checklist",
            "title": {"zh": "扬尘专项检查表", "en": "Dust checklist"},
            "effective_from": start, "effective_until": None, "verified": False,
            "source": "a district's own template, for the test",
            "applies_to": {"every_enterprise": True},
            "items": [{"id": item, "question": {"zh": questions[item][0],
                                                "en": questions[item][1]},
                       "suggests": "AIR_DUST"} for item in items or ("DUST-01",)]}
