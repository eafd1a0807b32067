"""A list page's query string edited by hand (a filter or page no form would send) is refused
as a 4xx page naming the filter by the label of the page's own input, in the user's language,
never by the query parameter's name, and never as a 500."""

from __future__ import annotations

import html
import re

import pytest

from tests.console.conftest import OWN

TOO_LONG = "长" * 101
# (role, page, parameter, value no form sends, the label the page's filter has in Chinese)
TAMPERED = [
    ("legal", "/console/cases", "due_within", "abc", "期限在几天内"),
    ("legal", "/console/cases", "due_within", "-1", "期限在几天内"),
    ("legal", "/console/cases", "state", "nonsense", "状态"),
    ("legal", "/console/cases", "enterprise_id", "not-a-uuid", "当事人"),
    ("legal", "/console/cases", "page", "abc", "页码"),
    ("legal", "/console/cases", "per_page", "0", "每页条数"),
    ("supervisor", "/console/enterprises", "name", TOO_LONG, "名称包含"),
    ("supervisor", "/console/enterprises", "district", "abc", "区"),
    ("supervisor", "/console/enterprises", "permit_class", "nonsense", "排污许可类别"),
    ("supervisor", "/console/enterprises", "industry", TOO_LONG, "行业"),
    ("supervisor", "/console/enterprises", "positive_list", "maybe", "正面清单"),
    ("supervisor", "/console/enterprises", "crs", "bd09", "坐标系"),
    ("supervisor", "/console/enterprises", "page", "0", "页码"),
    ("legal", "/console/violations", "district", "abc", "区"),
    ("legal", "/console/violations", "decision", "nonsense", "处罚决定"),
    ("legal", "/console/violations", "in_case", "maybe", "已立案"),
    ("legal", "/console/violations", "enterprise_id", "not-a-uuid", "当事人"),
    ("legal", "/console/violations", "page", "abc", "页码"),
    ("supervisor", "/console/reports", "from", "2021-13-01", "起始日期"),
    ("supervisor", "/console/reports", "to", "abc", "截止日期"),
    ("supervisor", "/console/reports", "district", "abc", "区"),
    ("supervisor", "/console/reports", "code", "x" * 41, "违法类型代码"),
    ("supervisor", "/console/reports.xlsx", "from", "abc", "起始日期"),
    ("supervisor", "/console/accounts", "name", TOO_LONG, "用户名或姓名包含"),
    ("supervisor", "/console/accounts", "district", "abc", "区"),
    ("supervisor", "/console/accounts", "role", "nonsense", "角色"),
    ("supervisor", "/console/accounts", "active", "maybe", "状态"),
    ("supervisor", "/console/accounts", "page", "abc", "页码"),
    ("supervisor", "/console/conflicts", "status", "nonsense", "状态"),
    ("supervisor", "/console/conflicts", "limit", "abc", "显示条数"),
]


def _listed(page: str) -> list[tuple[str, str]]:
    """The fields the error page lists, as it names them, and what it says of each."""
    errors = page.split('<ul class="errors">', 1)[1].split("</ul>", 1)[0]
    return re.findall(r"<li><strong>(.*?)</strong>(.*?)</li>", errors)


def _named(page: str) -> list[str]:
    return [name for name, _ in _listed(page)]


@pytest.mark.parametrize(("role", "path", "parameter", "value", "label"), TAMPERED,
                         ids=[f"{t[1]}?{t[2]}={t[3][:12] if t[3].isascii() else 'long'}"
                              for t in TAMPERED])
def test_a_tampered_filter_is_refused_under_its_chinese_label_not_its_parameter_name(
        console, role, path, parameter, value, label):
    response = console(role, OWN).get(path, query_string={parameter: value})
    assert response.status_code == 422, response.status_code
    assert response.mimetype == "text/html"
    page = html.unescape(response.get_data(as_text=True))
    assert _named(page) == [label]
    assert parameter not in page.split('<ul class="errors">', 1)[1].split("</ul>", 1)[0]
    assert re.search(r"[\u4e00-\u9fff]", _listed(page)[0][1]), _listed(page)  # said in Chinese


@pytest.mark.parametrize(("query", "label"), [
    ({"from": "2021-06-01", "to": "2020-01-01"}, "截止日期"),  # the period ends before it starts
    ({"from": "1900-01-01"}, "起始日期"),  # longer than the reports allow
])
def test_a_period_the_reports_refuse_after_reading_it_names_its_dates_by_their_labels(
        console, query, label):
    for path in ("/console/reports", "/console/reports.xlsx"):
        response = console("supervisor", OWN).get(path, query_string=query)
        assert response.status_code == 422
        assert _named(html.unescape(response.get_data(as_text=True))) == [label]


def test_the_same_refusal_in_english_names_the_english_label(console):
    session = console("legal", OWN)
    assert session.post("/console/language", data={"lang": "en"}).status_code == 303
    page = html.unescape(session.get("/console/cases?due_within=abc").get_data(as_text=True))
    assert _named(page) == ["Deadline within (days)"]


@pytest.mark.parametrize("role, path", sorted({(t[0], t[1]) for t in TAMPERED}))
def test_a_parameter_the_page_does_not_read_is_ignored_like_a_trackers(console, role, path):
    response = console(role, OWN).get(path, query_string={"utm_source": "mail", "foo": "1"})
    assert response.status_code == 200, response.status_code
