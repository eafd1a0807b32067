"""The rules engine: one violation in, a waiver and penalty decision with its explanation out."""

from __future__ import annotations

from server.rules.book import RuleBook, RulesAt
from server.rules.errors import InvalidInput
from server.rules.fines import Assessment, assess
from server.rules.inputs import PARTY_TYPES, EvaluationInput, Facts
from server.rules.model import Procedure, WaiverList
from server.rules.result import (
    Decision,
    Evaluation,
    LexMitior,
    Limitation,
    Note,
    PenaltyDecision,
    TraceStep,
    WaiverDecision,
)
from server.rules.waiver import best_list_result, decide_waiver, judge_list, unverified_notes
from server.workdays import add_years, unknown_years

ART_29 = "处罚法 第29条"
ART_37 = "处罚法 第37条"
ENV_59 = "环保法 第59条"
_NOT_LEVIED = ("waived", "no_fault", "time_barred")
_OPEN = ("pending_correction", "may_waive", "undetermined")
_GRADES = frozenset({1, 2, 3, 4, 5})


def _validate(inp: EvaluationInput, book: RuleBook) -> None:
    errors: dict[str, str] = {}
    known = book.known_codes
    if inp.violation_code not in known:
        errors["violation_code"] = f"unknown code {inp.violation_code!r}"
    for i, code in enumerate(inp.also_violates):
        if code not in known:
            errors[f"also_violates[{i}]"] = f"unknown code {code!r}"
    if inp.party_type not in PARTY_TYPES:
        errors["party_type"] = f"must be one of {list(PARTY_TYPES)}"
    occurred = inp.occurred_on
    for name, value in (("decided_on", inp.decided_on), ("discovered_on", inp.discovered_on),
                        ("ended_on", inp.ended_on)):
        if value is not None and value < occurred:
            errors[name] = "is before occurred_on"
    for key, grade in inp.factors:
        if grade not in _GRADES or isinstance(grade, bool):
            errors[f"factors.{key}"] = "grade must be an integer from 1 to 5"
    for ground in inp.mitigation:
        if ground not in book.mitigation_grounds:
            errors[f"mitigation.{ground}"] = (
                f"unknown ground; one of {sorted(book.mitigation_grounds)}")
    base = inp.base
    for name, value in (("investment_fen", base.investment_fen),
                        ("disposal_cost_fen", base.disposal_cost_fen)):
        if value is not None and value < 0:
            errors[f"base.{name}"] = "must not be negative"
    if base.instances is not None and base.instances < 1:
        errors["base.instances"] = "must be at least 1"
    if errors:
        raise InvalidInput(errors)


def derive_facts(inp: EvaluationInput, same: frozenset[str]) -> Facts:
    """Facts with first_offence derived from the history when it was not given; `same`: the
    codes an earlier act of the same kind may have (RuleBook.same_act)."""
    facts = inp.facts
    if facts.first_offence is None and inp.prior_violations is not None:
        earlier = any(p.occurred_on < inp.occurred_on and (p.code is None or p.code in same)
                      for p in inp.prior_violations)
        return facts.with_first_offence(not earlier)
    return facts


def _limitation(inp: EvaluationInput, facts: Facts, procedure: Procedure | None) -> Limitation:
    discovered = inp.discovery
    if procedure is None:
        return Limitation(False, False, None, None, None, discovered, None)
    article = procedure.limitation_article
    years = (procedure.limitation_extended_years if facts.life_health_or_financial_harm
             else procedure.limitation_years)
    if inp.continuing and inp.ended_on is None:
        return Limitation(False, False, years, None, None, discovered, article)
    start = inp.ended_on or inp.occurred_on
    ends = add_years(start, years)
    return Limitation(discovered > ends, True, years, start, ends, discovered, article)


def _lex_mitior(act: Assessment, later: Assessment,
                warnings: list[Note]) -> tuple[Assessment, LexMitior | None]:
    """处罚法 Art. 37: the rule at the act, unless the rule at the decision is lighter."""
    if act.status != "computed":
        return act, None
    if later.status != "computed" or later.amount_fen is None or act.amount_fen is None:
        if later.entry is None:
            warnings.append(("decision_rule_missing", {"code": act.code}))
        return act, None
    lighter = later.amount_fen < act.amount_fen
    return (later if lighter else act), LexMitior(act.ref, act.amount_fen, later.ref,
                                                  later.amount_fen,
                                                  "decision" if lighter else "act",
                                                  act.name, later.name)


def _assess_code(code: str, inp: EvaluationInput, facts: Facts, at_act: RulesAt,
                 at_decision: RulesAt | None, warnings: list[Note],
                 same: frozenset[str]) -> tuple[Assessment, LexMitior | None]:
    cat_act = at_act.catalogue
    assert cat_act is not None
    act = assess(code, cat_act, at_act.discretion, inp, facts, same)
    if at_decision is not None and at_decision is not at_act:
        cat_dec, disc_dec = at_decision.catalogue, at_decision.discretion
        if cat_dec is not None and (cat_dec is not cat_act or disc_dec is not at_act.discretion):
            return _lex_mitior(act, assess(code, cat_dec, disc_dec, inp, facts, same), warnings)
    return act, None


def _choose_provision(found: list[tuple[Assessment, LexMitior | None]],
                      warnings: list[Note]) -> tuple[Assessment, LexMitior | None]:
    """处罚法 Art. 29: one fine per act, under the provision with the higher fine."""
    computed = [f for f in found if f[0].status == "computed"]
    for assessment, _ in found:
        if assessment.status != "computed" and len(found) > 1:
            warnings.append(("incomparable", {"code": assessment.code}))
    if not computed:
        return found[0]
    return max(computed, key=lambda f: (f[0].max_fen or 0, f[0].min_fen or 0))


def _no_catalogue(inp: EvaluationInput, decision: Decision) -> PenaltyDecision:
    step = ("statutory_range", "-", ("no_catalogue", {"date": inp.occurred_on}))
    levied = False if decision in _NOT_LEVIED else None
    return PenaltyDecision(None, inp.violation_code, levied, None, (inp.violation_code,), None,
                           None, (step,))


def _penalty(inp: EvaluationInput, facts: Facts, at_act: RulesAt, at_decision: RulesAt | None,
             decision: Decision, warnings: list[Note], same: frozenset[str]
             ) -> tuple[PenaltyDecision, tuple[Note, ...]]:
    if at_act.catalogue is None:
        return _no_catalogue(inp, decision), ()
    if inp.also_violates:
        codes = (inp.violation_code,) + tuple(c for c in inp.also_violates
                                               if c != inp.violation_code)
        found = [_assess_code(code, inp, facts, at_act, at_decision, warnings, same)
                 for code in codes]
        chosen, lex = _choose_provision(found, warnings)
    else:
        codes = (inp.violation_code,)
        chosen, lex = _assess_code(inp.violation_code, inp, facts, at_act, at_decision, warnings,
                                   same)
    entry, amount = chosen.entry, chosen.amount_fen
    extra: list[TraceStep] = []
    if lex is not None:
        extra.append(("lex_mitior", ART_37, ("lex_mitior", {
            "old_ref": lex.act_name, "old_fen": lex.act_fen, "new_ref": lex.decision_name,
            "new_fen": lex.decision_fen, "chosen_ref": chosen.name})))
    summary_eligible, limit = _summary(inp, amount, at_act, at_decision, extra)
    daily = entry.daily_penalty_article if entry else None
    if daily and chosen.status == "computed":
        extra.append(("daily_penalty", ENV_59, ("daily", {"article": f"{daily}、{ENV_59}"})))
    trace = chosen.steps + tuple(extra)
    if len(codes) > 1:
        trace = trace[:1] + (("provision", ART_29, ("provision", {
            "codes": codes, "code": chosen.code})),) + trace[1:]
    levied: bool | None = True
    if decision in _NOT_LEVIED:
        levied = False
    elif decision in _OPEN or amount is None:
        levied = None
    penalty = PenaltyDecision(chosen, chosen.code, levied, lex, codes, summary_eligible, limit,
                              trace)
    warnings += chosen.warnings
    return penalty, chosen.unverified


def _summary(inp: EvaluationInput, amount: int | None, at_act: RulesAt,
             at_decision: RulesAt | None, trace: list[TraceStep]) -> tuple[bool | None, int | None]:
    """处罚法 Art. 51: whether the fine may be decided on the spot (summary procedure)."""
    on = inp.decided_on or inp.occurred_on
    catalogue = (at_decision.catalogue if at_decision else None) or at_act.catalogue
    if catalogue is None or amount is None:
        return None, None
    proc = catalogue.procedure
    if on < proc.summary_in_force_from:
        trace.append(("summary_procedure", proc.summary_article,
                          ("summary_unknown", {"since": proc.summary_in_force_from})))
        return None, None
    individual = inp.party_type == "individual"
    limit = proc.summary_individual_max_fen if individual else proc.summary_organisation_max_fen
    eligible = amount <= limit
    trace.append(("summary_procedure", proc.summary_article, (
        "summary_yes" if eligible else "summary_no",
        {"amount_fen": amount, "limit_fen": limit, "party": inp.party_type})))
    return eligible, limit


def _waiver(inp: EvaluationInput, facts: Facts, at_act: RulesAt, at_decision: RulesAt | None,
            warnings: list[Note], unverified: list[Note]) -> WaiverDecision:
    act_lists = at_act.waiver_lists
    later_lists: tuple[WaiverList, ...] = ()
    if at_decision is not None and at_decision.waiver_lists != act_lists:
        later_lists = tuple(w for w in at_decision.waiver_lists if w not in act_lists)
    if len(act_lists) == 1 and not later_lists:
        found, from_decision = judge_list(act_lists[0], inp, facts), False
    else:
        act = [judge_list(w, inp, facts) for w in act_lists]
        later = [judge_list(w, inp, facts) for w in later_lists]
        found, from_decision = best_list_result(act, later)
    waiver = decide_waiver(found, from_decision, facts, None if found else inp.occurred_on)
    if found is not None and found.chosen is not None:
        warnings += found.chosen.warnings
    if found is not None and found.chosen is not None and waiver.ground == "list":
        unverified += unverified_notes(found)
        if waiver.deadline is not None:
            gaps = unknown_years(inp.discovery, waiver.deadline)
            if gaps:
                warnings.append(("calendar_unknown", {"years": gaps}))
    return waiver


_DECISIONS: dict[str, Decision] = {
    "no_fault": "no_fault", "waived": "waived", "pending_correction": "pending_correction",
    "may_waive": "may_waive", "undetermined": "undetermined", "not_eligible": "fine",
}


def _decide(limitation: Limitation, waiver: WaiverDecision) -> Decision:
    return "time_barred" if limitation.expired else _DECISIONS[waiver.outcome]


def evaluate(inp: EvaluationInput, book: RuleBook) -> Evaluation:
    """Decide one violation under the rule book: waiver, penalty, limitation, with reasons."""
    _validate(inp, book)
    same = book.same_act(inp.violation_code)
    facts = derive_facts(inp, same) if inp.prior_violations is not None else inp.facts
    warnings: list[Note] = []
    unverified: list[Note] = []
    if inp.decided_on is None:
        warnings.append(("no_decision_date", {}))
    at_act = book.at(inp.occurred_on)
    at_decision = book.at(inp.decided_on) if inp.decided_on is not None else None
    proc = at_act.catalogue.procedure if at_act.catalogue else None
    limitation = _limitation(inp, facts, proc)
    waiver = _waiver(inp, facts, at_act, at_decision, warnings, unverified)
    decision = _decide(limitation, waiver)
    penalty, penalty_unverified = _penalty(inp, facts, at_act, at_decision, decision, warnings,
                                           same)
    unverified += penalty_unverified
    return Evaluation(inp, decision, waiver, penalty, limitation, tuple(warnings),
                      tuple(unverified))

