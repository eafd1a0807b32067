"""The 责令改正违法行为决定书 orders every act of the case corrected, each on its provision, the
acts spared a fine included (an act not penalised is still corrected), with the correction
deadline a waiver decision carries (pure)."""

from __future__ import annotations

from server.cases import forms

DUST = {"occurred_on": "2021-06-01", "title": "易产生扬尘的物料未密闭", "code": "AIR_DUST",
        "description": "现场发现", "act": 1, "outcome": "fine", "basis": "大气法 第117条",
        "explanation": "依 大气法 第117条 罚款 20,000元", "waiver_basis": [],
        "limitation_basis": None, "correction_deadline": None}
WAIVED = "符合《上海市生态环境领域轻微违法行为免罚清单（2020年版）》第5项的全部条件，" \
         "不予行政处罚；应当对当事人进行教育"
VOC = {**DUST, "title": "挥发性有机物废气未密闭", "code": "AIR_VOC", "act": 2,
       "outcome": "waived", "basis": "大气法 第108条", "explanation": WAIVED,
       "waiver_basis": ["处罚法 第33条第1款", "大气法 第108条第1项"]}
DUST_ACT = "《中华人民共和国大气污染防治法》第一百一十七条"
VOC_ACT = "《中华人民共和国大气污染防治法》第一百零八条"


def _data(*violations: dict, steps: dict | None = None, fined: list | None = None) -> dict:
    acts = [{"act": v["act"], "amount_fen": None,
             "basis": v["basis"] if v["outcome"] == "fine" else None} for v in violations]
    return {"party": {"name": "上海测试化工有限公司", "credit_code": "91310115MA0QETA77P",
                      "address": "上海市浦东新区陈海路31号"},
            "authority": "上海市浦东新区生态环境局", "violations": list(violations),
            "case": {"filing_number": "沪0115环立〔2021〕1号", "acts": acts,
                     "steps": steps if steps is not None else
                     {"decided": {"act_fines": fined or []}}}}


def _text(data: dict) -> str:
    return "\n".join(forms.correction_order(data).paragraphs)


def test_the_order_cites_the_basis_of_a_fined_act_and_of_an_act_spared_under_the_waiver_list():
    text = _text(_data(DUST, VOC, fined=[{"act": 1, "fine_fen": 2_000_000}]))
    assert f"“易产生扬尘的物料未密闭”的违法行为，依据{DUST_ACT}，责令立即改正。" in text, text
    assert f"“挥发性有机物废气未密闭”的违法行为，依据{VOC_ACT}，责令立即改正。" in text, text
    assert "2021年6月1日“挥发性有机物废气未密闭”的违法行为，不予行政处罚，但仍责令改正。" \
        "依据：《中华人民共和国行政处罚法》第三十三条第一款、《中华人民共和国大气污染防治法》" \
        f"第一百零八条第一项。理由：{WAIVED}。" in text, text
    assert "易产生扬尘的物料未密闭”的违法行为，不予行政处罚" not in text, text


def test_the_order_gives_the_correction_deadline_of_the_waiver_decision():
    pending = {**DUST, "outcome": "pending_correction", "correction_deadline": "2021-06-08"}
    text = _text(_data(pending, steps={}))
    assert f"依据{DUST_ACT}，现责令你单位于2021年6月8日（含当日）之前改正上述违法行为。" \
        in text, text
    text = _text(_data({**VOC, "correction_deadline": "2021-06-08"}, DUST, steps={}))
    assert f"“挥发性有机物废气未密闭”的违法行为，依据{VOC_ACT}，" \
        "责令于2021年6月8日（含当日）之前改正。" in text, text
    assert f"“易产生扬尘的物料未密闭”的违法行为，依据{DUST_ACT}，责令立即改正。" in text, text


def test_a_deadline_the_waiver_did_not_apply_is_not_the_orders():
    missed = {**DUST, "outcome": "fine", "correction_deadline": "2021-06-08"}
    text = _text(_data(missed, fined=[{"act": 1, "fine_fen": 2_000_000}]))
    assert f"依据{DUST_ACT}，现责令你单位立即改正上述违法行为。" in text, text
    assert "2021年6月8日" not in text, text


def test_a_case_not_penalised_orders_its_acts_corrected_and_says_none_is_fined():
    may = {**DUST, "outcome": "may_waive", "waiver_basis": ["处罚法 第33条第1款"],
           "explanation": "初次违法且危害后果轻微并及时改正，可以不予行政处罚（由执法机关裁量）"}
    text = _text(_data(may, steps={"not_penalised": {"reason": "首次违法"}}))
    assert f"依据{DUST_ACT}，现责令你单位立即改正上述违法行为。" in text, text
    assert "“易产生扬尘的物料未密闭”的违法行为，不予行政处罚，但仍责令改正。依据：" \
        "《中华人民共和国行政处罚法》第三十三条第一款。理由：初次违法且危害后果轻微并及时改正。" \
        in text, text
    assert "裁量" not in text, text


def test_a_single_act_not_penalised_is_said_without_the_among_of_several_acts():
    may = {**DUST, "outcome": "may_waive", "waiver_basis": ["处罚法 第33条第1款"],
           "explanation": "初次违法且危害后果轻微并及时改正，可以不予行政处罚（由执法机关裁量）"}
    text = _text(_data(may, steps={"not_penalised": {"reason": "首次违法"}}))
    assert "其中" not in text, text
    assert "\n2021年6月1日“易产生扬尘的物料未密闭”的违法行为，不予行政处罚，但仍责令改正。" \
        in text, text
    # one act of two provisions (处罚法 第29条): still one act, each provision on its line
    text = _text(_data(VOC, {**VOC, "code": "AIR_VOC_2", "title": "废气收集设施未运行"},
                       steps={"not_penalised": {"reason": "免罚清单"}}))
    assert "其中" not in text, text
    assert "\n2021年6月1日“废气收集设施未运行”的违法行为，不予行政处罚，但仍责令改正。" \
        in text, text


def test_an_act_spared_among_several_is_introduced_as_one_of_them():
    text = _text(_data(DUST, VOC, fined=[{"act": 1, "fine_fen": 2_000_000}]))
    assert "\n其中，2021年6月1日“挥发性有机物废气未密闭”的违法行为，不予行政处罚，" \
        "但仍责令改正。" in text, text
