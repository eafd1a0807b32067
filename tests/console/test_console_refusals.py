"""A refused step says why in the console's language: 《中华人民共和国行政处罚法》 cited by
article, amounts in yuan (never fen), dates as the console shows them; one test per family of
refusals (server/cases/refusals.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.console.conftest import OWN
from tests.console.test_console_case_steps import (
    _api_step,
    _case,
    _form_of,
    _notified,
    _refused,
    _two_acts_notified,
    _waived_case,
)

EDUCATION = {"education.on": "2021-06-02", "education.method": "约谈",
             "education.content": "告知VOCs无组织排放的法律责任"}


def _day(on: date) -> str:
    """A date as the Chinese console shows it (medium format)."""
    return f"{on.year}年{on.month}月{on.day}日"


def _next_to(page: str, name: str) -> str:
    """The messages shown next to an input of the step form."""
    return _form_of(page).split(f'name="{name}"')[1].split("</div>")[0]


def _post(session, case: dict[str, Any], **data: Any):
    return session.post(f"/console/cases/{case['id']}/transitions",
                        data={"version": case["version"], **data})


def test_deciding_above_the_notified_fine_says_so_in_chinese_with_yuan(
        client, console, world):
    case = _notified(client, world, intended_fen=3_000_000, review_opinion="同意")
    refused = _post(console("legal", OWN), case, to="decided", fine_yuan="30000.01",
                    rights_waived="true", **EDUCATION)
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert (
        "未执行此步骤： 行政机关不得因当事人陈述、申辩而给予更重的处罚"
        "（《中华人民共和国行政处罚法》第四十五条）："
        "罚款不得超过事先告知的罚款数额30,000.00元。") in _refused(page)
    assert "超过事先告知的罚款数额" in _next_to(page, "fine_yuan")
    assert 'value="30000.01"' in _next_to(page, "fine_yuan")  # the typed amount is kept


def test_the_same_refusal_in_english_quotes_cny(client, console, world):
    case = _notified(client, world, intended_fen=3_000_000, review_opinion="同意")
    session = console("legal", OWN)
    assert session.post("/console/language", data={"lang": "en"}).status_code == 303
    page = _post(session, case, to="decided", fine_yuan="30000.01", rights_waived="true",
                 **EDUCATION).get_data(as_text=True)
    assert ("Statements and defence can never make the penalty heavier than the notice "
            "(Administrative Penalty Law Art. 45): the fine may not exceed the notified "
            "CNY 30,000.00.") in _refused(page)
    assert "above the notified amount" in _next_to(page, "fine_yuan")
    assert " fen" not in _refused(page)


def test_a_fine_outside_the_statutory_range_cites_articles_29_and_32_in_yuan(
        client, console, world):
    case = _api_step(client, world, _api_step(client, world, world[OWN]["case"],
                                              "investigating"), "legal_review")
    session = console("legal", OWN)
    above = _post(session, case, to="notified", review_opinion="同意",
                  intended_yuan="200000.01")
    assert above.status_code == 409
    page = above.get_data(as_text=True)
    assert ("罚款不得超过本案违法行为的法定最高额200,000.00元"
            "（《中华人民共和国行政处罚法》第二十九条：") in _refused(page)
    assert "超过法定最高额" in _next_to(page, "intended_yuan")
    below = _post(session, case, to="notified", review_opinion="同意", intended_yuan="19999.99")
    assert below.status_code == 422
    page = below.get_data(as_text=True)
    assert ("罚款低于法定最低额20,000.00元的，属于减轻处罚"
            "（《中华人民共和国行政处罚法》第三十二条）") in _refused(page)
    assert "低于法定最低额时必填" in _next_to(page, "mitigation")


def test_a_decision_inside_the_notice_period_names_its_last_day_as_the_console_dates_it(
        client, console, world):
    from server.cases.procedure import notice_reply_due

    case = _notified(client, world, intended_fen=3_000_000, review_opinion="同意")
    page = _post(console("legal", OWN), case, to="decided", fine_yuan="30000",
                 **EDUCATION).get_data(as_text=True)
    due = notice_reply_due(date.fromisoformat(case["notice_on"]))
    assert (f"告知期限届满前不得作出处罚决定：当事人可以在{_day(due)}之前（含当日）进行陈述、申辩"
            "或者要求听证。") in _refused(page)
    assert "尚在告知期限内" in _next_to(page, "on")


def test_a_hearing_set_too_soon_gives_its_earliest_day_and_articles_64_and_85(
        client, console, world):
    from server.workdays import add_working_days

    case = _notified(client, world, intended_fen=3_000_000, review_opinion="同意")
    told = date.fromisoformat(case["notice_on"])
    page = _post(console("legal", OWN), case, to="hearing",
                 hearing_notice_on=told.isoformat(), hearing_on=told.isoformat(),
                 hearing_place="听证室", **{"chair.name": "李主持"}).get_data(as_text=True)
    earliest = add_working_days(told, 7)
    assert ("行政机关应当在举行听证的七个工作日前通知当事人听证的时间、地点"
            "（《中华人民共和国行政处罚法》第六十四条、第八十五条）："
            f"听证最早可于{_day(earliest)}举行。") in _refused(page)
    assert "距听证通知不足七个工作日" in _next_to(page, "hearing_on")


def test_an_amount_paid_short_gives_what_is_owed_in_yuan(client, console, world):
    case = _notified(client, world, intended_fen=3_000_000, review_opinion="同意")
    education = {"on": "2021-06-02", "method": "约谈", "content": "告知法律责任"}
    case = _api_step(client, world, case, "decided", fine_fen=3_000_000, rights_waived=True,
                     education=education)
    case = _api_step(client, world, case, "served", method="direct")
    refused = _post(console("legal", OWN), case, to="paid", amount_yuan="29999.99")
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert ("应缴金额为30,000.00元（罚款30,000.00元，加处罚款0.00元，逾期0日）。暂不支持部分缴纳、"
            "暂缓或者分期缴纳罚款（《中华人民共和国行政处罚法》第六十六条），请在全部缴清后登记。"
            ) in _refused(page)
    assert "应为30,000.00元" in _next_to(page, "amount_yuan")


def test_acts_fines_that_do_not_add_up_say_both_sums_in_yuan(client, console, world):
    case, dust, exceed = _two_acts_notified(client, world)
    refused = _post(console("legal", OWN), case, to="decided", rights_waived="true",
                    fine_yuan="150000", **{f"act_fine.{dust}": "20000",
                                           f"act_fine.{exceed}": "120000"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "各项违法行为的罚款数额之和应当等于罚款总额" \
        "（事先告知的拟罚款数额或者决定的罚款数额）。" in _refused(page)
    fieldset = _form_of(page).split("<legend>")[1].split("</fieldset>")[0]
    assert "合计140,000.00元，不等于150,000.00元" in fieldset


def test_the_waiver_refusals_cite_article_33_and_name_the_rules_outcomes(
        client, console, world):
    session = console("legal", OWN)
    mixed = world[OWN]["case"]  # one waived act, one fined act
    page = _post(session, mixed, to="not_penalised").get_data(as_text=True)
    assert "只有规则认定不予罚款的案件，才能作出不予行政处罚决定（规则判定：" in _refused(page)
    outcomes = _refused(page).split("规则判定：")[1].rsplit("）。", 1)[0]
    assert set(outcomes.split("、")) == {"不予处罚（免罚）", "罚款"}  # labelled, not waived/fine
    case = _api_step(client, world, _api_step(client, world, _waived_case(client, world),
                                              "investigating"), "legal_review")
    page = _post(session, case, to="notified", review_opinion="同意",
                 intended_yuan="20000").get_data(as_text=True)
    assert ("依照《中华人民共和国行政处罚法》第三十三条、第三十六条，本案违法行为依法不得给予罚款"
            "（规则判定：不予处罚（免罚）），应当作出不予行政处罚决定。") in _refused(page)


def test_a_step_the_case_cannot_take_names_the_states_in_chinese(client, console, world):
    case = world[OWN]["case"]
    page = _post(console("legal", OWN), case, to="decided").get_data(as_text=True)
    assert ("案件处于“已立案”状态，只能进入调查取证、不予行政处罚，"
            "不能进入“已决定”。") in _refused(page)
    assert _case(client, world, case["id"])["state"] == "filed"


def test_a_rules_change_is_said_with_labels_dates_and_yuan(app):
    from server.console.formatting import said
    from server.messages import Message

    changes = [{"code": "EIA_UNAPPROVED", "from": {"outcome": "may_waive", "amount_fen": 1_000_000},
                "to": {"outcome": "waived", "amount_fen": None}}]
    message = Message("case.rules_changed", {"on": date(2020, 5, 11), "changes": changes,
                                             "version": 4, "to": "decided"})
    with app.test_request_context("/console/cases"):
        text = said(message)
    assert text.startswith("依照《中华人民共和国行政处罚法》第三十七条，")
    assert ("2020年5月11日施行的规则对本案违法行为的判定已有变化"
            "（EIA_UNAPPROVED：可以免罚 10,000.00元 → 不予处罚（免罚））。案件现为第4版") in text
    assert "重新办理“已决定”步骤" in text


def test_a_form_the_schema_refuses_says_why_in_chinese_next_to_each_input(
        client, console, world):
    case = _notified(client, world, intended_fen=3_000_000, review_opinion="同意")
    page = _post(console("legal", OWN), case, to="decided", on="2021-13-45",
                 fine_yuan="200000000000", rights_waived="true",
                 **{"education.method": "约谈"}).get_data(as_text=True)
    assert "部分字段无效" in _refused(page)
    assert "不是有效的日期" in _next_to(page, "on")
    assert "应在0.00元至100,000,000,000.00元之间" in _next_to(page, "fine_yuan")
    assert "必填" in _next_to(page, "education.on")
    assert "必填" in _next_to(page, "education.content")
    for english in ("Not a valid", "Missing data", "Must be", "fen"):
        assert english not in _form_of(page)


def test_the_schema_refusal_in_english_quotes_cny(client, console, world):
    case = _notified(client, world, intended_fen=3_000_000, review_opinion="同意")
    session = console("legal", OWN)
    assert session.post("/console/language", data={"lang": "en"}).status_code == 303
    page = _post(session, case, to="decided", fine_yuan="200000000000",
                 rights_waived="true", **EDUCATION).get_data(as_text=True)
    assert "Between CNY 0.00 and CNY 100,000,000,000.00" in _next_to(page, "fine_yuan")
