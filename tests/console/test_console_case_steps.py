"""The case page's procedure: what the notice told the party, and the next-step form."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

import pytest

from tests.console.conftest import OWN


def _api_step(client, world: dict[str, Any], case: dict[str, Any], to: str,
              **params: Any) -> dict[str, Any]:
    response = client.post(f"/api/v1/cases/{case['id']}/transitions",
                           json={"to": to, "version": case["version"], **params},
                           headers=world["legal"])
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _notified(client, world: dict[str, Any], **params: Any) -> dict[str, Any]:
    """The district's case notified after a legal review (the fine caps the decision)."""
    case = _api_step(client, world, world[OWN]["case"], "investigating")
    case = _api_step(client, world, case, "legal_review")
    return _api_step(client, world, case, "notified", **params)


def _section(page: str, marker: str) -> str:
    return page.split(marker)[1].split("</ul>")[0]


def test_the_case_page_shows_the_notified_fine_the_hearing_offer_and_the_review_opinion(
        client, console, world):
    case = _notified(client, world, intended_fen=3_000_000, review_opinion="事实清楚，同意告知")
    page = console("legal", OWN).get(f"/console/cases/{case['id']}").get_data(as_text=True)
    notice = _section(page, 'id="case-notice"')
    assert "¥30,000.00" in notice and "第45条" in notice
    assert "告知听证权利: 是" in notice  # the threshold is unconfirmed: the hearing is offered
    assert "法制审核意见: 事实清楚，同意告知" in notice


def _case(client, world: dict[str, Any], case_id: str) -> dict[str, Any]:
    return client.get(f"/api/v1/cases/{case_id}", headers=world["legal"]).get_json()


def _form_of(page: str) -> str:
    return page.split('id="step-form"')[1].split("</form>")[0]


def _refused(page: str) -> str:
    """The reason a refused step gives above the form."""
    return page.split('id="step-refused"')[1].split("</p>")[0]


def _labelled(page: str) -> None:
    fields = re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*>', page)
    ids = re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*\bid="([^"]+)"',
                     page)
    assert len(ids) == len(fields)
    for field_id in ids:
        assert f'for="{field_id}"' in page, field_id


def test_the_form_offers_the_inputs_of_the_steps_the_case_may_take(client, console, world):
    session = console("legal", OWN)
    filed = _form_of(session.get(f"/console/cases/{world[OWN]['case']['id']}")
                     .get_data(as_text=True))
    _labelled(filed)
    assert 'data-steps="not_penalised"' in filed and 'name="education.content"' in filed
    assert 'name="hearing_on"' not in filed and 'name="fine_yuan"' not in filed
    case = _notified(client, world, intended_fen=3_000_000, review_opinion="同意")
    notified = _form_of(session.get(f"/console/cases/{case['id']}").get_data(as_text=True))
    _labelled(notified)
    for name in ("hearing_notice_on", "hearing_on", "chair.name", "chair.user_id",
                 "rights_waived", "fine_yuan", "education.on", "education.method",
                 "education.content", "education.educated_person", "reason"):
        assert f'name="{name}"' in notified, name
    # the case has a waived act: its decision records the education too (处罚法 第33条第3款)
    assert re.search(r'<fieldset data-steps="not_penalised decided"><legend>对当事人的教育',
                     notified)
    chairs = notified.split('name="chair.user_id"')[1].split("</select>")[0]
    assert session.user.display_name in chairs
    for investigator in world[OWN]["inspectors"]:
        assert str(investigator.id) not in chairs  # 处罚法 第64条: no investigator chairs


def test_a_hearing_is_set_from_the_form_with_its_chair(client, console, world):
    from server import clock
    from server.workdays import add_working_days

    case = _notified(client, world, intended_fen=3_000_000, review_opinion="同意")
    session = console("legal", OWN)
    today = clock.today_shanghai()
    heard_on = add_working_days(today, 7)
    form = {"to": "hearing", "version": case["version"], "hearing_notice_on": today.isoformat(),
            "hearing_on": heard_on.isoformat(), "chair.name": "李主持",
            "chair.user_id": str(session.user.id), "education.method": ""}
    nowhere = session.post(f"/console/cases/{case['id']}/transitions", data=form)
    assert nowhere.status_code == 422  # 处罚法 第64条第2项: the notice states time and place
    place = _form_of(nowhere.get_data(as_text=True)).split('name="hearing_place"')[1]
    assert "本步骤必填" in place.split("</div>")[0]
    response = session.post(f"/console/cases/{case['id']}/transitions",
                            data=form | {"hearing_place": " 浦东新区生态环境局三楼听证室 "})
    assert response.status_code == 303, response.get_data(as_text=True)
    heard = _case(client, world, case["id"])
    assert heard["state"] == "hearing" and heard["hearing_on"] == heard_on.isoformat()
    assert heard["steps"]["hearing"]["chair"] == {"name": "李主持",
                                                  "user_id": str(session.user.id)}
    assert heard["steps"]["hearing"]["hearing_place"] == "浦东新区生态环境局三楼听证室"
    page = session.get(f"/console/cases/{case['id']}").get_data(as_text=True)
    shown = _section(page, 'id="case-hearing"')
    assert "听证地点: 浦东新区生态环境局三楼听证室" in shown and "李主持" in shown, shown


def _waived_case(client, world: dict[str, Any]) -> dict[str, Any]:
    """A case of one act the minor-offence list waives (uncovered dust, corrected in time)."""
    from tests.api.cases.conftest import WAIVABLE

    inspection = world[OWN]["violations"][0]["inspection_id"]
    waived = client.post("/api/v1/violations", headers=world["supervisor"], json={
        "id": str(uuid.uuid4()), "inspection_id": inspection, "code": "AIR_DUST",
        "occurred_on": "2021-06-01", "description": "物料未覆盖", "facts": WAIVABLE}).get_json()
    assert waived["decision"]["zh"]["decision"] == "waived", waived["decision"]["zh"]
    return client.post("/api/v1/cases", headers=world["legal"], json={
        "violation_ids": [waived["id"]], "late_reason": "控制台测试"}).get_json()


def test_a_case_ends_without_penalty_from_the_form_with_the_education_record(
        client, console, world):
    case = _waived_case(client, world)
    session = console("legal", OWN)
    url = f"/console/cases/{case['id']}/transitions"
    missing = session.post(url, data={"to": "not_penalised", "version": case["version"],
                                      "education.method": "约谈"})
    assert missing.status_code == 422
    form = _form_of(missing.get_data(as_text=True))
    education = form.split("<legend>对当事人的教育")[1].split("</fieldset>")[0]
    assert education.count('<span class="error">') == 2  # on and content, next to them
    assert 'name="education.method" type="text" value="约谈"' in education
    done = session.post(url, data={
        "to": "not_penalised", "version": case["version"], "education.on": "2021-06-02",
        "education.method": "约谈", "education.content": "讲解VOCs无组织排放管控要求",
        "education.educated_person": "王经理"})
    assert done.status_code == 303, done.get_data(as_text=True)
    ended = _case(client, world, case["id"])
    assert ended["state"] == "not_penalised"
    assert ended["steps"]["not_penalised"]["education"] == {
        "on": "2021-06-02", "method": "约谈", "content": "讲解VOCs无组织排放管控要求",
        "educated_person": "王经理"}


def test_an_early_decision_needs_the_rights_waived_box_and_service_the_consent_box(
        client, console, world):
    case = _notified(client, world, intended_fen=3_000_000, review_opinion="同意")
    session = console("legal", OWN)
    url = f"/console/cases/{case['id']}/transitions"
    education = {"education.on": "2021-06-02", "education.method": "约谈",
                 "education.content": "告知VOCs无组织排放的法律责任"}
    early = session.post(url, data={"to": "decided", "version": case["version"],
                                    "fine_yuan": "30000", **education})
    assert early.status_code == 409
    page = early.get_data(as_text=True)
    assert "告知期限届满前不得作出处罚决定" in page.split('id="step-refused"')[1].split("</div>")[0]
    assert 'value="30000"' in _form_of(page) and 'value="约谈"' in _form_of(page)
    no_education = session.post(url, data={"to": "decided", "version": case["version"],
                                           "fine_yuan": "30000", "rights_waived": "true"})
    assert no_education.status_code == 422  # the waived act's party is educated (第33条)
    decided = session.post(url, data={"to": "decided", "version": case["version"],
                                      "fine_yuan": "30000", "rights_waived": "true",
                                      **education})
    assert decided.status_code == 303, decided.get_data(as_text=True)
    case = _case(client, world, case["id"])
    assert case["fine_fen"] == 3_000_000 and case["steps"]["decided"]["rights_waived"] is True
    assert case["steps"]["decided"]["education"]["method"] == "约谈"
    methods = re.findall(r'<option value="(\w+)">(\w+)</option>', _form_of(
        session.get(f"/console/cases/{case['id']}").get_data(as_text=True)).split(
        'name="method"')[1].split("</select>")[0])
    assert methods == [("direct", "直接送达"), ("left_at_domicile", "留置送达"),
                       ("post", "邮寄送达"), ("electronic", "电子送达"),
                       ("announcement", "公告送达")]
    refused = session.post(url, data={"to": "served", "version": case["version"],
                                      "method": "electronic"})
    assert refused.status_code == 409
    consent = _form_of(refused.get_data(as_text=True)).split('name="consent"')[1]
    assert "电子送达时必填" in consent.split("</div>")[0]
    assert "《中华人民共和国行政处罚法》第六十一条" in _refused(refused.get_data(as_text=True))
    assert '<option value="electronic" selected>' in _form_of(refused.get_data(as_text=True))
    served = session.post(url, data={"to": "served", "version": case["version"],
                                     "method": "electronic", "consent": "true"})
    assert served.status_code == 303
    assert _case(client, world, case["id"])["steps"]["served"]["consent"] is True
    paid = session.post(url, data={"to": "paid", "version": case["version"] + 1,
                                   "amount_yuan": "30000.00"})
    assert paid.status_code == 303, paid.get_data(as_text=True)
    assert _case(client, world, case["id"])["paid_fen"] == 3_000_000


def test_amounts_are_typed_in_yuan_and_turned_into_fen_exactly(app, client, console, world):
    from server.console.case_form import fen_from_yuan

    with app.test_request_context("/console/cases"):
        assert [fen_from_yuan(t) for t in ("30000", "0.1", " 12345.67 ", "12.340",
                                           "99999999999.99")] == [
            3_000_000, 10, 1_234_567, 1_234, 9_999_999_999_999]
        for bad in ("12.345", "1e3", "-5", "1,000", "１２", "", ".5", "NaN",
                    "1." + "0" * 40 + "1"):  # beyond Decimal's 28 digits: still refused
            with pytest.raises(ValueError):
                fen_from_yuan(bad)
    case = _api_step(client, world, _api_step(client, world, world[OWN]["case"],
                                              "investigating"), "legal_review")
    session = console("legal", OWN)
    url = f"/console/cases/{case['id']}/transitions"
    fields = {"to": "notified", "version": case["version"], "review_opinion": "同意"}
    refused = session.post(url, data={**fields, "intended_yuan": "30000.055"})
    assert refused.status_code == 422
    form = _form_of(refused.get_data(as_text=True))
    amount = form.split('name="intended_yuan"')[1].split("</div>")[0]
    assert 'value="30000.055"' in amount and "最多两位小数" in amount
    assert session.post(url, data={**fields, "intended_yuan": "30000.05"}).status_code == 303
    assert _case(client, world, case["id"])["intended_fen"] == 3_000_005


def test_a_step_on_a_stale_page_is_refused_on_the_current_case_with_the_form_kept(
        client, console, world):
    stale = world[OWN]["case"]
    _api_step(client, world, stale, "investigating")  # someone else moved it meanwhile
    response = console("legal", OWN).post(f"/console/cases/{stale['id']}/transitions", data={
        "to": "investigating", "version": stale["version"], "on": "2021-06-02"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert f"案件已被更新为第{stale['version'] + 1}版（本页面提交的是第{stale['version']}版）" in \
        page.split('id="step-refused"')[1].split("</div>")[0]
    assert '<strong id="case-state">调查取证</strong>' in page  # the case as it is now
    form = _form_of(page)
    assert f'name="version" value="{stale["version"] + 1}"' in form
    assert 'name="on" type="date" value="2021-06-02"' in form


def test_a_refused_step_of_an_archived_case_still_says_why(client, console, world):
    case = _notified(client, world, intended_fen=3_000_000, review_opinion="同意")
    education = {"on": "2021-06-02", "method": "约谈", "content": "告知VOCs无组织排放的法律责任"}
    for to, params in (("decided", {"fine_fen": 3_000_000, "rights_waived": True,
                                    "education": education}),
                       ("served", {"method": "direct"}), ("paid", {"amount_fen": 3_000_000}),
                       ("closed", {}), ("archived", {})):
        case = _api_step(client, world, case, to, **params)
    response = console("legal", OWN).post(f"/console/cases/{case['id']}/transitions", data={
        "to": "closed", "version": case["version"]})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert 'id="step-form"' not in page  # an archived case takes no step
    assert "案件已归档，不得增加或者修改任何内容。" in _refused(page)


def _two_acts_notified(client, world: dict[str, Any], to: str = "notified"
                       ) -> tuple[dict[str, Any], int, int]:
    """A case of two fined acts (dust, then emissions over the limit) notified after review
    (or only as far as `to`), with the dust act's and the emissions act's numbers."""
    inspection_id = world[OWN]["violations"][0]["inspection_id"]
    found = [client.post("/api/v1/violations", headers=world["supervisor"], json={
        "id": str(uuid.uuid4()), "inspection_id": inspection_id, "code": code,
        "occurred_on": "2021-06-01", "description": "现场发现", "facts": {
            "corrected_on_spot": False, "corrected_in_time": False,
            "harmful_consequence": True}}).get_json() for code in ("AIR_DUST", "AIR_EXCEED")]
    case = client.post("/api/v1/cases", headers=world["legal"], json={
        "violation_ids": [v["id"] for v in found], "late_reason": "控制台测试"}).get_json()
    for step, params in (("investigating", {}), ("legal_review", {}),
                         ("notified", {"review_opinion": "同意"})):
        case = _api_step(client, world, case, step, **params)
        if step == to:
            break
    act = {a["violation_ids"][0]: a["act"] for a in case["acts"]}
    return case, act[found[0]["id"]], act[found[1]["id"]]


def test_a_notice_over_several_acts_takes_each_acts_intended_fine_in_yuan(
        client, console, world):
    case, dust, exceed = _two_acts_notified(client, world, to="legal_review")
    session = console("legal", OWN)
    form = _form_of(session.get(f"/console/cases/{case['id']}").get_data(as_text=True))
    fieldset = form.split(f'name="act_fine.{dust}"')[0].rsplit("<fieldset", 1)[1]
    assert 'data-steps="notified' in fieldset, fieldset
    total = case["proposed_fen"] - 1_000_000
    proposed = {a["act"]: a["amount_fen"] for a in case["acts"]}
    response = session.post(f"/console/cases/{case['id']}/transitions", data={
        "version": case["version"], "to": "notified", "review_opinion": "同意",
        "intended_yuan": f"{total / 100:.2f}",
        f"act_fine.{dust}": f"{(proposed[dust] - 1_000_000) / 100:.2f}",
        f"act_fine.{exceed}": f"{proposed[exceed] / 100:.2f}"})
    assert response.status_code == 303, response.get_data(as_text=True)[-2000:]
    noticed = _case(client, world, case["id"])["steps"]["notified"]
    assert noticed["act_fines"] == sorted(
        [{"act": dust, "fine_fen": proposed[dust] - 1_000_000},
         {"act": exceed, "fine_fen": proposed[exceed]}], key=lambda a: a["act"])
    page = session.get(f"/console/cases/{case['id']}").get_data(as_text=True)
    shown = re.sub(r"\s+", " ", _section(page, 'id="case-notice"'))
    assert f"第 {dust} 个行为: ¥{(proposed[dust] - 1_000_000) // 100:,}.00" in shown, shown
    assert f"第 {exceed} 个行为: ¥{proposed[exceed] // 100:,}.00" in shown, shown


def test_a_decision_over_several_fined_acts_takes_each_acts_fine_in_yuan(
        client, console, world):
    case, dust, exceed = _two_acts_notified(client, world)
    session = console("legal", OWN)
    page = session.get(f"/console/cases/{case['id']}").get_data(as_text=True)
    assert f'name="act_fine.{dust}"' in _form_of(page) and f'name="act_fine.{exceed}"' in page
    total = case["intended_fen"] - 1_000_000
    response = session.post(f"/console/cases/{case['id']}/transitions", data={
        "version": case["version"], "to": "decided", "rights_waived": "true",
        "fine_yuan": f"{total / 100:.2f}", f"act_fine.{dust}": "20000",
        f"act_fine.{exceed}": f"{(total - 2_000_000) / 100:.2f}"})
    assert response.status_code == 303, response.get_data(as_text=True)[-2000:]
    decided = _case(client, world, case["id"])["steps"]["decided"]
    assert decided["act_fines"] == sorted([{"act": dust, "fine_fen": 2_000_000},
                                           {"act": exceed, "fine_fen": total - 2_000_000}],
                                          key=lambda a: a["act"])


def test_a_case_not_penalised_shows_its_number_as_a_decision_not_to_penalise(
        client, console, world):
    # The summary read "处罚决定 沪…环不罚〔…〕1号" for a case that was not penalised.
    case = _api_step(client, world, _waived_case(client, world), "not_penalised", education={
        "on": "2021-06-02", "method": "约谈", "content": "讲解管控要求"})
    page = console("legal", OWN).get(f"/console/cases/{case['id']}").get_data(as_text=True)
    assert f"不予处罚决定 {case['decision_number']}" in page
    assert f"处罚决定 {case['decision_number']}" not in page.replace("不予处罚决定", "")


def test_a_scheduled_hearing_is_the_next_deadline_and_the_decision_deadline_stays_shown(
        client, console, world):
    # In the 听证 state with a hearing scheduled, 下一期限 still showed the 90-day decision
    # deadline.
    from server import clock
    from server.workdays import add_working_days

    case = _notified(client, world, intended_fen=3_000_000, review_opinion="同意")
    today = clock.today_shanghai()
    heard_on = add_working_days(today, 7)
    case = _api_step(client, world, case, "hearing", hearing_notice_on=today.isoformat(),
                     hearing_on=heard_on.isoformat(), chair={"name": "李主持"},
                     hearing_place="听证室")
    assert case["next_due_on"] == heard_on.isoformat()
    decision = next(d for d in case["deadlines"] if d["name"] == "decision")
    day = f"{heard_on.year}年{heard_on.month}月{heard_on.day}日"
    decided_by = date.fromisoformat(decision["due"])
    decision_day = f"{decided_by.year}年{decided_by.month}月{decided_by.day}日"
    session = console("legal", OWN)
    page = session.get(f"/console/cases/{case['id']}").get_data(as_text=True)
    line = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.split('id="case-next-due"')[1]
                                       .split("</li>")[0]))
    assert f"{day} 听证日期" in line, line
    assert f"作出处罚决定期限 {decision_day}" in line, line
    listed = session.get("/console/cases").get_data(as_text=True)
    row = listed[listed.index(case["filing_number"]):].split("</tr>")[0]
    assert f"{day} 听证日期" in row, row


def test_facts_sent_for_a_violation_of_a_decided_case_are_refused_in_the_users_language(
        client, console, world):
    # a facts form left open while the case was decided showed 'The record is part of a
    # case whose decision has issued …' on the Chinese page
    case = _notified(client, world, intended_fen=3_000_000, review_opinion="同意")
    education = {"on": "2021-06-02", "method": "约谈", "content": "告知VOCs无组织排放的法律责任"}
    case = _api_step(client, world, case, "decided", fine_fen=3_000_000, rights_waived=True,
                     education=education)
    violation_id = world[OWN]["violations"][0]["id"]
    violation = client.get(f"/api/v1/violations/{violation_id}",
                           headers=world["legal"]).get_json()
    session = console("legal", OWN)
    url = f"/console/cases/{case['id']}/violations/{violation_id}/facts"
    answer = session.post(url, data={"version": violation["version"], "first_offence": "yes"})
    assert answer.status_code == 409
    page = answer.get_data(as_text=True)
    assert "已作出处罚决定" in page and case["filing_number"] in page
    assert "can no longer be changed" not in page and "第五十九条" in page
    session.post("/console/language", data={"lang": "en"})
    english = session.post(url, data={"version": violation["version"], "first_offence": "yes"})
    assert "it can no longer be changed" in english.get_data(as_text=True)
    api = client.patch(f"/api/v1/violations/{violation_id}", headers=world["legal"],
                       json={"version": violation["version"], "facts": {"first_offence": True}})
    assert api.status_code == 409
    assert api.get_json()["detail"] == (
        "The record is part of a case whose decision has issued or which is archived; it can "
        f"no longer be changed: case {case['filing_number']} has an issued decision "
        f"({case['decision_number'] or case['filing_number']}, state decided): the facts and "
        "evidence it rests on can no longer be edited (处罚法 第59条); use the formal "
        "correction procedure instead.")
