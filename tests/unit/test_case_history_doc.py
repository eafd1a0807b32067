"""The case file's 案件流转记录 (副卷) speaks Chinese and states money in yuan (pure)."""

from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace

from server.cases import history_doc


def _event(seq: int, event: str, before: str | None, after: str, **details: object):
    return SimpleNamespace(seq=seq, on=date(2026, 11, 30), event=event, from_state=before,
                           to_state=after, details=details)


EVENTS = [
    _event(1, "filed", None, "filed", filing_number="沪0115环立〔2026〕1号"),
    _event(2, "transition", "filed", "investigating"),
    _event(3, "violation_redecided", "investigating", "investigating"),
    _event(4, "inquiry", "investigating", "investigating", interviewee="王经理", questions=3,
           signature="refused"),
    _event(5, "extension", "investigating", "investigating", approval="collective", days=30),
    _event(6, "suspension", "investigating", "investigating", kind="testing",
           start="2026-12-01", end="2026-12-05"),
    _event(7, "transition", "legal_review", "notified", review_opinion="同意"),
    _event(8, "statement", "notified", "notified", received_on="2026-12-02", adopted=False),
    _event(9, "transition", "notified", "hearing", chair={"name": "赵磊", "user_id": None},
           hearing_place="浦东新区生态环境局三楼听证室"),
    _event(10, "transition", "served", "paid", amount_fen=20000000, surcharge_fen=0),
    _event(11, "transition", "paid", "closed"),
    _event(12, "daily_penalty", "decided", "decided", original_fine_fen=5000000, total_days=12,
           amount_fen=60000000),
]


def _rows() -> list[tuple[str, str]]:
    case = SimpleNamespace(filing_number="沪0115环立〔2026〕1号")
    return list(history_doc.history(case, EVENTS, "上海市浦东新区生态环境局").rows)


def test_the_case_history_names_steps_and_states_in_chinese_not_as_the_api_codes():
    text = "\n".join(value for _, value in _rows())
    assert re.search(r"[A-Za-z_]{3,}", text) is None, text
    assert "程序推进 已立案 → 调查取证" in text
    assert "违法行为重新判定" in text
    assert "审核意见：同意" in text
    assert "批准方式：集体讨论决定；延长天数：30日" in text
    assert "期间类型：检测；起始日期：2026年12月1日；截止日期：2026年12月5日" in text
    assert "被询问人：王经理；问答条数：3；签名：拒绝签名" in text
    assert "听证主持人：赵磊；听证地点：浦东新区生态环境局三楼听证室" in text


def test_the_case_history_states_a_payment_in_yuan_not_in_fen():
    paid = dict(_rows())["10. 2026年11月30日"]
    assert "缴款金额：200,000.00元" in paid
    assert "20000000" not in paid


def test_a_daily_penalty_is_recorded_with_its_days_and_amount_not_as_a_payment():
    daily = dict(_rows())["12. 2026年11月30日"]
    assert daily == ("按日连续处罚 已决定 → 已决定；原处罚决定罚款：50,000.00元；计罚日数：12日；"
                     "按日连续处罚金额：600,000.00元")


def test_an_open_suspension_and_its_end_are_two_steps_of_the_history():
    case = SimpleNamespace(filing_number="沪0115环立〔2026〕1号")
    rows = history_doc.history(case, [
        _event(1, "suspension", "investigating", "investigating", kind="suspension",
               start="2026-11-20", end=None),
        _event(2, "suspension_end", "investigating", "investigating", kind="suspension",
               start="2026-11-20", end="2026-11-30")], "上海市浦东新区生态环境局").rows
    opened, ended = (value for _, value in rows)
    assert opened.startswith("不计入办案期限的期间（中止） ")
    assert "起始日期：2026年11月20日" in opened
    assert "截止日期" not in opened
    assert ended.startswith("中止期间结束 ") and "截止日期：2026年11月30日" in ended


def test_a_reason_is_labelled_by_the_step_it_was_given_for():
    case = SimpleNamespace(filing_number="沪0115环立〔2026〕1号")
    steps = [_event(1, "extension", "investigating", "investigating", approval="approval",
                    days=30, reason="案情复杂"),
             _event(2, "suspension", "investigating", "investigating", kind="suspension",
                    start="2026-12-01", reason="当事人下落不明"),
             _event(3, "transition", "investigating", "not_penalised", reason="违法行为轻微")]
    rows = [text for _, text in history_doc.history(case, steps, "局").rows]
    assert "延长理由：案情复杂" in rows[0] and "不予处罚理由" not in rows[0]
    assert "中止理由：当事人下落不明" in rows[1] and "不予处罚理由" not in rows[1]
    assert "不予处罚理由：违法行为轻微" in rows[2]


def test_a_testing_or_appraisal_period_is_named_by_its_kind_not_as_a_suspension():
    # Every excluded period was printed as 期限中止 with a 中止事由 and a 中止理由.
    case = SimpleNamespace(filing_number="沪0115环立〔2026〕1号")
    rows = [text for _, text in history_doc.history(case, [
        _event(1, "suspension", "investigating", "investigating", kind="testing",
               start="2026-12-01", end=None, reason="送检废水样品"),
        _event(2, "suspension_end", "investigating", "investigating", kind="testing",
               start="2026-12-01", end="2026-12-04", reason="检测报告已出具"),
        _event(3, "suspension", "investigating", "investigating", kind="appraisal",
               start="2026-12-05", end="2026-12-09", reason="委托损害鉴定")], "局").rows]
    assert rows[0].startswith("不计入办案期限的期间（检测） ")
    assert "期间类型：检测" in rows[0] and "检测理由：送检废水样品" in rows[0]
    assert rows[1].startswith("检测期间结束 ") and "检测结束理由：检测报告已出具" in rows[1]
    assert rows[2].startswith("不计入办案期限的期间（鉴定） ")
    assert "鉴定理由：委托损害鉴定" in rows[2]
    assert not [row for row in rows if "中止" in row]
