"""The notice, the decision, the 不予行政处罚决定书 and the correction order name, act by act, the
provisions each act violated as its violations' stored decisions give them (处罚法 第44条: the
notice states the facts, reasons and basis), marking those the rule data has from unconfirmed
text; an act whose decisions name none keeps the general wording, nothing is invented
(pure)."""

from __future__ import annotations

from datetime import date

from server.cases import forms
from server.rules import Base, EvaluationInput, evaluate, load_rule_book
from server.rules.violated import violated_provisions

BOOK = load_rule_book()
EIA = "《中华人民共和国环境影响评价法》"
EIA_22 = f"{EIA}第二十二条第一款、{EIA}第二十五条"
EIA_24 = f"{EIA}第二十四条第一款（未经官方文本核实）"
GENERAL = "上述行为违反了有关生态环境法律法规"


def _violated(code: str, older: bool = False, **fields) -> list[dict]:
    """What the documents read of a violation's stored decision (older: stored before the
    answers named the violated articles)."""
    stored = evaluate(EvaluationInput(violation_code=code, occurred_on=date(2023, 3, 1),
                                      base=Base(investment_fen=500_000_000), **fields),
                      BOOK).to_dict("zh")
    if older:
        del stored["waiver"]["violated_articles"], stored["penalty"]["violated_articles"]
    return [{"article": p.article, "verified": p.verified}
            for p in violated_provisions(BOOK, stored, code)]


def _act(act: int, code: str, title: str, basis: str, violated: list | None) -> dict:
    found = {"occurred_on": "2023-03-01", "title": title, "code": code, "description": "现场发现",
             "act": act, "outcome": "fine", "basis": basis, "explanation": f"依 {basis} 罚款",
             "waiver_basis": [], "limitation_basis": None, "correction_deadline": None}
    return found if violated is None else {**found, "violated": violated}


def _data(*violations: dict) -> dict:
    fines = [{"act": v["act"], "fine_fen": 1_000_000} for v in violations]
    return {"party": {"name": "上海测试化工有限公司", "credit_code": "91310115MA0QETA77P",
                      "address": "上海市浦东新区陈海路31号"},
            "authority": "上海市浦东新区生态环境局", "violations": list(violations),
            "evidence": [], "explanation": "—", "waiver_basis": "—", "hearing_offered": False,
            "statements": [],
            "case": {"filing_number": "沪0115环立〔2023〕1号",
                     "decision_number": "沪0115环罚〔2023〕1号",
                     "decided_on": "2023-03-20", "notice_on": "2023-03-10",
                     "intended_fen": 1_000_000 * len(fines), "fine_fen": 1_000_000 * len(fines),
                     "acts": [{"act": v["act"], "amount_fen": 1_000_000, "basis": v["basis"]}
                              for v in violations],
                     "steps": {"notified": {"act_fines": fines}, "decided": {"act_fines": fines}}}}


def _texts(data: dict) -> dict[str, str]:
    return {form: "\n".join(getattr(forms, form)(data).paragraphs)
            for form in ("notice", "decision", "correction_order", "not_penalised")}


UNAPPROVED = ("EIA_UNAPPROVED", "未批先建", "环评法 第31条第1款")
MAJOR = ("EIA_MAJOR_CHANGE", "重大变动未重新报批", "环评法 第31条第1款")
DUST = ("AIR_DUST", "易产生扬尘的物料未密闭", "大气法 第117条")


def test_a_single_act_is_said_to_violate_the_provisions_its_decision_names():
    texts = _texts(_data(_act(1, *UNAPPROVED, _violated("EIA_UNAPPROVED"))))
    for form in ("notice", "decision"):
        assert f"上述行为违反了{EIA_22}的规定。" in texts[form], texts[form]
    order = texts["correction_order"]
    assert f"上述行为违反了{EIA_22}的规定，依据{EIA}第三十一条第一款，" \
        "现责令你单位立即改正上述违法行为。" in order, order
    assert "未经" not in "".join(texts.values()) and "有关生态环境法律法规" not in order


def test_several_acts_each_name_their_own_provisions_the_unverified_marked():
    texts = _texts(_data(_act(1, *UNAPPROVED, _violated("EIA_UNAPPROVED")),
                         _act(2, *MAJOR, _violated("EIA_MAJOR_CHANGE"))))
    for form in ("notice", "decision", "not_penalised"):
        assert f"“未批先建”的违法行为违反了{EIA_22}的规定。" in texts[form], texts[form]
        assert f"“重大变动未重新报批”的违法行为违反了{EIA_24}的规定。" in texts[form], texts[form]
    order = texts["correction_order"]
    assert "现责令你单位改正下列违法行为：" in order and GENERAL not in order, order
    assert f"“重大变动未重新报批”的违法行为，违反了{EIA_24}的规定，依据{EIA}" \
        "第三十一条第一款，责令立即改正。" in order, order


def test_an_act_whose_decision_names_no_provision_keeps_the_general_wording():
    texts = _texts(_data(_act(1, *MAJOR, _violated("EIA_MAJOR_CHANGE")),
                         _act(2, *DUST, _violated("AIR_DUST"))))
    assert _violated("AIR_DUST") == []  # LAW.md: the article is not yet known
    order = texts["correction_order"]
    assert f"{GENERAL}，现责令你单位改正下列违法行为：" in order, order
    assert "“易产生扬尘的物料未密闭”的违法行为，依据《中华人民共和国大气污染防治法》" \
        "第一百一十七条，责令立即改正。" in order, order
    for form in ("notice", "decision", "not_penalised"):
        assert f"“重大变动未重新报批”的违法行为违反了{EIA_24}的规定。" in texts[form], texts[form]
        assert "扬尘的物料未密闭”的违法行为违反" not in texts[form], texts[form]


def test_an_older_decision_without_the_provisions_names_those_of_the_rule_sets_it_cites():
    older = _violated("EIA_UNAPPROVED", older=True, waiver_item=2)
    assert older == _violated("EIA_UNAPPROVED", waiver_item=2) != []
    texts = _texts(_data(_act(1, *UNAPPROVED, older)))
    for form in ("notice", "decision"):
        assert f"上述行为违反了{EIA_24}的规定。" in texts[form], texts[form]


def test_a_case_read_without_any_provision_says_what_it_said_before():
    texts = _texts(_data(_act(1, *DUST, None)))
    assert f"{GENERAL}，依据《中华人民共和国大气污染防治法》第一百一十七条，" \
        "现责令你单位立即改正上述违法行为。" in texts["correction_order"]
    for form in ("notice", "decision", "not_penalised"):
        assert "违反了" not in texts[form], texts[form]
