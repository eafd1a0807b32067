"""Typed text set into a case document: its closing full stop is the document's to write,
once, while the marks that belong to the words typed stay (pure)."""

from __future__ import annotations

import pytest

from server.cases.doc import clause, sentence


@pytest.mark.parametrize("typed, said", [
    ("已整改。", "已整改"), ("已整改.", "已整改"), ("浓度为120mg/m3.", "浓度为120mg/m3"),
    ("检出VOCs.", "检出VOCs"), ("委托上海绿源 Co., Ltd.", "委托上海绿源 Co., Ltd."),
    ("见附件 etc.", "见附件 etc."), ("我们一直在整改...", "我们一直在整改..."),
    ("张三称：“已关闭。”", "张三称：“已关闭。”"), ("已整改；", "已整改"), ("已整改 .", "已整改"),
])
def test_clause_drops_the_closing_stop_but_not_an_abbreviation_dot(typed, said):
    assert clause(typed) == said


@pytest.mark.parametrize("typed, said", [
    ("已整改", "已整改。"), ("已整改。", "已整改。"), ("何来违法？", "何来违法？"),
    ("委托上海绿源 Co., Ltd.", "委托上海绿源 Co., Ltd.。"),
    ("张三称：“已关闭。”", "张三称：“已关闭。”"), ("张三称：“已关闭？”", "张三称：“已关闭？”"),
    ("（见照片1。）", "（见照片1。）"), ("张三称“已关闭”", "张三称“已关闭”。"),
    ("他说：'OK.'", "他说：'OK.'"),
])
def test_sentence_ends_once_also_after_a_closing_quote(typed, said):
    assert sentence(typed) == said


@pytest.mark.parametrize("typed, said", [
    ("委托上海绿源环保科技有限公司（Shanghai Lvyuan Co., Ltd.）",
     "委托上海绿源环保科技有限公司（Shanghai Lvyuan Co., Ltd.）。"),
    ("委托“绿源 Co., Ltd.”", "委托“绿源 Co., Ltd.”。"),
])
def test_an_abbreviation_dot_inside_a_closing_bracket_does_not_end_the_sentence(typed, said):
    assert sentence(typed) == said


@pytest.mark.parametrize("typed, said", [("当事人答复：No.", "当事人答复：No。"),
                                         ("他的回答是 no.", "他的回答是 no。")])
def test_a_closing_no_is_the_word_not_an_abbreviation(typed, said):
    assert sentence(typed) == said


@pytest.mark.parametrize("typed, said", [
    ("委托美国苹果Inc.", "委托美国苹果Inc."), ("废水、废气etc.", "废水、废气etc."),
    ("“Inc.”", "“Inc.”"), ("委托Taco.", "委托Taco"),
])
def test_an_abbreviation_typed_against_chinese_keeps_its_dot(typed, said):
    assert clause(typed) == said
