"""The case page's 重新告知: the notice form given again from a notified or heard case, with
its reason; the party's statements are refused as the reason beside the field. After it, a
statement answers the notice chosen (the one in force unless another is), and the list names it."""

from __future__ import annotations

import re

from tests.console.conftest import OWN
from tests.console.test_console_case_steps import _api_step, _case, _form_of, _notified


def test_a_notified_case_is_notified_again_from_the_form_and_statements_are_refused_beside_it(
        client, console, world):
    case = _notified(client, world, intended_fen=3_000_000, review_opinion="同意")
    session = console("legal", OWN)
    form = _form_of(session.get(f"/console/cases/{case['id']}").get_data(as_text=True))
    assert '<option value="notified">重新告知</option>' in form
    renotice = form.split('id="renotice"')[1].split("</fieldset>")[0]
    assert 'data-steps="notified"' in form.split('id="renotice"')[0].rsplit("<fieldset", 1)[1]
    assert '<option value="new_facts">告知后发现新的违法事实</option>' in renotice
    assert 'name="renotice_note"' in renotice
    url = f"/console/cases/{case['id']}/transitions"
    sent = {"to": "notified", "version": case["version"], "intended_yuan": "35000",
            "renotice_note": "当事人申辩称另有一台设备"}
    refused = session.post(url, data={**sent, "renotice_reason": "statements"})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "第四十五条" in page.split('id="step-refused"')[1].split("</div>")[0]
    reason = _form_of(page).split('name="renotice_reason"')[1].split("</div>")[0]
    assert "不能作为重新告知的理由" in reason
    assert '<option value="statements" selected>' in reason  # the form as it was sent
    assert 'value="35000"' in _form_of(page)
    done = session.post(url, data={**sent, "renotice_reason": "new_facts",
                                   "renotice_note": "复查发现另一排放口废气未收集"})
    assert done.status_code == 303, done.get_data(as_text=True)
    page = session.get(f"/console/cases/{case['id']}").get_data(as_text=True)
    notice = page.split('id="case-notice"')[1].split("</ul>")[0]
    assert "¥35,000.00" in notice
    assert "重新告知: 告知后发现新的违法事实: 复查发现另一排放口废气未收集" in notice
    assert "原告知（已被重新告知取代）" in notice and "¥30,000.00" in notice
    assert "earlier_notice" in page.split('id="step-form"')[0]  # its document is listed


def test_a_case_not_yet_notified_offers_no_re_notice(client, console, world):
    case = _api_step(client, world, world[OWN]["case"], "investigating")
    form = _form_of(console("legal", OWN).get(f"/console/cases/{case['id']}")
                    .get_data(as_text=True))
    assert 'name="renotice_reason"' not in form and "重新告知" not in form


def _statement_form(page: str) -> str:
    return page.split('id="statement-form"')[1].split("</form>")[0]


def _listed(page: str) -> str:
    return page.split('id="statement-list"')[1].split("</table>")[0]


def test_after_a_re_notice_a_statement_answers_the_notice_chosen_and_the_list_names_it(
        client, console, world):
    from server import clock

    case = _notified(client, world, intended_fen=3_000_000, review_opinion="同意")
    session = console("legal", OWN)
    url = f"/console/cases/{case['id']}"
    statement = {"form": "written", "made_by": "法定代表人张三", "content": "已整改，请求从轻。",
                 "adopted": "rejected", "reasoning": "不影响定性。"}
    once = session.post(f"{url}/statements", {**statement, "version": case["version"]})
    assert once.status_code == 303, once.get_data(as_text=True)
    page = session.get(url).get_data(as_text=True)
    assert 'name="notice"' not in _statement_form(page)  # one notice: nothing to choose
    assert "次告知" not in _listed(page)
    case = _api_step(client, world, _case(client, world, case["id"]), "notified",
                     intended_fen=2_500_000, renotice_reason="facts_corrected",
                     renotice_note="排放时长更正为一个月")  # lighter: no facts re-decided
    today = clock.today_shanghai()
    day = f"{today.year}年{today.month}月{today.day}日"
    form = _statement_form(session.get(url).get_data(as_text=True))
    choice = form.split('name="notice"')[1].split("</select>")[0]
    assert re.findall(r'<option value="(\d?)"( selected)?>([^<]*)</option>', choice) == [
        ("", " selected", "按收到日期（期限包含该日的最近一次告知）"),
        ("1", "", f"第1次告知（{day}）"), ("2", "", f"第2次告知（{day}）")]
    assert '<label for="r-notice">陈述、申辩所针对的告知' in form
    unknown = session.post(f"{url}/statements",
                           {**statement, "version": case["version"], "notice": "3"})
    assert unknown.status_code == 422
    beside = _statement_form(unknown.get_data(as_text=True)).split('name="notice"')[1]
    assert "应为1至2" in beside.split("</div>")[0]
    assert '<option value="" selected>' in beside  # one not offered: found by the day
    unreasoned = session.post(f"{url}/statements", {**statement, "version": case["version"],
                                                     "notice": "1", "reasoning": ""})
    assert unreasoned.status_code == 422
    kept = _statement_form(unreasoned.get_data(as_text=True)).split('name="notice"')[1]
    assert '<option value="1" selected>' in kept.split("</select>")[0]  # as it was sent
    bad = session.post(f"{url}/statements",
                       {**statement, "version": case["version"], "notice": "第一次"})
    assert bad.status_code == 422
    chosen = session.post(f"{url}/statements", {**statement, "version": case["version"],
                                                 "notice": "1", "made_by": "委托代理人李四"})
    assert chosen.status_code == 303, chosen.get_data(as_text=True)
    latest = session.post(f"{url}/statements", {  # left to the day received: the latest
        **statement, "version": _case(client, world, case["id"])["version"], "notice": ""})
    assert latest.status_code == 303, latest.get_data(as_text=True)
    recorded = client.get(f"/api/v1/cases/{case['id']}/statements",
                          headers=world["legal"]).get_json()
    assert [s["notice"] for s in recorded] == [1, 1, 2]
    rows = _listed(session.get(url).get_data(as_text=True)).split("<tr>")[2:]
    assert [re.search(r"第(\d)次告知（([^）]*)）", row).groups() for row in rows] == [
        ("1", day), ("1", day), ("2", day)]
    assert "委托代理人李四" in rows[1]
