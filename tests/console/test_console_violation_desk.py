"""The violations desk: in-scope violations with the rules' decision, amounts and evidence
flags, and filing a case (立案) on one party's violations from it."""

from __future__ import annotations

import html
import re
import uuid
from typing import Any

import pytest

from tests.console.conftest import OTHER, OWN


def _ok(response, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.get_json()
    return response.get_json()


def _file(session, *violations: dict[str, Any], **fields: str):
    """Submit the desk's filing form with these violations selected."""
    return session.post("/console/violations/cases", data={
        "violation_ids": [v["id"] for v in violations], **fields})


def _row(page: str, violation_id: str) -> str:
    """The desk's row of a violation."""
    start = page.index(f'data-violation="{violation_id}"')
    return page[start:page.index("</tr>", start)]


def test_the_desk_lists_only_the_violations_in_the_users_district(console, desk):
    session = console("legal", OWN)
    page = session.get("/console/violations")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    mine = [v["id"] for s in (11, 12) for v in desk[s]["violations"]]
    theirs = desk[13]["violations"][0]["id"]
    assert all(f'data-violation="{v}"' in text for v in mine)
    assert theirs not in text and desk[13]["enterprise"]["name"] not in text
    # neither a district filter nor the other party's id brings it in
    for crafted in (f"?district={OTHER}", f"?enterprise_id={desk[13]['enterprise']['id']}",
                    f"?district={OTHER}&in_case=false&decision=fine"):
        shown = session.get(f"/console/violations{crafted}")
        assert shown.status_code == 200 and theirs not in shown.get_data(as_text=True)


def test_city_wide_staff_see_every_district_and_filter_by_one(console, desk):
    session = console("legal", "310000")
    theirs = desk[13]["violations"][0]["id"]
    mine = desk[11]["violations"][0]["id"]
    every = session.get("/console/violations").get_data(as_text=True)
    assert theirs in every and mine in every and 'name="district"' in every
    one = session.get(f"/console/violations?district={OTHER}").get_data(as_text=True)
    assert theirs in one and mine not in one


def test_a_waived_and_a_fined_violation_say_their_decision_and_amount(console, desk):
    waived, fined = desk[11]["violations"]
    page = console("legal", OWN).get("/console/violations").get_data(as_text=True)
    for violation, word in ((waived, "不予处罚（免罚）"), (fined, "罚款")):
        zh = violation["decision"]["zh"]
        row = _row(page, violation["id"])
        assert html.escape(zh["explanation"]) in row
        assert word in row and zh["penalty"]["title"] in row
        fen = zh["penalty"]["amount_fen" if zh["decision"] == "fine" else "would_be_amount_fen"]
        assert fen
        assert f"¥{fen / 100:,.2f}" in row
    assert "不征收" in _row(page, waived["id"]) and "不征收" not in _row(page, fined["id"])
    assert "无证据" in _row(page, waived["id"]) and "缺失" in _row(page, fined["id"])


def test_the_decision_sentence_follows_the_users_language(console, desk):
    session = console("legal", OWN)
    assert session.post("/console/language", data={"lang": "en", "next": "/console/violations"}
                        ).status_code in (302, 303)
    waived = desk[11]["violations"][0]
    row = _row(session.get("/console/violations").get_data(as_text=True), waived["id"])
    assert html.escape(waived["decision"]["en"]["explanation"]) in row


def test_the_desk_filters_by_decision_by_case_and_by_party(console, desk):
    session = console("legal", OWN)
    waived, fined = desk[11]["violations"]
    other = desk[12]["violations"][0]

    def shown(query: str) -> set[str]:
        page = session.get(f"/console/violations?{query}").get_data(as_text=True)
        return set(re.findall(r'data-violation="([^"]+)"', page))

    assert shown("decision=waived_list") == {waived["id"]}
    assert shown("decision=fine") == {fined["id"], other["id"]}
    assert shown("decision=waived_article_33") == set()
    assert shown(f"enterprise_id={desk[12]['enterprise']['id']}") == {other["id"]}
    assert shown("in_case=true") == set()
    assert shown("in_case=false") == {waived["id"], fined["id"], other["id"]}
    assert session.get("/console/violations?decision=bogus").status_code == 422


def test_filing_from_the_desk_lands_on_the_new_case(console, desk):
    session = console("legal", OWN)
    waived, fined = desk[11]["violations"]
    response = _file(session, waived, fined, summary="喷漆车间废气未收集",
                     late_reason="控制台立案测试")
    assert response.status_code == 303, response.get_data(as_text=True)
    case_url = response.headers["Location"]
    assert re.fullmatch(r"/console/cases/[0-9a-f-]{36}", case_url)
    case = session.get(case_url).get_data(as_text=True)
    assert desk[11]["enterprise"]["name"] in case and "环立" in case
    page = session.get("/console/violations?in_case=true").get_data(as_text=True)
    row = _row(page, fined["id"])
    assert f'href="{case_url}"' in row and 'name="violation_ids"' not in row


def test_a_case_citing_evidence_never_uploaded_still_opens(client, console, desk):
    # the case page gave a 500 for a missing photo (it has no distance to the site)
    fined = desk[12]["violations"][0]
    case = _ok(client.post("/api/v1/cases", headers=desk["legal"],
                           json={"violation_ids": [fined["id"]], "late_reason": "逾期"}))
    page = console("legal", OWN).get(f"/console/cases/{case['id']}")
    assert page.status_code == 200 and "缺失" in page.get_data(as_text=True)


def test_a_mix_of_parties_is_refused_in_chinese_with_the_selection_kept(console, desk):
    session = console("legal", OWN)
    mine, theirs = desk[11]["violations"][1], desk[12]["violations"][0]
    response = _file(session, mine, theirs, late_reason="逾期原因")
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "一个案件只有一个当事人" in text and "2家企业" in text
    assert "A case has one party" not in text
    assert f'value="{mine["id"]}" id="v-{mine["id"]}" checked' in text
    assert f'value="{theirs["id"]}" id="v-{theirs["id"]}" checked' in text
    assert "逾期原因</textarea>" in text


def test_a_mix_of_party_types_is_refused_in_chinese_with_the_selection_kept(
        client, console, desk):
    fined = desk[11]["violations"][1]
    individual = _ok(client.post("/api/v1/violations", headers=desk["supervisor"], json={
        "id": str(uuid.uuid4()), "inspection_id": fined["inspection_id"], "code": "AIR_VOC",
        "occurred_on": "2021-06-01", "description": "现场发现", "facts": {},
        "party_type": "individual"}))
    response = _file(console("legal", OWN), fined, individual, late_reason="逾期原因")
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    refused = text.split('id="filing-refused"')[1].split("</div>")[0]
    assert "单位" in refused and "个人" in refused and "当事人类型" in refused, refused
    assert "organisation" not in refused and "individual" not in refused
    assert f'value="{individual["id"]}" id="v-{individual["id"]}" checked' in text


def test_a_late_filing_without_its_reason_is_refused_in_chinese(console, desk):
    response = _file(console("legal", OWN), desk[12]["violations"][0], summary="案情")
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "立案期限" in text and "超过立案期限后必填" in text and "late_reason" not in \
        text.split('id="filing-refused"')[1].split("</div>")[0]
    assert "案情</textarea>" in text


def test_a_violation_already_in_a_case_is_refused_in_chinese(console, desk):
    session = console("legal", OWN)
    taken = desk[12]["violations"][0]
    assert _file(session, taken, late_reason="逾期").status_code == 303
    again = _file(session, taken, late_reason="逾期")
    assert again.status_code == 409
    assert "已在案件中" in again.get_data(as_text=True)


def test_filing_with_nothing_selected_says_so_in_chinese(console, desk):
    response = console("legal", OWN).post("/console/violations/cases", data={"summary": "空"})
    assert response.status_code == 422 and "必填" in response.get_data(as_text=True)


def test_filing_needs_the_forms_csrf_token(console, desk):
    session = console("legal", OWN)
    loose = desk[12]["violations"][0]["id"]
    response = session.client.post("/console/violations/cases", data={
        "violation_ids": [loose], "late_reason": "逾期"})
    assert response.status_code == 400 and "表单" in response.get_data(as_text=True)
    assert loose in session.get("/console/violations?in_case=false").get_data(as_text=True)


@pytest.mark.parametrize("role", ["inspector", "admin"])
def test_a_role_that_cannot_file_gets_the_forbidden_page(console, desk, role):
    session = console(role, OWN)
    for response in (session.get("/console/violations"),
                     _file(session, desk[12]["violations"][0])):
        assert response.status_code == 403
        assert "您的角色无权打开此页面。" in response.get_data(as_text=True)
    assert "/console/violations" not in session.get("/console/").get_data(as_text=True)


@pytest.mark.parametrize("role", ["legal", "supervisor"])
def test_the_desk_is_in_the_navigation_of_those_who_file(console, role):
    page = console(role, OWN).get("/console/cases").get_data(as_text=True)
    assert 'href="/console/violations">违法行为</a>' in page


def test_another_districts_violation_sent_to_the_form_is_not_found_in_chinese(console, desk):
    response = _file(console("legal", OWN), desk[13]["violations"][0], late_reason="逾期")
    text = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "没有该记录，或它不在您的管辖范围内。" in text
    assert desk[13]["enterprise"]["name"] not in text


def test_the_desk_pages_newest_first(console, desk, monkeypatch):
    from server.console import violations

    monkeypatch.setattr(violations, "PER_PAGE", 1)
    session = console("legal", OWN)
    waived, fined = desk[11]["violations"]
    newest_first = [desk[12]["violations"][0]["id"], fined["id"], waived["id"]]
    pages = [session.get(f"/console/violations?page={n}").get_data(as_text=True)
             for n in (1, 2, 3)]
    assert [re.findall(r'data-violation="([^"]+)"', page) for page in pages] == [
        [one] for one in newest_first]
    assert "共 3 项违法行为" in pages[0] and "第 1 页，共 3 页" in pages[0]
    assert 'href="/console/violations?page=2">下一页' in pages[0]


def _case_of(client, desk, response) -> dict[str, Any]:
    """The case a filing redirected to, as the API returns it."""
    case_id = response.headers["Location"].rsplit("/", 1)[1]
    return _ok(client.get(f"/api/v1/cases/{case_id}", headers=desk["legal"]), 200)


def test_each_selectable_violation_may_be_marked_as_one_act_with_others(console, desk):
    waived, _ = desk[11]["violations"]
    row = _row(console("legal", OWN).get("/console/violations").get_data(as_text=True),
               waived["id"])
    assert f'<select id="act-{waived["id"]}" name="same_act:{waived["id"]}"' in row
    assert f'<label for="act-{waived["id"]}"' in row and "同一行为" in row


def test_violations_marked_as_one_act_are_filed_as_one_act_fined_once(client, console, desk):
    # 处罚法 第29条: one act breaking several provisions is fined once, under the highest
    session = console("legal", OWN)
    waived, fined = desk[11]["violations"]
    response = _file(session, waived, fined, late_reason="逾期", **{
        f"same_act:{waived['id']}": "A", f"same_act:{fined['id']}": "A"})
    assert response.status_code == 303, response.get_data(as_text=True)
    case = _case_of(client, desk, response)
    assert [sorted(act["violation_ids"]) for act in case["acts"]] == [
        sorted([waived["id"], fined["id"]])]
    assert case["acts"][0]["fined_under"] == fined["id"]
    page = html.unescape(session.get(response.headers["Location"]).get_data(as_text=True))
    acts = page.split('id="case-acts"')[1].split("</table>")[0]
    assert "同一违法行为" in page and acts.count("<tr data-act=") == 1
    assert acts.count("AIR_VOC") >= 2 and "按此项处罚" in acts


def test_violations_left_unmarked_are_separate_acts(client, console, desk):
    session = console("legal", OWN)
    waived, fined = desk[11]["violations"]
    response = _file(session, waived, fined, late_reason="逾期")
    assert response.status_code == 303
    assert len(_case_of(client, desk, response)["acts"]) == 2
    acts = session.get(response.headers["Location"]).get_data(as_text=True).split(
        'id="case-acts"')[1].split("</table>")[0]
    assert acts.count("<tr data-act=") == 2


def test_an_act_group_of_one_selected_violation_is_refused_in_chinese_with_the_form_kept(
        console, desk):
    session = console("legal", OWN)
    waived, fined = desk[11]["violations"]
    response = _file(session, waived, fined, late_reason="逾期原因", **{
        f"same_act:{waived['id']}": "A", f"same_act:{fined['id']}": "B"})
    assert response.status_code == 422
    text = html.unescape(response.get_data(as_text=True))
    assert "同一行为组至少要有两项所选违法行为" in text and "Shorter than" not in text
    assert f'value="{waived["id"]}" id="v-{waived["id"]}" checked' in text
    assert re.search(f'name="same_act:{waived["id"]}".*?<option value="A" selected>', text,
                     re.S)
    assert "逾期原因</textarea>" in text


def test_an_act_mark_on_a_violation_not_selected_is_refused(console, desk):
    session = console("legal", OWN)
    waived, fined = desk[11]["violations"]
    response = _file(session, fined, late_reason="逾期", **{
        f"same_act:{waived['id']}": "A", f"same_act:{fined['id']}": "A"})
    assert response.status_code == 422
    assert "同一行为组中的每项违法行为都须在所选之列" in response.get_data(as_text=True)
