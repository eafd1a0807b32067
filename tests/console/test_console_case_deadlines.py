"""The case page's deadline forms: a supervisor approves an extension of the decision deadline
(延期, 处罚法 第60条) and legal staff record a testing, appraisal or suspension period (中止)
excluded from it, through the same services as the API."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest

from tests.console.conftest import OTHER, OWN


def _case(client, world: dict[str, Any], district: str = OWN) -> dict[str, Any]:
    case_id = world[district]["case"]["id"]
    return client.get(f"/api/v1/cases/{case_id}", headers=world["legal"]).get_json()


def _decision_due(case: dict[str, Any]) -> date:
    return date.fromisoformat(next(d["due"] for d in case["deadlines"]
                                   if d["name"] == "decision"))


def _form(page: str, form_id: str) -> str:
    return page.split(f'id="{form_id}"')[1].split("</form>")[0]


def _today() -> date:
    from server import clock

    return clock.today_shanghai()


@pytest.mark.parametrize(("role", "shown", "hidden"), [
    ("supervisor", "extension-form", "suspension-form"),
    ("legal", "suspension-form", "extension-form"),
    ("admin", None, None),
])
def test_each_deadline_form_shows_to_the_role_that_may_use_it(console, world, role, shown,
                                                              hidden):
    page = console(role, OWN).get(f"/console/cases/{world[OWN]['case']['id']}").get_data(
        as_text=True)
    for form_id in ("extension-form", "suspension-form"):
        assert (f'id="{form_id}"' in page) == (form_id == shown), form_id
    if shown:
        form = _form(page, shown)
        assert 'name="csrf_token"' in form
        for field_id in re.findall(
                r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', form):
            assert f'for="{field_id}"' in form, field_id


def test_a_supervisor_extends_the_decision_deadline_from_the_case_page(client, console, world):
    before = _case(client, world)
    session = console("supervisor", OWN)
    page = session.get(f"/console/cases/{before['id']}").get_data(as_text=True)
    form = _form(page, "extension-form")
    assert "负责人批准" in form and "延长天数" in form
    answer = session.post(f"/console/cases/{before['id']}/extensions", data={
        "version": before["version"], "approval": "approval", "days": "30", "on": "",
        "reason": "案情复杂，需补充调查"})
    assert answer.status_code == 303, answer.get_data(as_text=True)
    assert answer.headers["Location"].endswith(f"/console/cases/{before['id']}#deadlines")
    after = _case(client, world)
    assert [(e["approval"], e["days"], e["reason"]) for e in after["extensions"]] == [
        ("approval", 30, "案情复杂，需补充调查")]
    assert _decision_due(after) > _decision_due(before)
    page = session.get(f"/console/cases/{before['id']}").get_data(as_text=True)
    assert "案情复杂，需补充调查" in page.split('id="deadlines"')[1]
    # the second extension is the collective one: the form offers it now
    assert 'value="collective" selected' in _form(page, "extension-form")


def test_a_refused_extension_is_said_in_chinese_and_keeps_what_was_typed(
        client, console, world):
    case = _case(client, world)
    session = console("supervisor", OWN)
    url = f"/console/cases/{case['id']}/extensions"
    wrong = session.post(url, data={"version": case["version"], "approval": "collective",
                                    "days": "20", "reason": "需要集体讨论"})
    assert wrong.status_code == 422
    form = _form(wrong.get_data(as_text=True), "extension-form")
    assert 'role="alert"' in form and "第1次延长期限应当经负责人批准。" in form
    assert 'value="collective" selected' in form and 'value="20"' in form
    assert "需要集体讨论</textarea>" in form
    typo = session.post(url, data={"version": case["version"], "approval": "approval",
                                   "days": "三十", "reason": "补充调查"})
    assert typo.status_code == 422
    form = _form(typo.get_data(as_text=True), "extension-form")
    assert "不是整数" in form and 'value="三十"' in form
    assert _case(client, world)["extensions"] == []


def test_legal_staff_record_a_suspension_period_from_the_case_page(client, console, world):
    case = _case(client, world)
    today = _today().isoformat()
    session = console("legal", OWN)
    answer = session.post(f"/console/cases/{case['id']}/suspensions", data={
        "version": case["version"], "kind": "testing", "start": today, "end": today,
        "reason": "送检"})
    assert answer.status_code == 303, answer.get_data(as_text=True)
    after = _case(client, world)
    assert after["suspensions"] == [{"kind": "testing", "start": today, "end": today,
                                     "reason": "送检"}]
    page = session.get(f"/console/cases/{case['id']}").get_data(as_text=True)
    assert "检测" in page.split('id="deadlines"')[1].split('id="suspension-form"')[0]


def test_a_refused_suspension_is_said_in_chinese_and_keeps_what_was_typed(
        client, console, world):
    case = _case(client, world)
    today = _today()
    session = console("legal", OWN)
    answer = session.post(f"/console/cases/{case['id']}/suspensions", data={
        "version": case["version"], "kind": "suspension", "start": today.isoformat(),
        "end": (today - timedelta(days=1)).isoformat(), "reason": "当事人申请中止"})
    assert answer.status_code == 422
    form = _form(answer.get_data(as_text=True), "suspension-form")
    assert 'role="alert"' in form and "该期间应当在立案之日至今天之间" in form
    assert 'value="suspension" selected' in form
    assert f'value="{(today - timedelta(days=1)).isoformat()}"' in form
    assert "当事人申请中止</textarea>" in form
    bad_day = session.post(f"/console/cases/{case['id']}/suspensions", data={
        "version": case["version"], "kind": "testing", "start": "2021-13-01",
        "end": today.isoformat(), "reason": "送检"})
    assert bad_day.status_code == 422 and "不是有效的日期" in bad_day.get_data(as_text=True)
    assert _case(client, world)["suspensions"] == []


def test_another_districts_case_is_not_found_by_either_form(client, console, world):
    other = _case(client, world, OTHER)
    today = _today().isoformat()
    extended = console("supervisor", OWN).post(
        f"/console/cases/{other['id']}/extensions", data={
            "version": other["version"], "approval": "approval", "days": "30",
            "reason": "补充调查"})
    suspended = console("legal", OWN).post(
        f"/console/cases/{other['id']}/suspensions", data={
            "version": other["version"], "kind": "testing", "start": today, "end": today,
            "reason": "送检"})
    assert (extended.status_code, suspended.status_code) == (404, 404)
    after = _case(client, world, OTHER)
    assert after["extensions"] == [] and after["suspensions"] == []


def _suspend_open(session, case: dict[str, Any], start: date, kind: str = "suspension",
                  reason: str = "当事人无法联系") -> Any:
    return session.post(f"/console/cases/{case['id']}/suspensions", data={
        "version": case["version"], "kind": kind, "start": start.isoformat(), "end": "",
        "reason": reason})


def test_an_open_testing_period_is_said_as_testing_not_as_a_suspension(client, console, world):
    case = _case(client, world)
    session = console("legal", OWN)
    answer = _suspend_open(session, case, _today(), "testing", "水样送检，结果未出")
    assert answer.status_code == 303, answer.get_data(as_text=True)
    page = session.get(f"/console/cases/{case['id']}").get_data(as_text=True)
    deadlines = page.split('id="deadlines"')[1]
    assert "检测中" in deadlines.split("</table>")[0] and "中止" not in deadlines.split(
        'id="extension-form"')[0].split('id="suspension-form"')[0]
    assert "起检测，尚未结束" in deadlines
    end_form = _form(page, "suspension-end-form")
    assert "期间结束日期" in end_form and "记录期间结束" in end_form and "中止" not in end_form
    row = session.get("/console/cases").get_data(as_text=True).split(
        case["filing_number"])[1].split("</tr>")[0]
    assert 'class="badge badge-muted">检测中' in row


def test_legal_staff_suspend_a_case_without_an_end_and_record_the_end_later(
        client, console, world):
    case = _case(client, world)
    today = _today()
    session = console("legal", OWN)
    page = session.get(f"/console/cases/{case['id']}").get_data(as_text=True)
    assert 'id="suspension-end-form"' not in page
    assert "仍在中止的，结束日期留空" in _form(page, "suspension-form")
    answer = _suspend_open(session, case, today)
    assert answer.status_code == 303, answer.get_data(as_text=True)
    suspended = _case(client, world)
    assert suspended["suspended_since"] == today.isoformat()
    page = session.get(f"/console/cases/{case['id']}").get_data(as_text=True)
    deadlines = page.split('id="deadlines"')[1]
    assert "中止中" in deadlines.split("</table>")[0]  # the decision deadline's status
    assert "本案自" in deadlines and "起中止" in deadlines
    end_form = _form(page, "suspension-end-form")
    assert "中止结束日期" in end_form and "记录中止结束" in end_form
    desk = session.get("/console/cases").get_data(as_text=True)
    row = desk.split(case["filing_number"])[1].split("</tr>")[0]
    assert 'class="badge badge-muted">中止中' in row
    ended = session.post(f"/console/cases/{case['id']}/suspensions/end", data={
        "version": suspended["version"], "end": today.isoformat()})
    assert ended.status_code == 303, ended.get_data(as_text=True)
    assert ended.headers["Location"].endswith(f"/console/cases/{case['id']}#deadlines")
    after = _case(client, world)
    assert after["suspended_since"] is None
    assert after["suspensions"][0]["end"] == today.isoformat()
    page = session.get(f"/console/cases/{case['id']}").get_data(as_text=True)
    assert 'id="suspension-end-form"' not in page


def test_a_refused_end_of_a_suspension_is_said_in_chinese_and_keeps_what_was_typed(
        client, console, world):
    case = _case(client, world)
    today = _today()
    session = console("legal", OWN)
    assert _suspend_open(session, case, today).status_code == 303
    case = _case(client, world)
    early = (today - timedelta(days=1)).isoformat()
    refused = session.post(f"/console/cases/{case['id']}/suspensions/end", data={
        "version": case["version"], "end": early})
    assert refused.status_code == 422
    form = _form(refused.get_data(as_text=True), "suspension-end-form")
    assert 'role="alert"' in form and "中止的结束日期应当在其开始日期" in form
    assert f'value="{early}"' in form
    second = _suspend_open(session, case, today)
    assert second.status_code == 409
    form = _form(second.get_data(as_text=True), "suspension-form")
    assert "本案已有未结束的中止" in form and "当事人无法联系</textarea>" in form
    assert _case(client, world)["suspended_since"] == today.isoformat()


def test_each_deadline_form_opens_the_page_at_itself_so_its_refusal_is_in_view(
        client, console, world):
    case = _case(client, world)
    for role, forms in (("supervisor", ("extension-form",)),
                        ("legal", ("suspension-form", "suspension-end-form"))):
        session = console(role, OWN)
        if role == "legal":
            assert _suspend_open(session, case, _today()).status_code == 303
        page = session.get(f"/console/cases/{case['id']}").get_data(as_text=True)
        for form_id in forms:
            action = re.search(rf'action="([^"]+)"[^>]*id="{form_id}"', page)
            assert action and action.group(1).endswith(f"#{form_id}"), form_id


def _history(page: str) -> list[str]:
    """The event column of the case page's history table."""
    table = page.split("<h2>历史记录</h2>")[1].split("</table>")[0]
    return re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td>", table)


def test_the_history_names_a_testing_period_and_its_end_as_testing_not_as_a_suspension(
        client, console, world):
    case = _case(client, world)
    session = console("legal", OWN)
    answer = _suspend_open(session, case, _today(), "testing", "水样送检，结果未出")
    assert answer.status_code == 303, answer.get_data(as_text=True)
    ended = session.post(f"/console/cases/{case['id']}/suspensions/end", data={
        "version": _case(client, world)["version"], "end": _today().isoformat()})
    assert ended.status_code == 303, ended.get_data(as_text=True)
    events = _history(session.get(f"/console/cases/{case['id']}").get_data(as_text=True))
    assert events[-2:] == ["检测期间", "检测期间结束"], events
    assert not any("中止" in e for e in events)
