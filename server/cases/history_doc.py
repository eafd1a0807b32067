"""The case file's own pages: the catalogue (卷内目录) and the case history (副卷)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from server.cases import renotice
from server.cases.casefile import GUIDE, MANIFEST, Member
from server.cases.doc import PERIOD_KINDS, PERIODS_LABEL, Doc, day_text, yuan_text
from server.rules.text import cite_in_full

VOLUMES = {"catalogue": "", "main": "正卷", "secondary": "副卷"}


def catalogue(case: Any, members: Sequence[Member], authority: str, key_id: str,
              missing: Sequence[str] = ()) -> Doc:
    """卷内目录: every member in archival order, main volume then secondary volume (each
    signature image on its own row, titled with who signed which record; the documents a
    member holds besides its own kind on a row each, n-1, n-2…), then `missing`:
    the lines on what the records cite without a row (not held yet, or stored as evidence)."""
    rows = [("序号 · 卷别", "文件名称 · 路径")]
    seen: set[str] = set()
    for index, member in enumerate(members[1:], start=1):
        if member.role in ("evidence", "contact_sheet"):
            if member.role in seen:
                continue
            seen.add(member.role)
            count = sum(1 for m in members if m.role == member.role)
            rows.append((f"{index} · {VOLUMES[member.volume]}",
                         f"{member.title}（共{count}件，清单见 manifest.json）"))
            continue
        rows.append((f"{index} · {VOLUMES[member.volume]}", f"{member.title} · {member.name}"))
        rows += [(f"{index}-{part} · {VOLUMES[member.volume]}", held)
                 for part, held in enumerate(member.contents, start=1)]
    return Doc("catalogue", "卷内目录", case.filing_number, rows=tuple(rows),
               paragraphs=(f"案卷：{case.filing_number} {case.decision_number or ''}",
                           f"本案卷各文件的SHA-256摘要及签名见 {MANIFEST}（Ed25519，签名密钥标识 "
                           f"{key_id}）；校验只需本机关公布的公钥，方法见 {GUIDE}。",
                           *missing),
               signatures=("立卷人", "检查人"), authority=authority)


STATES = {"filed": "已立案", "investigating": "调查取证", "legal_review": "法制审核",
          "notified": "已告知", "hearing": "听证", "decided": "已决定", "served": "已送达",
          "paid": "已缴款", "enforced": "强制执行", "not_penalised": "不予行政处罚",
          "closed": "已办结", "archived": "已归档"}
EVENTS = {"filed": "立案", "transition": "程序推进", "violation_redecided": "违法行为重新判定",
          "inquiry": "调查询问", "statement": "陈述申辩", "extension": "延长期限",
          "suspension": PERIODS_LABEL, "suspension_end": "期间结束",
          "daily_penalty": "按日连续处罚"}
# the details a step records that the history prints, in this order, with their labels
NOTES = {"filing_number": "立案编号", "decision_number": "决定书文号",
         "review_opinion": "审核意见", "mitigation": "减轻处罚理由", "statements": "陈述申辩",
         "hearing_record": "听证笔录", "chair": "听证主持人", "hearing_place": "听证地点",
         "reason": "理由", "approval": "批准方式", "days": "延长天数", "kind": "期间类型",
         "start": "起始日期",
         "end": "截止日期", "measure": "执行措施", "amount_fen": "缴款金额",
         "surcharge_fen": "加处罚款", "interviewee": "被询问人", "questions": "问答条数",
         "signature": "签名", "received_on": "收到日期", "adopted": "是否采纳",
         "intended_fen": "拟罚款", "renotice": "重新告知理由"}
# a daily penalty's record (按日连续处罚) names its amount and days otherwise
DAILY = {"original_fine_fen": "原处罚决定罚款", "total_days": "计罚日数",
         "amount_fen": "按日连续处罚金额"}
# what a reason is given for, by the step that records it (a transition's: not penalising)
REASONS = {"extension": "延长理由", "suspension": "理由", "suspension_end": "结束理由",
           "not_penalised": "不予处罚理由"}
PERIOD_EVENTS = ("suspension", "suspension_end")  # an excluded period, of any kind
WORDS = {"approval": {"approval": "负责人批准", "collective": "集体讨论决定"},
         "kind": PERIOD_KINDS,
         "signature": {"signed": "已签名", "refused": "拒绝签名"}}


def _note(key: str, value: Any, labels: dict[str, str]) -> str:
    """One recorded detail as the history prints it: amounts in yuan, dates and codes in
    Chinese."""
    if key.endswith("_fen"):
        shown = yuan_text(value)
    elif key in ("start", "end", "received_on"):
        shown = day_text(value)
    elif key in ("days", "total_days"):
        shown = f"{value}日"
    elif key == "renotice":  # and what it replaced: the earlier notice's day and fine
        shown = (f"{renotice.said(value)}（原告知{day_text(value.get('replaces_notice_on'))}，"
                 f"拟罚款{yuan_text(value.get('replaces_intended_fen'))}）")
    elif key == "chair":
        shown = value.get("name", "") if isinstance(value, dict) else str(value)
    elif isinstance(value, bool):
        shown = "是" if value else "否"
    else:
        shown = WORDS.get(key, {}).get(value, str(value))
    return f"{labels[key]}：{shown}"


def _period_said(event: str, kind: str | None) -> tuple[str, str]:
    """An excluded period's step and its reason's label, named by the period's kind (检测,
    鉴定, 中止), not all as a suspension."""
    said = PERIOD_KINDS.get(kind or "", kind or "")
    if event == "suspension":
        return f"{PERIODS_LABEL}（{said}）", f"{said}{REASONS[event]}"
    return f"{said}{EVENTS[event]}", f"{said}{REASONS[event]}"


def history(case: Any, events: Sequence[Any], authority: str) -> Doc:
    """案件流转记录: each step with its date and recorded opinions (副卷), in Chinese."""
    rows = []
    for event in events:
        details = event.details or {}
        said, reason = EVENTS.get(event.event, event.event), REASONS.get(
            event.to_state if event.event == "transition" else event.event, "理由")
        if event.event in PERIOD_EVENTS:
            said, reason = _period_said(event.event, details.get("kind"))
        labels = DAILY if event.event == "daily_penalty" else NOTES | {"reason": reason}
        notes = [_note(k, details[k], labels) for k in labels if details.get(k) is not None]
        before = f"{STATES.get(event.from_state, event.from_state)} " if event.from_state else ""
        if details.get("basis"):  # the provisions a step rests on (a daily penalty's)
            basis = details["basis"]
            notes.append("依据：" + cite_in_full(
                "、".join(basis) if isinstance(basis, list) else str(basis)))
        rows.append((f"{event.seq}. {day_text(event.on)}",
                     f"{said} {before}→ "
                     f"{STATES.get(event.to_state, event.to_state)}"
                     + (f"；{'；'.join(notes)}" if notes else "")))
    return Doc("history", "案件流转记录", case.filing_number, rows=tuple(rows),
               signatures=("承办人",), authority=authority)
