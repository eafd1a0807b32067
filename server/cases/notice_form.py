"""PURE: the 行政处罚事先(听证)告知书 (处罚法 第44条): the facts, the evidence, and, act by act,
the penalty the bureau intends and its basis, the acts it will not penalise and why, and the
party's rights to state, defend and (when the intended penalty gives it) ask for a hearing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.cases import hearing_forms as hearing
from server.cases import renotice
from server.cases.act_texts import act_fines, act_titles, basis, not_fined, violated_lines
from server.cases.doc import (
    Doc,
    day_text,
    evidence_lines,
    facts_text,
    mitigated,
    party_named,
    party_rows,
    sentence,
    you,
    yuan_text,
)
from server.rules.text import cite_in_full as in_full


def _as_served_before(data: Mapping[str, Any]) -> list[str]:
    """A notice recorded before notices named each act's fine, as it was served: the basis of
    every act that may be fined, the total, and the rules' explanation."""
    return [f"依据{basis(data)}，我局拟对{you(data)}作出罚款"
            f"{yuan_text(data['case']['intended_fen'])}的行政处罚。",
            f"规则说明：{in_full(data['explanation'])}"]


def _intended(data: Mapping[str, Any], noticed: Mapping[int, int]) -> list[str]:
    """The acts not to be penalised (their ground and reason), then the intended fine of each
    act with its basis (处罚法 第29条: one fine per act), then the total."""
    spared = not_fined(data, "notified", "拟不予行政处罚")
    total = yuan_text(data["case"]["intended_fen"])
    if len(noticed) == 1:
        return [*spared, f"{'对上述其余违法行为，' if spared else ''}依据{basis(data, noticed)}，"
                         f"我局拟对{you(data)}作出罚款{total}的行政处罚。"]
    return [*spared, *(f"{act_titles(data, act)}的违法行为，依据{basis(data, [act])}，"
                       f"拟罚款{yuan_text(fen)}。" for act, fen in sorted(noticed.items())),
            f"综上，我局拟对{you(data)}作出罚款{total}的行政处罚。"]


ASK_AGAIN = "如仍要求举行听证，应当在收到本告知书之日起五个工作日内重新提出。"


def _replacing(notified: Mapping[str, Any], hearing: bool,
               party: str) -> tuple[list[str], list[str]]:
    """A re-notice tells the party (addressed as `party`) which notice it replaces and why, and
    that a hearing asked for under that notice no longer stands (asked again within this
    notice's period, when it gives the right): before the facts, and after the rights."""
    why = notified.get("renotice")
    if not why:
        return [], []
    replaced = (notified.get("earlier_notices") or [{}])[-1]
    opening = [f"本告知书取代我局于{day_text(why.get('replaces_notice_on'))}作出的行政处罚事先告知"
               f"（重新告知理由：{renotice.said(why)}）。"]
    asked = replaced.get("hearing")
    if not asked:
        return opening, []
    return opening, [f"{party}于{day_text(asked.get('requested_on'))}提出的听证申请（原定于"
                     f"{day_text(asked.get('hearing_on'))}举行）不再沿用"
                     + (f"；{ASK_AGAIN}" if hearing else "。")]


def notice(data: Mapping[str, Any]) -> Doc:
    """行政处罚事先(听证)告知书: hearing rights when the intended penalty gives them (or the
    threshold that would withhold them is unconfirmed)."""
    case = data["case"]
    hearing = data["hearing_offered"]
    title = "行政处罚听证告知书" if hearing else "行政处罚事先告知书"
    rights = (f"{you(data)}有权在收到本告知书之日起五个工作日内进行陈述、申辩"
              + ("，并有权要求举行听证；逾期视为放弃上述权利。" if hearing
                 else "；逾期视为放弃陈述、申辩的权利。"))
    noticed = act_fines(data, "notified")
    # a notice recorded before notices named each act's fine prints as served, without them
    violated = [] if noticed is None else violated_lines(data)
    penalty = _as_served_before(data) if noticed is None else _intended(data, noticed)
    opening, lapsed = _replacing(case["steps"].get("notified", {}), hearing, you(data))
    return Doc("notice", title, case["filing_number"], rows=tuple(party_rows(data)),
               paragraphs=(f"{data['party']['name']}：", *opening,
                           f"经查，{you(data)}：{sentence(facts_text(data))}",
                           "以上事实有下列证据为证："
                           f"{'；'.join(evidence_lines(data)) or '现场检查笔录'}。",
                           *violated, *mitigated(case["steps"].get("notified", {})),
                           *penalty, rights, *lapsed,
                           "陈述、申辩不会导致处罚加重（《中华人民共和国行政处罚法》第四十五条）。"),
               signatures=(data["authority"],), authority=data["authority"])


def _superseded(old: Mapping[str, Any], by: Mapping[str, Any], filing_number: str,
                seq: int, authority: str, party: list[tuple[str, str]]) -> Doc:
    """One earlier notice as the case recorded it, and the re-notice that replaced it."""
    fines = old.get("act_fines")
    hearing = old.get("hearing") or {}
    rows = [*party, ("告知日期", day_text(old.get("on"))),
            ("拟罚款", yuan_text(old.get("intended_fen"))),
            ("各违法行为拟罚款", "；".join(f"第{f['act']}项 {yuan_text(f['fine_fen'])}"
                                   for f in fines) if fines else "—"),
            ("告知听证权利", "是" if old.get("hearing_offered") else "否"),
            ("减轻处罚理由", old.get("mitigation") or "—"),
            ("法制审核意见", old.get("review_opinion") or "—"),
            ("听证申请", f"{day_text(hearing.get('requested_on'))}申请，原定"
                        f"{day_text(hearing.get('hearing_on'))}举行；因重新告知不再沿用"
             if hearing else "—"),
            ("重新告知日期", day_text(by.get("on"))),
            ("重新告知理由", renotice.said(by.get("renotice") or {}))]
    return Doc("earlier_notice", "行政处罚事先（听证）告知记录（已重新告知）",
               f"{filing_number} 第{seq}次告知", rows=tuple(rows), paragraphs=(
                   "本记录依据案件记载的原告知内容生成；原告知已由重新告知取代，处罚决定以最后一次"
                   "告知为准（《中华人民共和国行政处罚法》第四十四条、第四十五条）。",),
               authority=authority)


def earlier_notices(data: Mapping[str, Any]) -> list[Doc]:
    """The notices a re-notice replaced, oldest first: one document each, followed by the
    听证通知书 and 听证笔录 of a hearing asked for under it, which lapsed with it."""
    case = data["case"]
    return [doc for seq, old, by in renotice.replaced(case["steps"])
            for doc in (_superseded(old, by, case["filing_number"], seq, data["authority"],
                                    party_named(data)), *hearing.lapsed_main(data, seq))]


def earlier_notice(data: Mapping[str, Any]) -> Doc:
    """The notice the latest re-notice replaced."""
    return [doc for doc in earlier_notices(data) if doc.form == "earlier_notice"][-1]
