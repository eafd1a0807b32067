"""The 不予行政处罚决定书's sentences: the rules' reason ends its sentence, and the bureau's
own reason reads as the reason of its decision, not as a fragment after it (pure)."""

from __future__ import annotations

from server.cases import forms

DATA = {"party": {"name": "上海大众环境服务股份有限公司", "credit_code": "91310115MA0QETA77P",
                  "address": "上海市浦东新区陈海路31号"},
        "authority": "上海市浦东新区生态环境局",
        "violations": [{"occurred_on": "2025-04-01", "title": "危险废物未设置识别标志",
                        "code": "HW_MGMT", "description": "危废仓库未设识别标志", "act": 1}],
        "waiver_basis": "处罚法 第33条第1款",
        "explanation": "符合免罚清单第6项的全部条件，不予行政处罚；应当对当事人进行教育",
        "case": {"decision_number": "沪0115环不罚〔2026〕1号", "decided_on": "2026-11-30",
                 "steps": {"not_penalised": {
                     "reason": "符合免罚清单第6项。",
                     "education": {"on": "2026-11-30", "method": "约谈",
                                   "content": "讲解危险废物识别标志设置要求"}}}}}


def _paragraphs(data=DATA) -> str:
    return "\n".join(forms.not_penalised(data).paragraphs)


def test_the_rules_reason_ends_its_sentence():
    ended = "理由：符合免罚清单第6项的全部条件，不予行政处罚；应当对当事人进行教育。\n"
    assert ended in _paragraphs()


def test_the_bureaus_reason_is_the_reason_of_its_decision():
    assert "\n我局决定对你单位不予行政处罚（符合免罚清单第6项）。\n" in _paragraphs()


def test_without_a_reason_of_its_own_the_decision_is_one_sentence():
    steps = {"not_penalised": {**DATA["case"]["steps"]["not_penalised"], "reason": ""}}
    data = {**DATA, "case": {**DATA["case"], "steps": steps}}
    assert "\n我局决定对你单位不予行政处罚。\n" in _paragraphs(data)


def test_the_education_given_is_said_with_one_closing_mark_whatever_was_typed():
    for typed, said in (("讲解识别标志设置要求。", "讲解识别标志设置要求。"),
                        ("讲解识别标志设置要求", "讲解识别标志设置要求。"),
                        ("当事人表示立即整改！", "当事人表示立即整改！")):
        education = {**DATA["case"]["steps"]["not_penalised"]["education"], "content": typed}
        steps = {"not_penalised": {**DATA["case"]["steps"]["not_penalised"],
                                   "education": education}}
        text = _paragraphs({**DATA, "case": {**DATA["case"], "steps": steps}})
        assert f"以约谈方式进行教育：{said}\n" in text


def test_the_bureaus_reason_typed_with_a_latin_stop_or_semicolon_keeps_none_inside_the_bracket():
    for typed in ("符合免罚清单第6项.", "符合免罚清单第6项;", "符合免罚清单第6项 。"):
        steps = {"not_penalised": {**DATA["case"]["steps"]["not_penalised"], "reason": typed}}
        text = _paragraphs({**DATA, "case": {**DATA["case"], "steps": steps}})
        assert "\n我局决定对你单位不予行政处罚（符合免罚清单第6项）。\n" in text, typed
