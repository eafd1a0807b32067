"""Waiver decisions: the minor-offence lists item by item, and 处罚法 Art. 33 general grounds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from server.rules.inputs import EvaluationInput, Facts
from server.rules.model import WaiverItem, WaiverList
from server.rules.result import Condition, How, Note, WaiverDecision, WaiverGround, WaiverOutcome
from server.rules.values import value
from server.workdays import deadline as period_end

ART_33_1 = "处罚法 第33条第1款"
ART_33_2 = "处罚法 第33条第2款"
_CORRECTABLE = frozenset({"corrected_in_time", "stopped_and_restored"})
_RANK: dict[str, int] = {"waived": 0, "pending_correction": 1, "undetermined": 2,
                         "not_eligible": 3}
_HOWS: tuple[How, ...] = ("fact", "derived", "computed")
# Conditions are immutable values: share one object per (condition, met, how).
_CONDITION: dict[tuple[str, bool | None, How], Condition] = {
    (name, met, how): Condition(name, met, how)
    for name in ("first_offence", "corrected_in_time", "no_harmful_consequence",
                 "stopped_and_restored", "corrected_on_spot")
    for met in (True, False, None) for how in _HOWS
}


@value
class ItemResult:
    """How one list item judges the violation."""

    wlist: WaiverList
    item: WaiverItem
    outcome: WaiverOutcome
    conditions: tuple[Condition, ...]
    unmet: tuple[str, ...]
    unknown: tuple[str, ...]
    deadline: date
    window_used: bool
    warnings: tuple[Note, ...]


def _corrected_in_time(facts: Facts, end: date,
                       warnings: list[Note]) -> tuple[bool | None, How, bool]:
    """(value, how, whether the window decided it)."""
    if facts.corrected_on is not None:
        computed = facts.corrected_on <= end
        if facts.corrected_in_time is not None and facts.corrected_in_time != computed:
            warnings.append(("correction_conflict", {"corrected_on": facts.corrected_on,
                                                        "deadline": end}))
        return computed, "computed", True
    if facts.corrected_in_time is not None:
        return facts.corrected_in_time, "fact", False
    if facts.corrected_on_spot:
        return True, "derived", False
    return None, "fact", False


def judge_item(wlist: WaiverList, item: WaiverItem, inp: EvaluationInput,
               facts: Facts) -> ItemResult:
    """Check every condition of `item`; unknown correction facts give pending_correction."""
    end = period_end(inp.discovery, item.window_days, item.window_kind)
    warnings: list[Note] = []
    checks: list[Condition] = []
    window_used = False
    for name in item.conditions:
        if name == "corrected_in_time":
            value, how, window_used = _corrected_in_time(facts, end, warnings)
            checks.append(_CONDITION[name, value, how])
        elif name == "no_harmful_consequence":
            harm = facts.harmful_consequence
            checks.append(_CONDITION[name, None if harm is None else not harm, "fact"])
        elif name == "first_offence" and inp.facts.first_offence is None:
            checks.append(_CONDITION[name, facts.first_offence, "derived"])
        else:
            checks.append(_CONDITION[name, getattr(facts, name), "fact"])
    unmet = tuple(c.condition for c in checks if c.met is False)
    unknown = tuple(c.condition for c in checks if c.met is None)
    outcome: WaiverOutcome
    if unmet:
        outcome = "not_eligible"
    elif not unknown:
        outcome = "waived"
    elif _CORRECTABLE.issuperset(unknown):
        outcome, window_used = "pending_correction", True
        if inp.decided_on is not None and inp.decided_on > end:
            warnings.append(("deadline_passed", {"decided": inp.decided_on, "deadline": end}))
    else:
        outcome = "undetermined"
    return ItemResult(wlist, item, outcome, tuple(checks), unmet, unknown, end, window_used,
                      tuple(warnings))


@dataclass(frozen=True, slots=True, eq=False)
class ListResult:
    """How one list judges the violation: the chosen item, or why none applies."""

    wlist: WaiverList
    outcome: WaiverOutcome
    chosen: ItemResult | None
    items: tuple[int, ...]
    reason: Note


def judge_list(wlist: WaiverList, inp: EvaluationInput, facts: Facts) -> ListResult:
    """Judge the violation under every item of `wlist` that covers its code."""
    code, ref = inp.violation_code, wlist.meta.ref
    candidates = wlist.by_code.get(code, ())
    if inp.waiver_item is not None:
        picked = tuple(i for i in candidates if i.number == inp.waiver_item)
        if not picked:
            return ListResult(wlist, "not_eligible", None, (), ("item_mismatch", {
                "list": ref, "title": wlist.meta.title, "item": inp.waiver_item, "code": code}))
        candidates = picked
    if not candidates:
        return _no_item(wlist, code)
    results = [judge_item(wlist, item, inp, facts) for item in candidates]
    numbers = tuple(r.item.number for r in results)
    outcomes = {r.outcome for r in results}
    if len(outcomes) > 1:
        return ListResult(wlist, "undetermined", None, numbers, ("ambiguous", {
            "list": ref, "title": wlist.meta.title, "items": numbers, "code": code}))
    # Items that agree: report the one with the earliest deadline (the stricter reading).
    chosen = min(results, key=lambda r: (r.deadline, r.item.number))
    return ListResult(wlist, chosen.outcome, chosen, numbers, _item_reason(chosen))


@lru_cache(maxsize=1024)
def _no_item(wlist: WaiverList, code: str) -> ListResult:
    return ListResult(wlist, "not_eligible", None, (), ("no_item", {
        "list": wlist.meta.ref, "title": wlist.meta.title, "code": code}))


def _item_reason(r: ItemResult) -> Note:
    params = {"list": r.wlist.meta.ref, "title": r.wlist.meta.title, "item": r.item.number}
    if r.outcome == "waived":
        return ("waived", params)
    if r.outcome == "pending_correction":
        return ("pending", {**params, "deadline": r.deadline, "days": r.item.window_days,
                               "kind": r.item.window_kind})
    if r.outcome == "not_eligible":
        return ("not_eligible", {**params, "unmet": r.unmet})
    return ("undetermined", {**params, "unknown": r.unknown})


def _lightest(results: Sequence[ListResult]) -> ListResult | None:
    best = None
    for result in results:
        if best is None or _RANK[result.outcome] < _RANK[best.outcome]:
            best = result
    return best


def best_list_result(act: Sequence[ListResult],
                     decision: Sequence[ListResult]) -> tuple[ListResult | None, bool]:
    """The most favourable result; lists at the decision win only when strictly lighter."""
    best = _lightest(act)
    later = _lightest(decision)
    if later is not None and (best is None or _RANK[later.outcome] < _RANK[best.outcome]):
        return later, True
    return best, False


def _general_in_time(facts: Facts, found: ListResult | None) -> bool | None:
    chosen = found.chosen if found else None
    if chosen is not None and facts.corrected_on is not None:
        # The item's window judged the correction date; use the same answer.
        for condition in chosen.conditions:
            if condition.condition == "corrected_in_time":
                return condition.met
    if facts.corrected_in_time is not None:
        return facts.corrected_in_time
    return True if facts.corrected_on_spot else None


def _general_ground(facts: Facts,
                    found: ListResult | None) -> tuple[WaiverOutcome, str, Note] | None:
    """处罚法 Art. 33: no fault (¶2), minor and corrected (¶1), first offence with minor harm."""
    if facts.no_fault:
        return "no_fault", ART_33_2, ("no_fault", {})
    list_outcome = found.outcome if found else "not_eligible"
    if list_outcome == "waived":
        return None
    in_time = _general_in_time(facts, found)
    if facts.minor and in_time and facts.harmful_consequence is False:
        return "waived", ART_33_1, ("minor", {})
    # A pending or undetermined list outcome may still become a mandatory waiver.
    if list_outcome in ("pending_correction", "undetermined"):
        return None
    if facts.first_offence and in_time and (
            facts.harm_minor or facts.harmful_consequence is False):
        return "may_waive", ART_33_1, ("may_waive", {})
    return None


def decide_waiver(found: ListResult | None, from_decision_list: bool, facts: Facts,
                  no_list_on: date | None) -> WaiverDecision:
    """Combine the list result with the general grounds of 处罚法 Art. 33."""
    general = _general_ground(facts, found)
    if general is None and not from_decision_list and (found is None or found.chosen is None):
        return _list_only(found, no_list_on)
    return _decision(found, from_decision_list, general, no_list_on)


@lru_cache(maxsize=1024)
def _list_only(found: ListResult | None, no_list_on: date | None) -> WaiverDecision:
    # Shared: without an item result or an Art. 33 ground the decision depends on `found` only.
    return _decision(found, False, None, no_list_on)


def _decision(found: ListResult | None, from_decision_list: bool,
              general: tuple[WaiverOutcome, str, Note] | None,
              no_list_on: date | None) -> WaiverDecision:
    chosen = found.chosen if found else None
    reasons: list[Note] = [found.reason] if found else (
        [("no_list", {"date": no_list_on})] if no_list_on else [])
    if from_decision_list and found is not None:
        reasons.append(("list_lex_mitior", {"new": found.wlist.meta.ref,
                                            "title": found.wlist.meta.title}))
    outcome: WaiverOutcome = found.outcome if found else "not_eligible"
    ground: WaiverGround | None = "list" if found else None
    basis: tuple[str, ...] = ()
    if outcome in ("waived", "pending_correction") and found is not None:
        basis = found.wlist.basis + ((chosen.item.penalty_article,) if chosen else ())
    if general is not None:
        outcome, ground, basis = general[0], "article_33", (general[1],)
        reasons = [general[2]] if outcome == "no_fault" else [*reasons, general[2]]
    return WaiverDecision(outcome, ground, found,
                          _verified(found) if ground == "list" else True, basis, tuple(reasons))


def _verified(found: ListResult | None) -> bool:
    if found is None:
        return True
    if found.chosen is None:
        return found.wlist.meta.verified
    item = found.chosen.item
    window_ok = item.window_verified or not found.chosen.window_used
    return found.wlist.meta.verified and item.verified and window_ok


def unverified_notes(found: ListResult | None) -> tuple[Note, ...]:
    """What unconfirmed list data the waiver decision rests on."""
    if found is None or found.chosen is None:
        return ()
    notes = []
    ref, item = found.wlist.meta.ref, found.chosen.item
    if not found.wlist.meta.verified:
        notes.append(("unverified_rule_set", {"ref": found.wlist.meta.name}))
    if not item.verified:
        notes.append(("unverified_item", {"list": ref, "title": found.wlist.meta.title,
                                           "item": item.number}))
    if found.chosen.window_used and not item.window_verified:
        notes.append(("unverified_window", {"days": item.window_days,
                                               "kind": item.window_kind}))
    return tuple(notes)
