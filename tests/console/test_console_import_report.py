"""The import page's report says each refused row's errors in the console's language, each
field by its label, never the API's English or the file's column names."""

from __future__ import annotations

import io

import pytest

from tests.api.import_rows import bad_rows, registered
from tests.console.conftest import OWN


def _rows(page: str) -> dict[str, str]:
    """Each refused row's errors cell, by its line."""
    table = page.split('id="import-report"')[1].split("</table>")[0]
    found = {}
    for row in table.split("<tr>")[2:]:
        line = row.split('<td class="num">')[1].split("</td>")[0]
        found[line] = row.split("<ul>")[1].split("</ul>")[0]
    return found


@pytest.fixture
def report(console, world, site_in):
    """The import page after a file of refused rows, in the given language."""
    def imported(language: str = "zh") -> tuple[int, str]:
        session = console("supervisor", OWN)
        if language != "zh":
            session.post("/console/language", data={"lang": language})
        for data in (registered(site_in), bad_rows(site_in)):
            response = session.post("/console/enterprises/import", data={
                "file": (io.BytesIO(data), "units.csv"), "mode": "all_or_nothing"},
                content_type="multipart/form-data")
        return response.status_code, response.get_data(as_text=True)
    return imported


CHINESE = {
    "3": ["统一社会信用代码", "与本文件第2行重复"],
    "4": ["第18位含小写字母；请用大写字母填写",
          "含有统一社会信用代码不允许的字符：第17位的“I”"],
    "5": ["第1位（登记管理部门代码）为“B”，应为以下之一：1、2、3",
          "第3-8位（登记管理机关行政区划码）须为6位数字，实为“31A115”",
          "第18位（校验码）为“Y”，应为“6”"],
    "7": ["统一社会信用代码须为18位，实为3位"],
    "8": ["区", f"不在您的管辖范围（{OWN}）内"],
    "10": ["场地范围既不是GeoJSON也不是WKT"],
    "11": ["场地范围不是有效的GeoJSON", "属性名必须用双引号括起来"],
    "12": [f"场地位于区{OWN}以外（100.0%的面积在区外）"],
    "13": ["场地面积1平方米不在合理范围20–50,000,000平方米内"],
    "14": ["每个环至少需要4个坐标点"],
    "15": ["正面清单", "只有持证单位（重点管理、简化管理）可以列入正面清单",
           "结束日期早于开始日期"],
    "16": ["正面清单有效期最长3年（最后一日为2026年12月31日）"],
    "17": ["列入正面清单的单位须填写有效期起止日期"],
    "18": ["名称", "必填。", "联系电话", "只能含数字、空格和+ - ( )，最多20个字符", "排污许可类别"],
    "19": ["该行的值多于列数"],
    "20": ["已登记"],
}


def test_refused_rows_are_said_in_chinese(report):
    status, page = report()
    assert status == 422
    rows = _rows(page)
    missing = {line: [text for text in texts if text not in rows[line]]
               for line, texts in CHINESE.items()}
    assert {line: texts for line, texts in missing.items() if texts} == {}


ENGLISH = ["duplicate of line", "lowercase", "not allowed in a credit code",
           "registration authority", "check character", "characters long",
           "outside your scope", "GeoJSON nor WKT", "not valid GeoJSON", "lies outside",
           "plausible range", "at least 4 positions", "only permit holders",
           "ends before it starts", "valid for at most", "validity dates", "Missing data",
           "digits, spaces", "Must be one of", "more values than columns", "already registered",
           "<strong>credit_code</strong>", "<strong>site</strong>", "<strong>_row</strong>",
           "contacts", "Expecting property name"]


def test_no_row_error_is_left_in_english(report):
    cells = "".join(_rows(report()[1]).values())
    assert [english for english in ENGLISH if english in cells] == []


def test_the_same_rows_read_in_english_on_an_english_page(report):
    _, page = report("en")
    rows = _rows(page)
    assert "duplicate of line 2 in this file" in rows["3"]
    assert "Credit code" in rows["3"]
    assert "the site area 1 m² is outside the plausible range 20–50,000,000 m²" in rows["13"]
