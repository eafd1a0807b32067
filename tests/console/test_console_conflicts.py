"""Sync conflicts in the console: both values side by side, resolved by the district's
supervisor; admins only read; another district's conflicts are not found."""

from __future__ import annotations

import html
import re
import uuid

import pytest

from tests.api.sync.conftest import OWN, mutation
from tests.api.sync.conftest import world as sync_world  # noqa: F401 - tablets and records
from tests.api.sync.pushed import pushed_violation

TABLET_CLOCK = "2026-06-01T03:00:00+00:00"  # 11:00 in Shanghai


def _card(session, conflict_id: str) -> str:
    """The conflicts page's card of one conflict (unescaped)."""
    page = html.unescape(session.get("/console/conflicts").get_data(as_text=True))
    start = page.index(f'id="conflict-{conflict_id}"')
    return page[start:page.index("</article>", start)]


@pytest.fixture
def conflict(client, sync_world) -> dict:  # noqa: F811
    """An inspection edited on two tablets from one base: a hard conflict on `findings`."""
    key = str(uuid.uuid4())
    world = sync_world
    assert world["a"].push(mutation("inspection", "create", key,
                                    world["inspection_fields"]()))[0]["status"] == "applied"
    world["a"].push(mutation("inspection", "update", key, {"findings": "甲的记录"}, base=1))
    result = world["b"].push(mutation("inspection", "update", key, {"findings": "乙的记录"},
                                      base=1) | {"recorded_at": TABLET_CLOCK})[0]
    assert result["conflict"] == "hard"
    return {"id": result["conflict_id"], "inspection": key, "world": world}


def _findings(client, conflict) -> str:
    return client.get(f"/api/v1/inspections/{conflict['inspection']}",
                      headers=conflict["world"]["supervisor"]).get_json()["findings"]


def test_conflicts_show_server_and_tablet_values_side_by_side(console, conflict):
    page = html.unescape(console("supervisor", OWN).get("/console/conflicts").get_data(
        as_text=True))
    row = page.split(f'id="conflict-{conflict["id"]}"')[1]
    assert re.search(r"<th scope=\"row\">检查情况</th><td><pre>\"甲的记录\"</pre></td>"
                     r"<td><pre>\"乙的记录\"</pre></td>", row)


def test_conflicting_fields_are_named_in_chinese_not_by_their_internal_names(console, conflict):
    page = html.unescape(console("supervisor", OWN).get("/console/conflicts").get_data(
        as_text=True))
    row = page.split(f'id="conflict-{conflict["id"]}"')[1]
    assert ">findings<" not in row and "findings 的合并值" not in row
    assert "检查情况的合并值" in row


def test_supervisor_keeps_the_tablets_value(console, client, conflict):
    session = console("supervisor", OWN)
    response = session.post(f"/console/conflicts/{conflict['id']}/resolve",
                            data={"choice": "tablet"})
    assert response.status_code == 303
    assert _findings(client, conflict) == "乙的记录"
    assert f'id="conflict-{conflict["id"]}"' not in session.get(
        "/console/conflicts").get_data(as_text=True)


def test_supervisor_merges_a_value_typed_as_json(console, client, conflict):
    session = console("supervisor", OWN)
    bad = session.post(f"/console/conflicts/{conflict['id']}/resolve",
                       data={"choice": "merged", "value:findings": "甲和乙"})
    assert bad.status_code == 422
    said = html.unescape(bad.get_data(as_text=True))
    assert "not valid JSON" not in said and "Type each merged value" not in said
    assert "合并值须按 JSON 填写：文字加英文双引号，例如 \"甲和乙的记录\"" in said
    assert "<strong>检查情况</strong>：不是有效的 JSON" in said
    ok = session.post(f"/console/conflicts/{conflict['id']}/resolve",
                      data={"choice": "merged", "value:findings": '"甲和乙的记录"'})
    assert ok.status_code == 303
    assert _findings(client, conflict) == "甲和乙的记录"


def test_conflicts_of_another_district_are_not_found(console, conflict):
    other = console("supervisor", "310101")
    assert conflict["id"] not in other.get("/console/conflicts").get_data(as_text=True)
    assert other.post(f"/console/conflicts/{conflict['id']}/resolve",
                      data={"choice": "server"}).status_code == 404


def test_admins_read_conflicts_but_do_not_resolve(console, conflict):
    admin = console("admin", "310000")
    page = admin.get("/console/conflicts").get_data(as_text=True)
    assert conflict["id"] in page and "/resolve" not in page
    assert admin.post(f"/console/conflicts/{conflict['id']}/resolve",
                      data={"choice": "server"}).status_code == 403


def test_resolving_without_the_csrf_token_is_refused(console, client, conflict):
    session = console("supervisor", OWN)
    response = session.client.post(f"/console/conflicts/{conflict['id']}/resolve",
                                   data={"choice": "tablet"})
    assert response.status_code == 400
    assert _findings(client, conflict) == "甲的记录"


def test_a_conflict_card_names_the_enterprise_and_the_inspection_it_belongs_to(console,
                                                                               conflict):
    own = conflict["world"]["own"]
    card = _card(console("supervisor", OWN), conflict["id"])
    assert own["name"] in card and own["credit_code"] in card
    assert f'href="/console/enterprises/{own["id"]}"' in card
    assert "现场检查记录" in card and "2026年6月1日" in card


def test_a_conflict_card_names_the_inspectors_of_each_side_and_when_each_was_recorded(
        console, conflict):
    first, second = conflict["world"]["users"][:2]
    card = _card(console("supervisor", OWN), conflict["id"])
    assert str(first.id) not in card and str(second.id) not in card
    server = card.split('data-side="server"')[1].split("</td>")[0]
    tablet = card.split('data-side="tablet"')[1].split("</td>")[0]
    assert first.display_name in server and second.display_name in tablet
    assert "2026年6月1日 11:00:00" in tablet and "平板记录" in tablet
    assert "服务器记录" in server and re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d", server)


def test_a_violation_conflict_card_names_the_violation_and_its_inspection(console,
                                                                         sync_world):  # noqa: F811
    world = sync_world
    record = str(uuid.uuid4())
    world["a"].push(mutation("inspection", "create", record, world["inspection_fields"]()))
    violation = pushed_violation(world, record, occurred_on="2026-05-30")
    world["a"].push(mutation("violation", "update", violation, {"description": "甲"}, base=1))
    result = world["b"].push(mutation("violation", "update", violation, {"description": "乙"},
                                      base=1))[0]
    assert result["conflict"] == "hard"
    card = _card(console("supervisor", OWN), result["conflict_id"])
    assert "AIR_VOC" in card and "2026年5月30日" in card
    assert "现场检查记录" in card and "2026年6月1日" in card
    assert world["own"]["name"] in card and world["own"]["credit_code"] in card


def test_a_city_wide_reader_sees_the_context_and_another_district_none_of_it(console,
                                                                             conflict):
    own = conflict["world"]["own"]
    assert own["credit_code"] in _card(console("admin", "310000"), conflict["id"])
    elsewhere = console("supervisor", "310101").get("/console/conflicts?status=all")
    text = elsewhere.get_data(as_text=True)
    assert own["name"] not in text and own["credit_code"] not in text
