"""The decision's account of the party's statements, the hearing and the summary ends each
sentence once, whether or not the text typed ended with a full stop (pure)."""

from __future__ import annotations

from server.cases import forms
from tests.unit.test_decision_violated_provisions import _act, _data


def _decision(**decided) -> str:
    data = _data(_act(1, "AIR_VOC", "挥发性有机物", "大气法 第108条", None))
    data["case"]["steps"]["decided"] |= decided
    data["statements"] = [{"received_on": "2023-03-12", "made_by": "法定代表人张三",
                           "form": "written", "content": "已整改，请求从轻处罚。",
                           "adopted": "rejected", "reasoning": "整改不能免除责任。",
                           "notice": 1}]
    return "\n".join(forms.decision(data).paragraphs)


def test_a_statement_typed_with_a_full_stop_is_said_with_one():
    text = _decision()
    assert "已整改，请求从轻处罚。经复核，不予采纳，理由：整改不能免除责任。" in text
    assert "。。" not in text


def test_the_summary_of_statements_and_the_hearing_end_with_one_full_stop():
    text = _decision(statements="请求从轻处罚。", hearing_record="当事人未提出新的证据。")
    assert "你单位陈述、申辩意见：请求从轻处罚。" in text
    assert "听证意见：当事人未提出新的证据。" in text and "。。" not in text


def test_facts_typed_with_a_full_stop_are_joined_and_ended_once():
    data = _data(_act(1, "AIR_VOC", "挥发性有机物", "大气法 第108条", None),
                 _act(2, "AIR_DUST", "扬尘", "大气法 第117条", None))
    data["violations"][0]["description"] = "门窗敞开喷漆。"
    text = "\\n".join(forms.decision(data).paragraphs)
    assert "挥发性有机物：门窗敞开喷漆；2023年3月1日，扬尘：现场发现。" in text
    assert "。；" not in text and "。。" not in text


def test_a_statement_that_ends_with_a_question_or_exclamation_mark_keeps_it_and_no_full_stop():
    data = _data(_act(1, "AIR_VOC", "挥发性有机物", "大气法 第108条", None))
    data["case"]["steps"]["decided"] |= {"hearing_record": "当事人称设备已停用!"}
    data["statements"] = [{"received_on": "2023-03-12", "made_by": "法定代表人张三",
                           "form": "oral", "content": "门窗当天即已关闭，何来违法？",
                           "adopted": "rejected", "reasoning": "现场照片证明门窗敞开！",
                           "notice": 1}]
    text = "\n".join(forms.decision(data).paragraphs)
    assert "何来违法？经复核，不予采纳，理由：现场照片证明门窗敞开！" in text
    assert "听证意见：当事人称设备已停用!" in text
    for mark in "？！?!":
        assert f"{mark}。" not in text


def test_a_statement_that_trails_off_keeps_its_ellipsis_and_no_full_stop():
    for typed in ("我们一直在整改……", "我们一直在整改..."):
        data = _data(_act(1, "AIR_VOC", "挥发性有机物", "大气法 第108条", None))
        data["statements"] = [{"received_on": "2023-03-12", "made_by": "法定代表人张三",
                               "form": "oral", "content": typed, "adopted": "rejected",
                               "reasoning": "整改不能免除责任", "notice": 1}]
        text = "\n".join(forms.decision(data).paragraphs)
        assert f"口头陈述、申辩：{typed}经复核，不予采纳，理由：整改不能免除责任。" in text



def _answered(content: str, reasoning: str) -> str:
    """The decision's text when one oral statement was rejected with this reasoning."""
    data = _data(_act(1, "AIR_VOC", "挥发性有机物", "大气法 第108条", None))
    data["statements"] = [{"received_on": "2023-03-12", "made_by": "法定代表人张三",
                           "form": "oral", "content": content, "adopted": "rejected",
                           "reasoning": reasoning, "notice": 1}]
    return "\n".join(forms.decision(data).paragraphs)


def test_a_statement_ending_in_a_company_abbreviation_keeps_its_dot():
    text = _answered("废气由上海绿源环保 Co., Ltd.", "委托处理不能免除责任")
    assert "废气由上海绿源环保 Co., Ltd.。经复核" in text
    assert "Ltd。" not in text


def test_a_statement_quoted_to_its_full_stop_gets_no_second_one():
    text = _answered("张三称：“当天已关闭门窗。”", "现场照片证明门窗敞开")
    assert "张三称：“当天已关闭门窗。”经复核" in text
    assert "”。" not in text


def test_facts_quoted_to_their_own_full_stop_get_no_second_one():
    data = _data(_act(1, "AIR_VOC", "挥发性有机物", "大气法 第108条", None))
    data["violations"][0]["description"] = "现场负责人称：“废气未经处理直接排放。”"
    text = "\n".join(forms.decision(data).paragraphs)
    assert "挥发性有机物：现场负责人称：“废气未经处理直接排放。”\n" in text
    assert "”。" not in text


def test_the_education_of_an_act_not_fined_ends_its_content_before_the_article_once():
    for typed in ("讲解挥发性有机物密闭要求。", "讲解挥发性有机物密闭要求.",
                  "讲解挥发性有机物密闭要求;", "讲解挥发性有机物密闭要求 。 "):
        text = _decision(education={"on": "2023-03-20", "method": "约谈", "content": typed})
        assert ("以约谈方式进行教育：讲解挥发性有机物密闭要求（《中华人民共和国行政处罚法》"
                "第三十三条第三款）。") in text, typed


def test_the_ground_for_mitigation_ends_its_sentence_once():
    for typed in ("主动消除违法行为危害后果。", "主动消除违法行为危害后果.",
                  "主动消除违法行为危害后果"):
        text = _decision(mitigation=typed)
        assert ("依据《中华人民共和国行政处罚法》第三十二条，减轻处罚：主动消除违法行为危害后果。\n"
                in text + "\n"), typed
        assert "。。" not in text and ".。" not in text
