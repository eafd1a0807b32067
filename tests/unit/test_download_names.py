"""Download names (Content-Disposition): what a clerk reads, and a fallback any client reads."""

from urllib.parse import quote

from server.disposition import attachment


def test_a_name_keeps_its_chinese_in_filename_star_and_falls_back_to_ascii() -> None:
    assert attachment("沪0115环立〔2026〕1号_测试公司行政处罚案卷.zip", "casefile_1.zip") == (
        "attachment; filename=\"casefile_1.zip\"; "
        f"filename*=UTF-8''{quote('沪0115环立〔2026〕1号_测试公司行政处罚案卷.zip')}")


def test_characters_a_saved_file_may_not_hold_become_underscores() -> None:
    value = attachment('上海A/B"公司:案卷?.zip', 'case"1\\案.zip')
    assert value == ("attachment; filename=\"case_1__.zip\"; "
                     f"filename*=UTF-8''{quote('上海A_B_公司_案卷_.zip')}")
