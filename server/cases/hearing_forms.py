"""PURE: the hearing's standard documents (听证通知书, 听证笔录, 听证报告) filled from the case.

They state only what the case holds: the request, the notice date, the hearing day, place and
chair (the hearing step), the notified penalty, and the hearing record given with the decision.
What the product does not record (the hour, the other participants, what was said, the chair's
opinion; the place of a hearing recorded before the step asked for it) is left blank for hand
completion.

A hearing asked for under a notice a re-notice replaced (renotice.py) lapsed with it; its
documents stay in the case file beside that notice, each marked as belonging to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from server.cases import renotice
from server.cases.doc import Doc, day_text, facts_text, party_named, party_rows, you, yuan_text

BLANK_HOUR = "　时　分"


@dataclass(frozen=True, slots=True)
class Heard:
    """A hearing and the notice it was asked for under: the one in force, or an earlier one
    (`seq`: its number, 第n次告知; `replaced_on`: the re-notice's day)."""

    step: Mapping[str, Any]
    notice_on: Any
    intended_fen: int | None
    record: str = ""
    seq: int = 0
    replaced_on: Any = None


def heard(data: Mapping[str, Any]) -> bool:
    """Whether the case went to a hearing under the notice in force (its hearing step)."""
    return "hearing" in data["case"]["steps"]


def _current(data: Mapping[str, Any]) -> Heard:
    """The hearing under the notice in force, its record given with the decision if any."""
    case = data["case"]
    steps = case["steps"]
    return Heard(steps.get("hearing") or {}, case["notice_on"], case["intended_fen"],
                 steps.get("decided", {}).get("hearing_record") or "")


def lapsed(data: Mapping[str, Any]) -> list[Heard]:
    """The hearings asked for under the notices a re-notice replaced, oldest first."""
    return [Heard(old["hearing"], old.get("on"), old.get("intended_fen"), seq=seq,
                  replaced_on=by.get("on"))
            for seq, old, by in renotice.replaced(data["case"]["steps"])
            if old.get("hearing")]


def _chair(h: Heard) -> str:
    return (h.step.get("chair") or {}).get("name") or ""


def _place(h: Heard) -> str:
    """Where the hearing is held (处罚法 第64条第2项); blank for one recorded without it."""
    return h.step.get("hearing_place") or ""


def _intended(h: Heard) -> str:
    return f"罚款{yuan_text(h.intended_fen)}（{day_text(h.notice_on)}告知）"


def _marked(doc: Doc, h: Heard) -> Doc:
    """A lapsed hearing's document: titled, numbered and noted as the earlier notice's."""
    if not h.seq:
        return doc
    note = (f"本文书属第{h.seq}次告知（{day_text(h.notice_on)}）下申请的听证；该告知已于"
            f"{day_text(h.replaced_on)}重新告知取代，本次听证因重新告知不再沿用，拟作出的行政处罚"
            "以最后一次告知为准。")
    return Doc(doc.form, f"{doc.title}（第{h.seq}次告知，已因重新告知失效）",
               f"{doc.number} 第{h.seq}次告知", rows=doc.rows,
               paragraphs=(*doc.paragraphs, note), signatures=doc.signatures,
               authority=doc.authority, notes=doc.notes)


def _hearing_notice(data: Mapping[str, Any], h: Heard) -> Doc:
    case, step, place = data["case"], h.step, _place(h)
    return _marked(Doc("hearing_notice", "听证通知书", case["filing_number"], rows=(
        *party_rows(data), ("听证时间", f"{day_text(step.get('hearing_on'))}{BLANK_HOUR}"),
        ("听证地点", place), ("听证主持人", _chair(h)), ("听证员", ""), ("记录人", ""),
        ("联系人及电话", "")), paragraphs=(
        f"{data['party']['name']}：",
        f"{you(data)}于{day_text(step.get('requested_on'))}对我局{day_text(h.notice_on)}告知的"
        f"拟对{you(data)}罚款{yuan_text(h.intended_fen)}的行政处罚提出听证申请。依据《中华人民共和国"
        f"行政处罚法》第六十四条，我局定于{day_text(step.get('hearing_on'))}"
        f"{f'在{place}' if place else ''}举行听证，时间、地点及主持人见上表。",
        f"{you(data)}认为主持人与本案有直接利害关系的，有权申请回避；可以亲自参加听证，也可以委托一至二人"
        "代理；无正当理由拒不出席听证或者未经许可中途退出听证的，视为放弃听证权利（《中华人民共和国行政处罚法》"
        "第六十四条第四项至第六项）。"),
        signatures=(data["authority"], day_text(step.get("hearing_notice_on"))),
        authority=data["authority"]), h)


def _hearing_record(data: Mapping[str, Any], h: Heard) -> Doc:
    step = h.step
    return _marked(Doc("hearing_record", "听证笔录", data["case"]["filing_number"], rows=(
        ("案由", facts_text(data)), *party_named(data),
        ("听证时间", f"{day_text(step.get('hearing_on'))}{BLANK_HOUR}至{BLANK_HOUR}"),
        ("听证地点", _place(h)), ("听证主持人", _chair(h)), ("听证员", ""), ("记录人", ""),
        ("当事人出席人员及委托代理人", ""), ("案件调查人员", ""),
        ("拟作出的行政处罚", _intended(h)), ("当事人陈述、申辩和质证意见", ""),
        ("听证情况", h.record)), paragraphs=(
        "本笔录交当事人或者其代理人核对无误后签字或者盖章；拒绝签字或者盖章的，由听证主持人在笔录中"
        "注明（《中华人民共和国行政处罚法》第六十四条第八项）。",),
        signatures=("听证主持人", "听证员", "记录人", "当事人或其代理人"),
        authority=data["authority"]), h)


def _hearing_report(data: Mapping[str, Any], h: Heard) -> Doc:
    step = h.step
    return _marked(Doc("hearing_report", "听证报告", data["case"]["filing_number"], rows=(
        ("案由", facts_text(data)), *party_named(data),
        ("听证申请日期", day_text(step.get("requested_on"))),
        ("听证通知日期", day_text(step.get("hearing_notice_on"))),
        ("听证日期", day_text(step.get("hearing_on"))), ("听证地点", _place(h)),
        ("听证主持人", _chair(h)), ("听证员", ""), ("记录人", ""),
        ("拟作出的行政处罚", _intended(h)), ("听证情况", h.record),
        ("主持人意见及处理建议", "")),
        signatures=("听证主持人",), authority=data["authority"]), h)


def hearing_notice(data: Mapping[str, Any]) -> Doc:
    """听证通知书: when and before whom the requested hearing is held (处罚法 第64条)."""
    return _hearing_notice(data, _current(data))


def hearing_record(data: Mapping[str, Any]) -> Doc:
    """听证笔录 (处罚法 第64条第8项): the hearing as the case records it, the rest blank."""
    return _hearing_record(data, _current(data))


def hearing_report(data: Mapping[str, Any]) -> Doc:
    """听证报告 (副卷): the hearing's dates, chair and record, the chair's opinion blank."""
    return _hearing_report(data, _current(data))


def lapsed_main(data: Mapping[str, Any], seq: int) -> list[Doc]:
    """The main volume's documents (听证通知书, 听证笔录) of the hearing asked for under the
    `seq`-th notice, which a re-notice replaced; none when none was asked for under it."""
    return [build(data, h) for h in lapsed(data) if h.seq == seq
            for build in (_hearing_notice, _hearing_record)]


def lapsed_reports(data: Mapping[str, Any]) -> list[Doc]:
    """The 听证报告 (副卷) of each hearing that lapsed with its notice, oldest first."""
    return [_hearing_report(data, h) for h in lapsed(data)]


def lapsed_report(data: Mapping[str, Any]) -> Doc:
    """The 听证报告 of the latest hearing that lapsed with its notice."""
    return lapsed_reports(data)[-1]
