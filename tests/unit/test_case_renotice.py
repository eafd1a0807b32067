"""Notifying the party again (重新告知) before the decision: the pure procedure."""

from __future__ import annotations

from datetime import date

import pytest

from schemas.cases import RENOTICE_REASONS
from server.cases import procedure, renotice
from tests.unit.test_case_rules import _notified

D = date.fromisoformat
AGAIN = {"renotice_reason": "new_facts", "renotice_note": "复查发现另一排放口未收集"}


def test_a_notified_or_heard_case_may_be_notified_again_with_its_reason_recorded():
    for state in ("notified", "hearing"):
        record = procedure.check_transition(_notified(state=state), "notified",
                                            {**AGAIN, "intended_fen": 1_500_000},
                                            D("2021-06-10"))
        assert record["intended_fen"] == 1_500_000 and record["on"] == D("2021-06-10")
        assert record["renotice"] == {
            "reason": "new_facts", "note": "复查发现另一排放口未收集",
            "replaces_notice_on": D("2021-06-07"), "replaces_intended_fen": 1_000_000}
    first = procedure.check_transition(_notified(state="investigating", intended_fen=None,
                                                 notice_on=None), "notified",
                                       {"intended_fen": 1_000_000}, D("2021-06-07"))
    assert "renotice" not in first  # the first notice is no re-notice


def test_a_re_notice_needs_its_reason_and_what_was_found_or_corrected():
    with pytest.raises(procedure.Refused) as missing:
        procedure.check_transition(_notified(), "notified", {"intended_fen": 1_500_000},
                                   D("2021-06-10"))
    assert missing.value.errors == {"renotice_reason": "required for this step",
                                    "renotice_note": "required for this step"}
    with pytest.raises(procedure.Refused) as blank:
        procedure.check_transition(_notified(), "notified", {
            "renotice_reason": "facts_corrected", "renotice_note": "  "}, D("2021-06-10"))
    assert blank.value.errors == {"renotice_note": "required for this step"}


def test_the_partys_statements_are_no_ground_for_a_new_notice():
    with pytest.raises(procedure.Refused, match="第45条") as refused:
        procedure.check_transition(_notified(state="hearing"), "notified", {
            "renotice_reason": "statements", "renotice_note": "当事人申辩称另有排放口",
            "intended_fen": 2_000_000}, D("2021-06-10"))
    assert refused.value.errors == {"renotice_reason": "not a ground for a new notice"}
    assert not refused.value.bad_input  # a 409: the request is well formed, the law refuses it
    assert refused.value.message.key == "renotice.statements"


def test_no_re_notice_once_the_case_is_decided():
    for state in ("decided", "served", "not_penalised", "closed"):
        with pytest.raises(procedure.Refused, match="notified again") as refused:
            procedure.check_transition(_notified(state=state, fine_fen=1_000_000), "notified",
                                       AGAIN, D("2021-06-20"))
        assert refused.value.message.key == "renotice.decided"


def test_a_re_notice_needing_a_review_the_case_never_had_records_its_opinion():
    large = {**AGAIN, "intended_fen": 15_000_000}
    hearing = procedure.Hearing(10_000_000, True)
    with pytest.raises(procedure.Refused) as unreviewed:
        procedure.check_transition(_notified(hearing=hearing), "notified", large,
                                   D("2021-06-10"))
    assert unreviewed.value.errors == {"review_opinion": "required for this step"}
    reviewed = procedure.check_transition(_notified(hearing=hearing), "notified",
                                          {**large, "review_opinion": "同意"}, D("2021-06-10"))
    assert reviewed["hearing_eligible"] and reviewed["review_opinion"] == "同意"
    done = procedure.check_transition(_notified(hearing=hearing, legal_review_done=True),
                                      "notified", large, D("2021-06-10"))
    assert "review_opinion" not in done


def test_the_decision_is_bounded_by_the_latest_notice():
    renoticed = _notified(intended_fen=1_500_000, notice_on=D("2021-06-10"),
                          last_step_on=D("2021-06-10"), noticed_fines=((1, 1_500_000),),
                          fineable_acts=((1, 1_000_000, None, True),))
    decided = procedure.check_transition(renoticed, "decided", {"fine_fen": 1_500_000},
                                         D("2021-06-21"))
    assert decided["fine_fen"] == 1_500_000
    with pytest.raises(procedure.Refused, match="1500000"):
        procedure.check_transition(renoticed, "decided", {"fine_fen": 1_500_001},
                                   D("2021-06-21"))
    with pytest.raises(procedure.Refused, match="until 2021-06-18"):  # the new notice's period
        procedure.check_transition(renoticed, "decided", {"fine_fen": 1_500_000},
                                   D("2021-06-18"))


def test_the_earlier_notice_and_the_hearing_asked_under_it_stay_in_the_steps():
    first = {"on": "2021-06-07", "intended_fen": 1_000_000}
    heard = {"on": "2021-06-09", "requested_on": "2021-06-09", "hearing_on": "2021-06-21"}
    steps = {"investigating": {"on": "2021-06-04"}, "notified": first, "hearing": heard}
    second = {"on": "2021-06-10", "intended_fen": 1_500_000, "renotice": {"reason": "new_facts"}}
    after = renotice.renoticed(steps, second)
    assert "hearing" not in after  # the request under the earlier notice lapsed
    assert after["notified"] == {**second, "earlier_notices": [{**first, "hearing": heard}]}
    third = {"on": "2021-06-11", "intended_fen": 1_200_000}
    again = renotice.renoticed(after, third)
    assert [n["on"] for n in renotice.earlier_notices(again)] == ["2021-06-07", "2021-06-10"]
    assert "earlier_notices" not in renotice.earlier_notices(again)[1]
    assert again["investigating"] == steps["investigating"]


def test_the_api_names_the_reasons_the_procedure_knows():
    assert RENOTICE_REASONS == renotice.REASONS


def test_an_unknown_reason_is_refused_naming_the_grounds():
    with pytest.raises(procedure.Refused) as unknown:
        procedure.check_transition(_notified(), "notified", {
            "renotice_reason": "other", "renotice_note": "—"}, D("2021-06-10"))
    assert unknown.value.bad_input
    assert unknown.value.errors == {
        "renotice_reason": "one of new_facts, facts_corrected, basis_corrected"}


def test_the_case_history_and_the_earlier_notice_say_why_the_party_was_notified_again():
    from types import SimpleNamespace

    from server.cases import forms, history_doc

    why = {"reason": "basis_corrected", "note": "适用条款更正为第一百零八条",
           "replaces_notice_on": "2021-06-07", "replaces_intended_fen": 4_000_000}
    event = SimpleNamespace(seq=5, on=D("2021-06-10"), event="transition",
                            from_state="notified", to_state="notified",
                            details={"intended_fen": 5_000_000, "renotice": why})
    row = history_doc.history(SimpleNamespace(filing_number="沪0115环立〔2021〕1号"), [event],
                              "上海市浦东新区生态环境局").rows[0][1]
    assert row == ("程序推进 已告知 → 已告知；拟罚款：50,000.00元；重新告知理由：法律依据更正："
                   "适用条款更正为第一百零八条（原告知2021年6月7日，拟罚款40,000.00元）")
    first = {"on": "2021-06-07", "intended_fen": 4_000_000, "hearing_offered": False,
             "act_fines": [{"act": 1, "fine_fen": 4_000_000}]}
    steps = renotice.renoticed({"notified": first}, {"on": "2021-06-10", "renotice": why})
    party = {"name": "上海测试化工有限公司", "credit_code": "91310115MA0QETA77P",
             "address": "上海市浦东新区陈海路31号"}
    data = {"party": party, "authority": "上海市浦东新区生态环境局",
            "case": {"filing_number": "沪0115环立〔2021〕1号", "steps": steps}}
    [doc] = forms.documents("earlier_notice", data)
    assert doc.number == "沪0115环立〔2021〕1号 第1次告知"
    rows = dict(doc.rows)
    assert rows["告知日期"] == "2021年6月7日" and rows["拟罚款"] == "40,000.00元"
    assert rows["各违法行为拟罚款"] == "第1项 40,000.00元" and rows["听证申请"] == "—"
    assert rows["重新告知日期"] == "2021年6月10日"
    assert rows["重新告知理由"] == "法律依据更正：适用条款更正为第一百零八条"


def test_after_the_partys_statements_a_heavier_re_notice_needs_facts_re_decided_since():
    heard = {"statements": ("rejected",), "noticed_fines": ((1, 1_000_000),),
             "fineable_acts": ((1, 1_000_000, None, True),)}
    for reason in renotice.GROUNDS:  # a ground named, nothing re-decided: the statements
        with pytest.raises(procedure.Refused, match="第45条") as refused:
            procedure.check_transition(_notified(**heard), "notified", {
                "renotice_reason": reason, "renotice_note": "当事人申辩后重新核查",
                "intended_fen": 1_500_000}, D("2021-06-10"))
        assert refused.value.message.key == "renotice.heavier_after_statements"
        assert refused.value.errors == {"intended_fen": "above the notified amount"}
        assert not refused.value.bad_input
    redecided = procedure.check_transition(
        _notified(**heard, redecided_since_notice=True), "notified",
        {**AGAIN, "intended_fen": 1_500_000}, D("2021-06-10"))
    assert redecided["intended_fen"] == 1_500_000
    lighter = procedure.check_transition(_notified(**heard), "notified",
                                         {**AGAIN, "intended_fen": 800_000}, D("2021-06-10"))
    assert lighter["intended_fen"] == 800_000  # not heavier: the statements may lighten it
    unheard = procedure.check_transition(_notified(**{**heard, "statements": ()}), "notified",
                                         {**AGAIN, "intended_fen": 1_500_000}, D("2021-06-10"))
    assert unheard["intended_fen"] == 1_500_000


def test_the_hearing_that_lapsed_stays_in_the_case_file_beside_the_notice_it_answered():
    from server.cases import casefile, forms

    first = {"on": "2021-06-07", "intended_fen": 15_000_000, "hearing_offered": True}
    lapsed = {"on": "2021-06-15", "requested_on": "2021-06-10", "hearing_notice_on": "2021-06-15",
              "hearing_on": "2021-06-25", "hearing_place": "区局三楼听证室",
              "chair": {"name": "王主持"}}
    steps = renotice.renoticed({"notified": first, "hearing": lapsed}, {
        "on": "2021-06-16", "intended_fen": 16_000_000,
        "renotice": {"reason": "facts_corrected", "note": "排放时长更正为三个月"}})
    party = {"name": "上海测试化工有限公司", "credit_code": "91310115MA0QETA77P",
             "address": "上海市浦东新区陈海路31号"}
    data = {"party": party, "authority": "上海市浦东新区生态环境局", "violations": [],
            "case": {"filing_number": "沪0115环立〔2021〕1号", "steps": steps,
                     "notice_on": "2021-06-16", "intended_fen": 16_000_000, "fine_fen": None}}
    docs = forms.documents("earlier_notice", data)
    assert [d.form for d in docs] == ["earlier_notice", "hearing_notice", "hearing_record"]
    for doc in docs[1:]:  # marked as the earlier notice's, its fine and day, not the new ones
        assert doc.title.endswith("（第1次告知，已因重新告知失效）")
        assert doc.number == "沪0115环立〔2021〕1号 第1次告知"
        assert "2021年6月16日重新告知取代" in doc.paragraphs[-1]
    assert dict(docs[1].rows)["听证主持人"] == "王主持"
    assert "拟对你单位罚款150,000.00元" in docs[1].paragraphs[1]
    assert dict(docs[2].rows)["拟作出的行政处罚"] == "罚款150,000.00元（2021年6月7日告知）"
    assert forms.earlier_notice(data).form == "earlier_notice"
    filed = [f for f in forms.FORMS if forms.filed(f, "notified", data)]
    assert "hearing_notice" not in filed  # no hearing under the notice in force
    [report] = forms.documents("earlier_hearing_report", data)
    assert report.title == "听证报告（第1次告知，已因重新告知失效）"
    assert dict(report.rows)["听证日期"] == "2021年6月25日"
    members = [(m.role, m.volume) for m in casefile.plan(filed, [], True)]
    assert members.index(("earlier_notice", "main")) < members.index(("notice", "main"))
    assert ("earlier_hearing_report", "secondary") in members


def test_a_re_notice_reason_typed_with_a_full_stop_is_said_without_it_inside_the_brackets():
    # '（重新告知理由：法律依据更正：适用条款更正为第一百零八条。）。' in the notice served
    for typed in ("适用条款更正为第一百零八条。", "适用条款更正为第一百零八条.",
                  "适用条款更正为第一百零八条"):
        assert renotice.said({"reason": "basis_corrected", "note": typed}) == (
            "法律依据更正：适用条款更正为第一百零八条"), typed
