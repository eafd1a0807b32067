"""The 行政处罚事先(听证)告知书 states, act by act, the penalty the bureau intends and its basis,
and which acts it will not penalise and why (处罚法 第44条); the rules' open choice ("由执法机关
裁量") is never printed on a served document; the 听证通知书 states the hearing's place (pure)."""

from __future__ import annotations

from server.cases import forms

MAY = "初次违法且危害后果轻微并及时改正，可以不予行政处罚（由执法机关裁量）"
DUST = {"occurred_on": "2021-06-01", "title": "易产生扬尘的物料未密闭", "code": "AIR_DUST",
        "description": "现场发现", "act": 1, "outcome": "fine", "basis": "大气法 第117条",
        "explanation": "依 大气法 第117条 罚款 20,000元", "waiver_basis": [],
        "limitation_basis": None}
VOC = {**DUST, "title": "挥发性有机物废气未密闭", "code": "AIR_VOC", "act": 2,
       "basis": "大气法 第108条", "explanation": "依 大气法 第108条 罚款 40,000元"}
EXCEED = {**DUST, "title": "超标排放大气污染物", "code": "AIR_EXCEED", "act": 3,
          "outcome": "may_waive", "basis": None, "explanation": MAY,
          "waiver_basis": ["处罚法 第33条第1款"]}
ACTS = [{"act": 1, "amount_fen": 2_000_000, "basis": "大气法 第117条"},
        {"act": 2, "amount_fen": 4_000_000, "basis": "大气法 第108条"},
        {"act": 3, "amount_fen": None, "basis": None}]


def _data(notified: dict, intended_fen: int = 5_500_000, **steps) -> dict:
    return {"party": {"name": "上海测试化工有限公司", "credit_code": "91310115MA0QETA77P",
                      "address": "上海市浦东新区陈海路31号"},
            "authority": "上海市浦东新区生态环境局", "violations": [DUST, VOC, EXCEED],
            "evidence": [], "explanation": f"依 大气法 第117条 罚款 20,000元；{MAY}",
            "waiver_basis": "处罚法 第33条第1款", "hearing_offered": True,
            "case": {"filing_number": "沪0115环立〔2021〕1号", "decision_number": None,
                     "decided_on": None, "intended_fen": intended_fen, "fine_fen": None,
                     "notice_on": "2021-06-07", "acts": ACTS,
                     "steps": {"notified": notified, **steps}}}


NOTICED = {"act_fines": [{"act": 1, "fine_fen": 1_500_000}, {"act": 2, "fine_fen": 4_000_000}]}


def _text(doc) -> str:
    return "\n".join(doc.paragraphs)


def test_the_notice_states_each_acts_intended_fine_and_its_basis():
    text = _text(forms.notice(_data(NOTICED)))
    assert "“易产生扬尘的物料未密闭”的违法行为，依据《中华人民共和国大气污染防治法》" \
        "第一百一十七条，拟罚款15,000.00元" in text, text
    assert "“挥发性有机物废气未密闭”的违法行为，依据《中华人民共和国大气污染防治法》" \
        "第一百零八条，拟罚款40,000.00元" in text, text
    assert "我局拟对你单位作出罚款55,000.00元的行政处罚" in text, text


def test_the_notice_says_which_act_is_not_to_be_penalised_and_on_which_ground():
    text = _text(forms.notice(_data(NOTICED)))
    assert "2021年6月1日“超标排放大气污染物”的违法行为，拟不予行政处罚。依据：《中华人民共和国" \
        "行政处罚法》第三十三条第一款。理由：初次违法且危害后果轻微并及时改正。" in text, text
    assert "由执法机关裁量" not in text and "可以不予行政处罚" not in text, text
    assert "第九十九条" not in text  # the act not fined is not a basis of the fine


def test_the_notice_cites_an_act_the_rules_only_may_fine_once_the_bureau_intends_to():
    noticed = {"act_fines": [*NOTICED["act_fines"], {"act": 3, "fine_fen": 10_000_000}]}
    text = _text(forms.notice(_data(noticed, 15_500_000) | {
        "violations": [DUST, VOC, {**EXCEED, "basis": "大气法 第99条"}]}))
    assert "“超标排放大气污染物”的违法行为，依据《中华人民共和国大气污染防治法》第九十九条，" \
        "拟罚款100,000.00元" in text, text
    assert "不予行政处罚" not in text and "裁量" not in text, text


def test_a_notice_recorded_before_notices_named_each_acts_fine_prints_as_it_was_served():
    text = _text(forms.notice(_data({}, 6_000_000)))
    assert "依据《中华人民共和国大气污染防治法》第一百一十七条、《中华人民共和国大气污染防治法》" \
        "第一百零八条，我局拟对你单位作出罚款60,000.00元的行政处罚。" in text, text
    assert f"规则说明：依《中华人民共和国大气污染防治法》第一百一十七条罚款 20,000元；{MAY}" in text


def test_a_decision_gives_the_ground_of_an_act_it_does_not_fine_not_the_rules_open_choice():
    decided = {"act_fines": NOTICED["act_fines"]}
    data = _data(NOTICED, decided=decided)
    data["case"] |= {"fine_fen": 5_500_000, "decision_number": "沪0115环罚〔2021〕1号",
                     "decided_on": "2021-06-20"}
    text = _text(forms.decision(data))
    assert "“超标排放大气污染物”的违法行为，不予行政处罚。依据：《中华人民共和国行政处罚法》" \
        "第三十三条第一款。理由：初次违法且危害后果轻微并及时改正。" in text, text
    assert "裁量" not in text


def test_a_decision_not_to_penalise_a_first_offence_gives_its_ground_not_an_open_choice():
    data = _data({}) | {"violations": [EXCEED], "explanation": MAY}
    data["case"] |= {"decision_number": "沪0115环不罚〔2021〕1号", "decided_on": "2021-06-20",
                     "steps": {"not_penalised": {"reason": "", "education": {
                         "on": "2021-06-20", "method": "约谈", "content": "首违教育"}}}}
    text = _text(forms.not_penalised(data))
    assert "理由：初次违法且危害后果轻微并及时改正。\n我局决定对你单位不予行政处罚。" in text, text


def _heard(hearing: dict) -> dict:
    data = _data(NOTICED)
    data["case"]["steps"]["hearing"] = {"requested_on": "2021-06-08",
                                        "hearing_notice_on": "2021-06-08",
                                        "hearing_on": "2021-06-21",
                                        "chair": {"name": "李主持"}, **hearing}
    return data


def test_the_hearing_notice_record_and_report_state_the_hearings_place():
    data = _heard({"hearing_place": "浦东新区生态环境局三楼听证室"})
    notice = forms.FORMS["hearing_notice"][0](data)
    assert ("听证地点", "浦东新区生态环境局三楼听证室") in notice.rows
    assert "定于2021年6月21日在浦东新区生态环境局三楼听证室举行听证" in _text(notice), _text(notice)
    for form in ("hearing_record", "hearing_report"):
        assert ("听证地点", "浦东新区生态环境局三楼听证室") in forms.FORMS[form][0](data).rows


def test_a_hearing_recorded_before_its_place_was_leaves_the_place_to_be_filled_by_hand():
    notice = forms.FORMS["hearing_notice"][0](_heard({}))
    assert ("听证地点", "") in notice.rows
    assert "定于2021年6月21日举行听证，时间、地点及主持人见上表" in _text(notice)


def test_a_re_notice_to_an_individual_says_you_of_the_hearing_they_asked_and_names_no_unit():
    replaced = {"on": "2021-06-07", "intended_fen": 5_500_000, "hearing_offered": True,
                "hearing": {"requested_on": "2021-06-08", "hearing_on": "2021-06-20"}}
    notified = {**NOTICED, "earlier_notices": [replaced], "renotice": {
        "reason": "facts_corrected", "note": "排放时长更正", "replaces_notice_on": "2021-06-07"}}
    data = _data(notified)
    data["case"]["party_type"] = "individual"
    doc = forms.notice(data)
    text = _text(doc)
    assert "你于2021年6月8日提出的听证申请（原定于2021年6月20日举行）不再沿用" in text, text
    assert "你有权在收到本告知书之日起五个工作日内" in text and "你单位" not in text, text
    assert [label for label, _ in doc.rows] == ["当事人", "地址"]
    data["case"]["party_type"] = "organisation"
    organisation = forms.notice(data)
    assert "你单位于2021年6月8日提出的听证申请" in _text(organisation)
    assert [label for label, _ in organisation.rows] == [
        "当事人", "统一社会信用代码", "地址", "法定代表人/负责人"]
