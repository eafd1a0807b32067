"""PURE: the hearing's standard documents (听证通知书, 听证笔录, 听证报告) filled from the case.

They state only what the case holds: the request, the notice date, the hearing day, place and
chair (the hearing step), the notified penalty, and the hearing record given with the decision.
What the product does not record (the hour, the other participants, what was said, the chair's
opinion; the place of a hearing recorded before the step asked for it) is left blank for hand
completion.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.cases.doc import Doc, day_text, facts_text, party_rows, yuan_text

BLANK_HOUR = "　时　分"


def heard(data: Mapping[str, Any]) -> bool:
    """Whether the case went to a hearing (its hearing step is recorded)."""
    return "hearing" in data["case"]["steps"]


def _hearing(data: Mapping[str, Any]) -> Mapping[str, Any]:
    return data["case"]["steps"].get("hearing") or {}


def _chair(data: Mapping[str, Any]) -> str:
    return (_hearing(data).get("chair") or {}).get("name") or ""


def _place(data: Mapping[str, Any]) -> str:
    """Where the hearing is held (处罚法 第64条第2项); blank for one recorded without it."""
    return _hearing(data).get("hearing_place") or ""


def _intended(data: Mapping[str, Any]) -> str:
    case = data["case"]
    return f"罚款{yuan_text(case['intended_fen'])}（{day_text(case['notice_on'])}告知）"


def _hearing_record(data: Mapping[str, Any]) -> str:
    """The hearing record given with the decision after the hearing, if decided yet."""
    return data["case"]["steps"].get("decided", {}).get("hearing_record") or ""


def hearing_notice(data: Mapping[str, Any]) -> Doc:
    """听证通知书: when and before whom the requested hearing is held (处罚法 第64条)."""
    case, step, place = data["case"], _hearing(data), _place(data)
    return Doc("hearing_notice", "听证通知书", case["filing_number"], rows=(
        *party_rows(data), ("听证时间", f"{day_text(step.get('hearing_on'))}{BLANK_HOUR}"),
        ("听证地点", place), ("听证主持人", _chair(data)), ("听证员", ""), ("记录人", ""),
        ("联系人及电话", "")), paragraphs=(
        f"{data['party']['name']}：",
        f"你单位于{day_text(step.get('requested_on'))}对我局{day_text(case['notice_on'])}告知的"
        f"拟对你单位罚款{yuan_text(case['intended_fen'])}的行政处罚提出听证申请。依据《中华人民共和国"
        f"行政处罚法》第六十四条，我局定于{day_text(step.get('hearing_on'))}"
        f"{f'在{place}' if place else ''}举行听证，时间、地点及主持人见上表。",
        "你单位认为主持人与本案有直接利害关系的，有权申请回避；可以亲自参加听证，也可以委托一至二人"
        "代理；无正当理由拒不出席听证或者未经许可中途退出听证的，视为放弃听证权利（《中华人民共和国行政处罚法》"
        "第六十四条第四项至第六项）。"),
        signatures=(data["authority"], day_text(step.get("hearing_notice_on"))),
        authority=data["authority"])


def hearing_record(data: Mapping[str, Any]) -> Doc:
    """听证笔录 (处罚法 第64条第8项): the hearing as the case records it, the rest blank."""
    step = _hearing(data)
    return Doc("hearing_record", "听证笔录", data["case"]["filing_number"], rows=(
        ("案由", facts_text(data)), *party_rows(data)[:2],
        ("听证时间", f"{day_text(step.get('hearing_on'))}{BLANK_HOUR}至{BLANK_HOUR}"),
        ("听证地点", _place(data)), ("听证主持人", _chair(data)), ("听证员", ""), ("记录人", ""),
        ("当事人出席人员及委托代理人", ""), ("案件调查人员", ""),
        ("拟作出的行政处罚", _intended(data)), ("当事人陈述、申辩和质证意见", ""),
        ("听证情况", _hearing_record(data))), paragraphs=(
        "本笔录交当事人或者其代理人核对无误后签字或者盖章；拒绝签字或者盖章的，由听证主持人在笔录中"
        "注明（《中华人民共和国行政处罚法》第六十四条第八项）。",),
        signatures=("听证主持人", "听证员", "记录人", "当事人或其代理人"),
        authority=data["authority"])


def hearing_report(data: Mapping[str, Any]) -> Doc:
    """听证报告 (副卷): the hearing's dates, chair and record, the chair's opinion blank."""
    step = _hearing(data)
    return Doc("hearing_report", "听证报告", data["case"]["filing_number"], rows=(
        ("案由", facts_text(data)), *party_rows(data)[:2],
        ("听证申请日期", day_text(step.get("requested_on"))),
        ("听证通知日期", day_text(step.get("hearing_notice_on"))),
        ("听证日期", day_text(step.get("hearing_on"))), ("听证地点", _place(data)),
        ("听证主持人", _chair(data)), ("听证员", ""), ("记录人", ""),
        ("拟作出的行政处罚", _intended(data)), ("听证情况", _hearing_record(data)),
        ("主持人意见及处理建议", "")),
        signatures=("听证主持人",), authority=data["authority"])
