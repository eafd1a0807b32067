"""Citations in full, as a document served on a party cites the law (LAW.md's abbreviations)."""

from datetime import date

import pytest

from server.rules.continuing import DAILY_BASIS
from server.rules.text import chinese_number, cite_in_full


@pytest.mark.parametrize(("n", "text"), [
    (1, "一"), (10, "十"), (12, "十二"), (29, "二十九"), (100, "一百"), (105, "一百零五"),
    (108, "一百零八"), (110, "一百一十"), (117, "一百一十七"), (1010, "一千零一十")])
def test_article_numbers_are_chinese_numerals(n: int, text: str) -> None:
    assert chinese_number(n) == text


def test_a_basis_cites_each_law_by_its_full_title_and_article_in_chinese_numerals() -> None:
    assert cite_in_full("处罚法 第33条第1款、大气法 第108条第1项") == (
        "《中华人民共和国行政处罚法》第三十三条第一款、"
        "《中华人民共和国大气污染防治法》第一百零八条第一项")


@pytest.mark.parametrize(("short", "full"), [
    ("环保法 第59条", "《中华人民共和国环境保护法》第五十九条"),
    ("水法 第83条第2项", "《中华人民共和国水污染防治法》第八十三条第二项"),
    ("固废法 第112条", "《中华人民共和国固体废物污染环境防治法》第一百一十二条"),
    ("噪声法 第75条", "《中华人民共和国噪声污染防治法》第七十五条"),
    ("环评法 第31条第1款", "《中华人民共和国环境影响评价法》第三十一条第一款"),
    # a ministerial order and State Council regulations carry no 中华人民共和国
    ("办法 第45条", "《生态环境行政处罚办法》第四十五条"),
    ("条例 第23条第1款", "《建设项目环境保护管理条例》第二十三条第一款"),
    ("许可条例 第37条", "《排污许可管理条例》第三十七条")])
def test_each_abbreviation_of_law_md_has_its_full_title(short: str, full: str) -> None:
    assert cite_in_full(short) == full


def test_citations_inside_a_rules_text_run_on_without_the_spaces_that_set_them_apart() -> None:
    assert cite_in_full("依 大气法 第117条 罚款 20,000元") == \
        "依《中华人民共和国大气污染防治法》第一百一十七条罚款 20,000元"
    assert cite_in_full("可以按日连续处罚（大气法 第123条）") == \
        "可以按日连续处罚（《中华人民共和国大气污染防治法》第一百二十三条）"
    assert cite_in_full("《清单》第5项；第33条；—") == "《清单》第5项；第33条；—"  # no law named


def test_the_daily_penalty_order_is_cited_by_its_title_in_guillemets() -> None:
    assert cite_in_full("、".join(DAILY_BASIS)) == (
        "《中华人民共和国环境保护法》第五十九条、"
        "《环境保护主管部门实施按日连续处罚办法》（环境保护部令第28号）")
    already = "《环境保护主管部门实施按日连续处罚办法》"
    assert cite_in_full(already) == already
    inside = "《上海市生态环境行政处罚办法实施细则》"  # another title that holds one
    assert cite_in_full(inside) == inside


def test_a_discretion_table_is_named_by_its_title_in_chinese_and_by_its_id_in_english(
        case) -> None:
    result = case("AIR_EXCEED", date(2023, 3, 1), factors={"no_such_factor": 2})
    zh, en = result.to_dict("zh"), result.to_dict("en")
    assert "《生态环境违法行为通用裁量因素表》的权重未经核实" in zh["unverified"]
    assert "因素 no_such_factor 不属于《生态环境违法行为通用裁量因素表》，未采用" in zh["warnings"]
    assert not any("general" in text for text in zh["unverified"] + zh["warnings"])
    assert "weights of discretion table general are unverified" in en["unverified"]
    assert "factor no_such_factor is not in table general; ignored" in en["warnings"]
