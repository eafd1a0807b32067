"""The internal approval forms (立案审批表, 结案审批表) state the periods not counted in the
decision deadline (处罚法 第60条: testing, appraisal and suspension time excluded), an open one
as not ended yet, so the approver sees why the deadline moved; the 立案审批表, signed on the
filing day, only those begun by then, as they stood that day (pure)."""

from __future__ import annotations

from server.cases import forms
from tests.unit.test_correction_order import DUST

LABEL = "不计入办案期限的期间"


def _data(*periods: dict) -> dict:
    return {"party": {"name": "上海测试化工有限公司", "credit_code": "91310115MA0QETA77P",
                      "address": "上海市浦东新区陈海路31号"},
            "authority": "上海市浦东新区生态环境局", "violations": [DUST],
            "explanation": DUST["explanation"], "officer_names": "张三（沪环执00001）",
            "case": {"filing_number": "沪0115环立〔2021〕1号",
                     "decision_number": "沪0115环罚〔2021〕1号",
                     "discovered_on": "2021-06-01", "filed_on": "2021-06-03",
                     "fine_fen": 2_000_000, "paid_on": None, "closed_on": "2021-10-01",
                     "acts": [{"act": 1, "amount_fen": None, "basis": "大气法 第117条"}],
                     "steps": {}, "suspensions": list(periods)}}


def _period(kind: str, start: str, end: str | None) -> dict:
    return {"kind": kind, "start": start, "end": end, "reason": "送检"}


def _rows(form: str, data: dict) -> dict[str, str]:
    return dict(forms.FORMS[form][0](data).rows)


def test_an_approval_made_while_a_period_is_open_states_it_as_not_ended_yet():
    rows = _rows("closing_approval", _data(_period("testing", "2021-06-10", "2021-06-20"),
                                           _period("suspension", "2021-07-01", None)))
    assert rows[LABEL] == "检测：2021年6月10日至2021年6月20日；中止：自2021年7月1日起，尚未结束"
    assert list(rows).index(LABEL) < list(rows).index("审批意见")


def test_the_filing_approval_states_only_the_periods_begun_by_the_filing_day_as_they_stood():
    # It listed every period of the case: a form signed on the filing day (2021-06-03) said
    # what was recorded weeks later.
    data = _data(_period("testing", "2021-06-03", "2021-06-20"),
                 _period("appraisal", "2021-06-25", "2021-06-28"))
    rows = _rows("filing_approval", data)
    assert rows[LABEL] == "检测：自2021年6月3日起，尚未结束"  # its end came after the signing
    assert list(rows).index(LABEL) < list(rows).index("审批意见")
    assert _rows("closing_approval", data)[LABEL] == \
        "检测：2021年6月3日至2021年6月20日；鉴定：2021年6月25日至2021年6月28日"
    same_day = _data(_period("testing", "2021-06-03", "2021-06-03"))
    assert _rows("filing_approval", same_day)[LABEL] == "检测：2021年6月3日至2021年6月3日"
    assert LABEL not in _rows("filing_approval", _data(_period("suspension", "2021-06-04",
                                                                None)))


def test_each_kind_of_period_is_named_as_the_case_page_names_it():
    data = _data(_period("appraisal", "2021-06-10", "2021-06-11"),
                 _period("testing", "2021-06-15", "2021-06-15"))
    assert _rows("closing_approval", data)[LABEL] == \
        "鉴定：2021年6月10日至2021年6月11日；检测：2021年6月15日至2021年6月15日"


def test_an_approval_without_periods_has_no_row_for_them():
    for form in ("filing_approval", "closing_approval"):
        assert LABEL not in _rows(form, _data()), form
