"""PURE: what the notice, the decision and the correction order say of each act of a case (处罚法
第29条: one fine per act): the fine recorded for it, the provisions it violated and those it
rests on, why an act is not penalised, and the deadline by which a waived act is corrected."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from server.cases.doc import day_text
from server.cases.fine_law import MUST_NOT_FINE
from server.rules.text import MESSAGES
from server.rules.text import cite_in_full as in_full

# The article a rule's outcome rests on when its decision stored no basis.
NOT_FINED_BASIS = {"waived": "处罚法 第33条第1款", "no_fault": "处罚法 第33条第2款",
                   "time_barred": "处罚法 第36条", "may_waive": "处罚法 第33条第1款"}
# The rules leave a first offence to the bureau (处罚法 第33条第1款: 可以不予行政处罚); a document
# served on the party states the ground of the choice the bureau made, not the open choice.
MAY_WAIVE_RULE = MESSAGES["may_waive"][0]
MAY_WAIVE_GROUND = "初次违法且危害后果轻微并及时改正"
DISCRETION = "（由执法机关裁量）"
# Outcomes whose waiver-list item sets the correction deadline: the act is spared when
# corrected by it (waived: it was; pending_correction: it will be, if corrected in time).
DEADLINE_OUTCOMES = ("waived", "pending_correction")
# A provision violated that the rule data names from unconfirmed text (LAW.md: shown as
# unverified), marked as the rules mark a working-draft item (未经官方文本核实).
UNVERIFIED = "（未经官方文本核实）"
# What the correction order has said of an act whose decisions name no provision violated.
GENERAL_PROVISIONS = "有关生态环境法律法规"


def served_reason(text: str) -> str:
    """The rules' explanation as a served document gives it: the ground of a first offence not
    penalised, without the rules' "may" (their sentence of a stored older wording too)."""
    return text.replace(MAY_WAIVE_RULE, MAY_WAIVE_GROUND).replace(DISCRETION, "")


def acts_of(data: Mapping[str, Any]) -> dict[int, list[Mapping[str, Any]]]:
    """The case's violations by act."""
    acts: dict[int, list[Mapping[str, Any]]] = {}
    for found in data["violations"]:
        acts.setdefault(found["act"], []).append(found)
    return acts


def act_fines(data: Mapping[str, Any], step: str = "decided") -> dict[int, int] | None:
    """The fine of each act the step (the notice or the decision) fines, when it recorded
    them (notices recorded before they named them did not)."""
    recorded = data["case"]["steps"].get(step, {}).get("act_fines")
    return None if recorded is None else {item["act"]: item["fine_fen"] for item in recorded}


def act_basis(data: Mapping[str, Any], act: int) -> str | None:
    """The provision the act's fine rests on: the act's own, or its violations' when the rules
    only may fine it (they name none for the act)."""
    proposed = {a["act"]: a.get("basis") for a in data["case"]["acts"]}
    return proposed.get(act) or next(
        (m["basis"] for m in acts_of(data).get(act, ()) if m.get("basis")), None)


def basis(data: Mapping[str, Any], acts: Iterable[int] | None = None) -> str:
    """The provisions the fine rests on, in full: of `acts`, else of the acts the decision
    fined (all that may be fined before it)."""
    if acts is None:
        fined = act_fines(data)
        acts = fined if fined is not None else (
            act for act, members in acts_of(data).items()
            if not all(m["outcome"] in MUST_NOT_FINE for m in members))
    bases = [act_basis(data, act) for act in sorted(acts)]
    return in_full("、".join(dict.fromkeys(b for b in bases if b))) or "—"


def violated_text(data: Mapping[str, Any], act: int) -> str | None:
    """The provisions the act violated, in full, each unverified one marked, as its violations'
    decisions give them; None when one of its violations names none (the act is not said in
    part)."""
    members = acts_of(data).get(act, ())
    if not members or not all(m.get("violated") for m in members):
        return None
    verified: dict[str, bool] = {}
    for m in members:
        for p in m["violated"]:
            verified[p["article"]] = verified.get(p["article"], False) or p["verified"]
    return "、".join(f"{in_full(article)}{'' if ok else UNVERIFIED}"
                    for article, ok in verified.items())


def violated_lines(data: Mapping[str, Any]) -> list[str]:
    """What each act violated, for the notice and the decision: the case's one act as 上述行为,
    each of several by its violations' titles; nothing of an act whose decisions name none."""
    said = {act: violated_text(data, act) for act in sorted(acts_of(data))}
    if len(said) == 1:
        return [f"上述行为违反了{text}的规定。" for text in said.values() if text]
    return [f"{act_titles(data, act)}的违法行为违反了{text}的规定。"
            for act, text in said.items() if text]


def act_titles(data: Mapping[str, Any], act: int) -> str:
    """The act's violations as the documents name them: “title”、“title”."""
    return "、".join(f"“{m['title'] or m['code']}”" for m in acts_of(data).get(act, ()))


def _fined_by(data: Mapping[str, Any], step: str) -> dict[int, int] | None:
    """The fine of each act the step fines: none at all when the case was decided not to be
    penalised (不予行政处罚决定: every act is spared)."""
    if step == "decided" and "not_penalised" in data["case"]["steps"]:
        return {}
    return act_fines(data, step)


def correct_by(data: Mapping[str, Any], act: int) -> str | None:
    """The correction deadline the act's waiver decision carries (the earliest of its
    violations'), when the waiver list spares it or will once it is corrected."""
    days = [m["correction_deadline"] for m in acts_of(data).get(act, ())
            if m["outcome"] in DEADLINE_OUTCOMES and m.get("correction_deadline")]
    return min(days) if days else None


def spared_basis(member: Mapping[str, Any]) -> tuple[str, ...]:
    """The articles a violation is not penalised under: its limitation's when time-barred
    (处罚法 第36条), else its waiver decision's (none when it is fined)."""
    if member["outcome"] == "time_barred":
        return (member["limitation_basis"] or NOT_FINED_BASIS["time_barred"],)
    return tuple(member["waiver_basis"])


def not_fined(data: Mapping[str, Any], step: str = "decided",
              verdict: str = "不予行政处罚") -> list[str]:
    """Each act the step does not fine: the law forbids it, or the rules only may fine it and
    the step did not (or the case was not penalised); `verdict`, on which basis, why. Among
    several acts each is introduced as one of them (其中，); a case of one act names it alone."""
    fined = _fined_by(data, step)
    acts = acts_of(data)
    among = "其中，" if len(acts) > 1 else ""  # one of several acts; a lone act is just named
    lines = []
    for act, members in acts.items():
        forbidden = all(m["outcome"] in MUST_NOT_FINE for m in members)
        if not forbidden and (fined is None or act in fined):
            continue  # one fine per act (处罚法 第29条): the act is fined under another
        for m in members:
            ground = "、".join(spared_basis(m)) or NOT_FINED_BASIS.get(m["outcome"], "—")
            reason = in_full(served_reason(m["explanation"] or "—")).rstrip("。")
            lines.append(f"{among}{day_text(m['occurred_on'])}“{m['title'] or m['code']}”的违法"
                         f"行为，{verdict}。依据：{in_full(ground)}。理由：{reason}。")
    return lines
