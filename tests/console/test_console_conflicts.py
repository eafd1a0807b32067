"""Sync conflicts in the console: both values side by side, resolved by the district's
supervisor; admins only read; another district's conflicts are not found."""

from __future__ import annotations

import html
import re
import uuid

import pytest

from tests.api.sync.conftest import OWN, mutation
from tests.api.sync.conftest import world as sync_world  # noqa: F401 - tablets and records


@pytest.fixture
def conflict(client, sync_world) -> dict:  # noqa: F811
    """An inspection edited on two tablets from one base: a hard conflict on `findings`."""
    key = str(uuid.uuid4())
    world = sync_world
    assert world["a"].push(mutation("inspection", "create", key,
                                    world["inspection_fields"]()))[0]["status"] == "applied"
    world["a"].push(mutation("inspection", "update", key, {"findings": "甲的记录"}, base=1))
    result = world["b"].push(mutation("inspection", "update", key, {"findings": "乙的记录"},
                                      base=1))[0]
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
