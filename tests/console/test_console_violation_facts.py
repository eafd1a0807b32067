"""The case page's facts form: legal staff record the facts the rules could not establish
(及时改正, 危害后果, …) on a violation of the case, and the rules decide it again — the step
refused while they are unknown tells them to do exactly that."""

from __future__ import annotations

import re
import uuid
from typing import Any

from tests.console.conftest import OTHER, OWN


def _undetermined_case(client, world: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A case of uncovered dust (list item 4) whose correction and harm are not known."""
    inspection = world[OWN]["violations"][0]["inspection_id"]
    found = client.post("/api/v1/violations", headers=world["supervisor"], json={
        "id": str(uuid.uuid4()), "inspection_id": inspection, "code": "AIR_DUST",
        "occurred_on": "2021-06-01", "description": "物料未覆盖",
        "facts": {"first_offence": True}}).get_json()
    assert found["decision"]["zh"]["decision"] == "undetermined", found["decision"]["zh"]
    case = client.post("/api/v1/cases", headers=world["legal"], json={
        "violation_ids": [found["id"]], "late_reason": "控制台测试"}).get_json()
    return case, found


def _facts_form(page: str, violation_id: str) -> str:
    return page.split(f'id="facts-{violation_id}"')[1].split("</form>")[0]


def _violation(client, world: dict[str, Any], violation_id: str) -> dict[str, Any]:
    return client.get(f"/api/v1/violations/{violation_id}", headers=world["legal"]).get_json()


def test_legal_staff_record_the_unknown_facts_and_the_rules_decide_the_violation_again(
        client, console, world):
    case, found = _undetermined_case(client, world)
    session = console("legal", OWN)
    page = session.get(f"/console/cases/{case['id']}").get_data(as_text=True)
    form = _facts_form(page, found["id"])
    assert "及时改正" in form and "危害后果" in form
    for field_id in re.findall(r'<select[^>]*\bid="([^"]+)"', form):
        assert f'for="{field_id}"' in form, field_id
    answer = session.post(f"/console/cases/{case['id']}/violations/{found['id']}/facts", data={
        "version": found["version"], "first_offence": "yes", "corrected_in_time": "no",
        "harmful_consequence": "yes", "corrected_on_spot": "", "corrected_on": "2021-06-09"})
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(
        f"/console/cases/{case['id']}#violation-{found['id']}")
    now = _violation(client, world, found["id"])
    assert now["facts"] == {"first_offence": True, "corrected_in_time": False,
                            "harmful_consequence": True, "corrected_on": "2021-06-09"}
    assert now["decision"]["zh"]["decision"] == "fine"
    page = session.get(f"/console/cases/{case['id']}").get_data(as_text=True)
    assert "违法行为重新判定" in page
    form = _facts_form(page, found["id"])
    assert 'value="2021-06-09"' in form
    assert re.search(r'name="corrected_in_time">\s*<option value="">[^<]*</option>\s*'
                     r'<option value="yes">[^<]*</option>\s*<option value="no" selected>', form)


def test_a_stale_facts_form_is_refused_in_chinese_and_nothing_is_changed(client, console, world):
    case, found = _undetermined_case(client, world)
    session = console("legal", OWN)
    answer = session.post(f"/console/cases/{case['id']}/violations/{found['id']}/facts", data={
        "version": found["version"] + 5, "corrected_in_time": "yes",
        "harmful_consequence": "no"})
    assert answer.status_code == 409
    form = _facts_form(answer.get_data(as_text=True), found["id"])
    assert 'role="alert"' in form and "已被他人修改" in form
    assert _violation(client, world, found["id"])["facts"] == {"first_offence": True}


def test_a_violation_of_another_case_or_district_is_not_found(client, console, world):
    case, found = _undetermined_case(client, world)
    session = console("legal", OWN)
    other = world[OWN]["case"]["id"]
    answer = session.post(f"/console/cases/{other}/violations/{found['id']}/facts",
                          data={"version": found["version"], "corrected_in_time": "yes"})
    assert answer.status_code == 404
    stranger = console("legal", OTHER)
    answer = stranger.post(f"/console/cases/{case['id']}/violations/{found['id']}/facts",
                           data={"version": found["version"], "corrected_in_time": "yes"})
    assert answer.status_code == 404
    assert _violation(client, world, found["id"])["facts"] == {"first_offence": True}


def test_a_violation_not_decided_yet_is_not_said_to_be_spared_its_fine(client, console, world):
    # The case page said 不予罚款 (本应为 ¥…) and counted the fine as 免予罚款金额 for a
    # violation whose waiver the rules could not decide yet: nothing is spared before that.
    case, found = _undetermined_case(client, world)
    page = console("legal", OWN).get(f"/console/cases/{case['id']}").get_data(as_text=True)
    item = page.split(f'id="violation-{found["id"]}"')[1].split("</article>")[0]
    assert "不予罚款" not in item
    assert re.search(r"是否罚款尚待决定（规则给出 ¥[\d,.]+）", item)
    summary = page.split("<h1>")[1].split("</ul>")[0]
    assert "免予罚款金额" not in summary and "尚未罚款的违法行为本应罚款" in summary


def test_the_violations_desk_does_not_call_a_fine_not_decided_yet_not_levied(
        client, console, world):
    _case, found = _undetermined_case(client, world)
    page = console("legal", OWN).get("/console/violations").get_data(as_text=True)
    row = page.split(f'data-violation="{found["id"]}"')[1].split("</tr>")[0]
    amount = row.split('data-testid="amount"')[1].split("</td>")[0]
    assert "不征收" not in amount and "尚待决定" in amount
