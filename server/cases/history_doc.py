"""The case file's own pages: the catalogue (卷内目录) and the case history (副卷)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from server.cases.casefile import GUIDE, MANIFEST, Member
from server.cases.doc import Doc, day_text
from server.rules.text import cite_in_full

VOLUMES = {"catalogue": "", "main": "正卷", "secondary": "副卷"}


def catalogue(case: Any, members: Sequence[Member], authority: str, key_id: str,
              missing: Sequence[str] = ()) -> Doc:
    """卷内目录: every member in archival order, main volume then secondary volume (each
    signature image on its own row, titled with who signed which record), then `missing`:
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
    return Doc("catalogue", "卷内目录", case.filing_number, rows=tuple(rows),
               paragraphs=(f"案卷：{case.filing_number} {case.decision_number or ''}",
                           f"本案卷各文件的SHA-256摘要及签名见 {MANIFEST}（Ed25519，签名密钥标识 "
                           f"{key_id}）；校验只需本机关公布的公钥，方法见 {GUIDE}。",
                           *missing),
               signatures=("立卷人", "检查人"), authority=authority)


def history(case: Any, events: Sequence[Any], authority: str) -> Doc:
    """案件流转记录: each step with its date and recorded opinions (副卷)."""
    rows = []
    for event in events:
        details = event.details or {}
        notes = [f"{k}: {v}" for k, v in sorted(details.items())
                 if k in ("review_opinion", "mitigation", "statements", "hearing_record", "reason",
                          "approval", "days", "kind", "start", "end", "chair", "measure",
                          "decision_number", "filing_number", "amount_fen", "surcharge_fen",
                          "interviewee", "questions", "signature", "received_on", "adopted")]
        if details.get("basis"):  # the provisions a step rests on (a daily penalty's)
            basis = details["basis"]
            notes.append("依据：" + cite_in_full(
                "、".join(basis) if isinstance(basis, list) else str(basis)))
        rows.append((f"{event.seq}. {day_text(event.on)}",
                     f"{event.event} {event.from_state or ''} → {event.to_state}"
                     + (f"；{'；'.join(notes)}" if notes else "")))
    return Doc("history", "案件流转记录", case.filing_number, rows=tuple(rows),
               signatures=("承办人",), authority=authority)
