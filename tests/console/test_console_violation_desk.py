"""The violations desk: in-scope violations with the rules' decision, amounts and evidence
flags, and filing a case (立案) on one party's violations from it."""

from __future__ import annotations

import html
import re
import uuid
from typing import Any

import pytest

from tests.api.cases.conftest import FINED, WAIVABLE
from tests.console.conftest import OTHER, OWN

MISSING_PHOTO = "ab" * 32  # cited, never uploaded


def _ok(response, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.get_json()
    return response.get_json()


@pytest.fixture
def desk(client, login, make_user, enterprise_body) -> dict[str, Any]:
    """Unfiled violations: in OWN a waived and a fined one of party A, a fined one of party B;
    in OTHER a fined one of party C."""
    supervisor = login("supervisor", "310000")
    found: dict[str, Any] = {"supervisor": supervisor, "legal": login("legal", "310000")}
    for serial, district, facts in ((11, OWN, (WAIVABLE, FINED)), (12, OWN, (FINED,)),
                                    (13, OTHER, (FINED,))):
        enterprise = _ok(client.post("/api/v1/enterprises", headers=supervisor,
                                     json=enterprise_body(district, serial)))
        inspection = {"id": str(uuid.uuid4()), "enterprise_id": enterprise["id"],
                      "inspector_ids": [str(make_user("inspector", district)[0].id)
                                        for _ in range(2)],
                      "started_at": "2021-06-01T01:30:00+00:00"}
        _ok(client.post("/api/v1/inspections", json=inspection, headers=supervisor))
        made = [_ok(client.post("/api/v1/violations", headers=supervisor, json={
            "id": str(uuid.uuid4()), "inspection_id": inspection["id"], "code": "AIR_VOC",
            "occurred_on": "2021-06-01", "description": "现场发现", "facts": one,
            "evidence": [MISSING_PHOTO] if one is FINED else []})) for one in facts]
        found[serial] = {"enterprise": enterprise, "violations": made}
    return found


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
    response = session.post("/console/violations/cases", data={
        "violation_ids": [waived["id"], fined["id"]], "summary": "喷漆车间废气未收集",
        "late_reason": "控制台立案测试"})
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
    response = session.post("/console/violations/cases", data={
        "violation_ids": [mine["id"], theirs["id"]], "late_reason": "逾期原因"})
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "一个案件只有一个当事人" in text and "2家企业" in text
    assert "A case has one party" not in text
    assert f'value="{mine["id"]}" id="v-{mine["id"]}" checked' in text
    assert f'value="{theirs["id"]}" id="v-{theirs["id"]}" checked' in text
    assert "逾期原因</textarea>" in text


def test_a_late_filing_without_its_reason_is_refused_in_chinese(console, desk):
    session = console("legal", OWN)
    response = session.post("/console/violations/cases", data={
        "violation_ids": [desk[12]["violations"][0]["id"]], "summary": "案情"})
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "立案期限" in text and "超过立案期限后必填" in text and "late_reason" not in \
        text.split('id="filing-refused"')[1].split("</div>")[0]
    assert "案情</textarea>" in text


def test_a_violation_already_in_a_case_is_refused_in_chinese(client, console, desk):
    session = console("legal", OWN)
    taken = desk[12]["violations"][0]["id"]
    assert session.post("/console/violations/cases", data={
        "violation_ids": [taken], "late_reason": "逾期"}).status_code == 303
    again = session.post("/console/violations/cases", data={
        "violation_ids": [taken], "late_reason": "逾期"})
    assert again.status_code == 409
    assert "已在案件中" in again.get_data(as_text=True)


def test_filing_with_nothing_selected_says_so_in_chinese(console, desk):
    response = console("legal", OWN).post("/console/violations/cases", data={"summary": "空"})
    assert response.status_code == 422 and "必填" in response.get_data(as_text=True)


def test_filing_needs_the_forms_csrf_token(console, desk):
    session = console("legal", OWN)
    response = session.client.post("/console/violations/cases", data={
        "violation_ids": [desk[12]["violations"][0]["id"]], "late_reason": "逾期"})
    assert response.status_code == 400
    assert "在案件中" not in session.get("/console/violations?in_case=true").get_data(
        as_text=True) and desk[12]["violations"][0]["id"] not in session.get(
        "/console/violations?in_case=true").get_data(as_text=True)


@pytest.mark.parametrize("role", ["inspector", "admin"])
def test_a_role_that_cannot_file_gets_the_forbidden_page(console, desk, role):
    session = console(role, OWN)
    for response in (session.get("/console/violations"),
                     session.post("/console/violations/cases", data={
                         "violation_ids": [desk[12]["violations"][0]["id"]]})):
        assert response.status_code == 403
        assert "您的角色无权打开此页面。" in response.get_data(as_text=True)
    assert "/console/violations" not in session.get("/console/").get_data(as_text=True)


@pytest.mark.parametrize("role", ["legal", "supervisor"])
def test_the_desk_is_in_the_navigation_of_those_who_file(console, role):
    page = console(role, OWN).get("/console/cases").get_data(as_text=True)
    assert 'href="/console/violations">违法行为</a>' in page
