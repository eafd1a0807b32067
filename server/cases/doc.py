"""PURE: a case document ready to be set, and the wording every form shares (dates, money,
the party, the facts, the officers)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True, slots=True)
class Doc:
    """A document ready to be set: rows are (label, value) pairs; paragraphs are plain text."""

    form: str
    title: str
    number: str | None
    rows: tuple[tuple[str, str], ...] = ()
    paragraphs: tuple[str, ...] = ()
    signatures: tuple[str, ...] = ()
    authority: str = ""
    notes: tuple[str, ...] = field(default=())


def yuan_text(fen: int | None) -> str:
    """An amount in fen as 元 with two decimals (e.g. 35,000.00元)."""
    return "—" if fen is None else f"{fen // 100:,}.{fen % 100:02d}元"


def minute_text(value: str | None) -> str:
    """A local time 'YYYY-MM-DD HH:MM' as documents write it: 2021年6月3日10时05分."""
    if not value:
        return "—"
    return f"{day_text(value)}{value[11:13]}时{value[14:16]}分" if len(value) >= 16 \
        else day_text(value)


def day_text(value: date | str | None) -> str:
    """A legal date as 2021年6月3日."""
    if value is None:
        return "—"
    day = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    return f"{day.year}年{day.month}月{day.day}日"


# Words typed with their own dot (a company's Co./Ltd., etc.): a dot after one is the word's,
# not the sentence's, and stays ("…Co., Ltd." must not print as "…Co., Ltd。"). Not "no": at
# the text's end No. is the word no (No. the number is followed by one), its dot the stop.
ABBREVIATIONS = ("co", "ltd", "inc", "corp", "bhd", "pte", "plc", "llc", "etc", "st", "jr",
                 "dept")
ENDS = ("。", "？", "！", "?", "!", "…", "...")  # a sentence's own end, typed
CLOSERS = ("”", "’", "」", "』", "）", ")", "》", "'", '"')  # a quote or bracket closed after it


# The Latin word before a closing dot: Chinese typed against it ends the word too (苹果Inc.).
LAST_WORD = re.compile(r"([A-Za-z]+)\.$")


def _abbreviated(typed: str) -> bool:
    """Whether the text ends with a known abbreviation and its dot (…Co., Ltd.)."""
    found = LAST_WORD.search(typed)
    return found is not None and found.group(1).lower() in ABBREVIATIONS


def clause(text: str) -> str:
    """Typed text without its closing full stop: the document ends the sentence itself (an
    ellipsis typed as ... and an abbreviation's dot are kept)."""
    typed = text.strip().rstrip("。；;")
    return typed if typed.endswith("...") or _abbreviated(typed) else typed.rstrip(".").rstrip()


def sentence(text: str) -> str:
    """Typed text as a sentence ended once: by its own question or exclamation mark or
    ellipsis, also inside a closing quote or bracket (…。” stays), else by a full stop in
    place of the one typed (…？ stays, …。 and … are …。)."""
    said = clause(text)
    inner = said.rstrip("".join(CLOSERS))
    # An abbreviation's dot inside the bracket is the word's: （… Co., Ltd.） still needs its 。
    closed = inner.endswith(ENDS) or (inner.endswith(".") and not _abbreviated(inner))
    ended = said.endswith(ENDS) or (inner != said and closed)
    return said if ended else f"{said}。"


def facts_text(data: Mapping[str, Any]) -> str:
    """The case's violations as facts: 2021年6月1日，<behaviour>：<description>；…"""
    return "；".join(f"{day_text(v['occurred_on'])}，{v['title'] or v['code']}："
                    f"{clause(v['description'] or '') or '—'}" for v in data["violations"]) or "—"


def individual(data: Mapping[str, Any]) -> bool:
    """Whether the case's party is a natural person (个人), not an organisation."""
    return (data.get("case") or {}).get("party_type") == "individual"


def you(data: Mapping[str, Any]) -> str:
    """How a document addresses its party: 你 a natural person, 你单位 an organisation."""
    return "你" if individual(data) else "你单位"


def party_rows(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The party's rows: name, credit code, address, legal representative; a natural person's
    name and address only (the product holds no other particulars of a person)."""
    party = data["party"]
    if individual(data):
        return [("当事人", party["name"]), ("地址", party["address"])]
    return [("当事人", party["name"]), ("统一社会信用代码", party["credit_code"]),
            ("地址", party["address"]), ("法定代表人/负责人", party.get("representative") or "—")]


def party_named(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The rows naming the party: name and credit code; a natural person's name alone."""
    return party_rows(data)[:1 if individual(data) else 2]


def officers_text(officers: list[Mapping[str, Any]]) -> str:
    """Officers with their certificates: 张三（沪环执00001）、李四（…）."""
    return "、".join(f"{o.get('name')}（{o.get('certificate_no') or '—'}）"
                    for o in officers) or "—"


KINDS = {"photo": "照片", "signature": "签名", "audio": "录音", "video": "视频",
         "document": "文件"}


def evidence_lines(data: Mapping[str, Any]) -> list[str]:
    """The case's evidence, one numbered line each: kind, digest, time and place taken."""
    return [f"{i}. {KINDS.get(e['kind'], e['kind'])} SHA-256 {e['sha256'][:16]}… "
            f"采集时间 {minute_text(e['captured_at'])} 位置 {e['place']}"
            for i, e in enumerate(data["evidence"], start=1)]


def mitigated(step: Mapping[str, Any]) -> list[str]:
    """The ground for a fine below the statutory minimum, when the step recorded one."""
    ground = step.get("mitigation")
    return [f"依据《中华人民共和国行政处罚法》第三十二条，减轻处罚：{sentence(ground)}"] \
        if ground else []


# The periods not counted in the decision deadline (处罚法 第60条), named as the case page's
# deadline section names them in Chinese (the console catalogue; a test keeps them alike).
PERIODS_LABEL = "不计入办案期限的期间"
PERIOD_KINDS = {"testing": "检测", "appraisal": "鉴定", "suspension": "中止"}
NOT_ENDED = "尚未结束"


def periods_rows(periods: list[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """The case's excluded periods as one row (kind, from, to; an open one 尚未结束), when it
    recorded any."""
    said = [f"{PERIOD_KINDS.get(p['kind'], p['kind'])}："
            + (f"{day_text(p['start'])}至{day_text(p['end'])}" if p.get("end")
               else f"自{day_text(p['start'])}起，{NOT_ENDED}") for p in periods]
    return [(PERIODS_LABEL, "；".join(said))] if said else []


def periods_on(periods: list[Mapping[str, Any]], day: Any) -> list[Mapping[str, Any]]:
    """The excluded periods as they stood on `day` (a form signed that day): those begun by
    then, one that ended after it still open."""
    on = str(day)  # ISO dates, as a date or as stored: their text orders them
    return [p if p.get("end") and str(p["end"]) <= on else {**p, "end": None}
            for p in periods if str(p["start"]) <= on]
