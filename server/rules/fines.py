"""The fine for one provision: statutory range, weighted discretion, mitigation, rounding."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from server.rules.inputs import EvaluationInput, Facts
from server.rules.model import (
    BP,
    Catalogue,
    CatalogueEntry,
    Discretion,
    FactorTable,
    FineShape,
    Text,
)
from server.rules.result import Note, PenaltyStatus, PersonFine, TraceStep
from server.rules.values import value
from server.workdays import add_years

NONE = Text("—", "-")  # no discretion method in force


@value
class FactorPlan:
    """One factor, with its weights and its explanation step for each grade prepared."""

    key: str
    weights: tuple[int, ...]
    steps: tuple[TraceStep, ...]
    """Index 0: not established (lowest grade); index g: grade g."""


@value
class Plan:
    """What one code gives under one catalogue and discretion version, before any case facts.

    Built once and shared, so that evaluating a case only looks things up and does integer
    arithmetic; the explanation steps that never vary are prepared here as well.
    """

    code: str
    catalogue: Catalogue
    discretion: Discretion | None
    entry: CatalogueEntry | None
    table: FactorTable | None
    ref: str
    name: Text
    """The rule versions as the texts name them (titles in Chinese, `ref` in English)."""
    rule_sets_step: TraceStep
    per_instance: bool
    fixed_range: tuple[int, int, TraceStep] | None
    escalation: tuple[str, int, int, TraceStep] | None
    start: tuple[int, TraceStep, Text] | None
    """Starting weight, its step and the table id, when a factor table applies."""
    factors: tuple[FactorPlan, ...]
    unverified: tuple[Note, ...]


@lru_cache(maxsize=4096)
def plan_for(code: str, catalogue: Catalogue, disc: Discretion | None) -> Plan:
    """The prepared plan for `code` (cached; rule sets hash by identity and are immutable)."""
    entry = catalogue.entries.get(code)
    table = disc.table_for(code) if disc is not None else None
    disc_ref = disc.meta.ref if disc is not None else "-"
    cat_ref = catalogue.meta.ref
    cat_name, disc_name = catalogue.meta.name, disc.meta.name if disc is not None else NONE
    unverified: list[Note] = []
    if not catalogue.meta.verified:
        unverified.append(("unverified_rule_set", {"ref": cat_name}))
    if entry is not None and not entry.verified:
        unverified.append(("unverified_entry", {"code": code}))
    if disc is not None and table is not None:
        if not table.verified:
            unverified.append(("unverified_weights", {"table": table.name}))
        if not disc.rounding_verified:
            unverified.append(("unverified_rounding", {}))
    fixed: tuple[int, int, TraceStep] | None = None
    escalation: tuple[str, int, int, TraceStep] | None = None
    start: tuple[int, TraceStep, Text] | None = None
    if entry is not None:
        fine, esc = entry.fine, entry.escalation
        if fine.shape in ("range", "per_instance"):
            key = "range" if fine.shape == "range" else "range_per_instance"
            fixed = fine.min_fen, fine.max_fen, ("statutory_range", entry.penalty_article, (
                key, {"min_fen": fine.min_fen, "max_fen": fine.max_fen}))
        if esc is not None and esc.fact:
            escalation = esc.fact, esc.min_fen, esc.max_fen, ("escalation", esc.article, (
                "escalation", {"fact": esc.fact, "min_fen": esc.min_fen, "max_fen": esc.max_fen}))
    factors: tuple[FactorPlan, ...] = ()
    if table is not None:
        start = table.starting_bp, ("starting_weight", disc_ref, (
            "starting_weight", {"weight_bp": table.starting_bp})), table.name
        factors = tuple(FactorPlan(f.key, f.weights_bp, (
            ("factor", disc_ref, ("factor_unknown", {"name": f.name,
                                                     "weight_bp": f.weights_bp[0]})),
            *(("factor", disc_ref, ("factor", {"name": f.name, "grade": g, "weight_bp": w}))
              for g, w in enumerate(f.weights_bp, start=1)))) for f in table.factors)
    return Plan(
        code=code, catalogue=catalogue, discretion=disc, entry=entry, table=table,
        ref=f"{cat_ref} + {disc_ref}",
        name=Text(f"{cat_name.zh}、{disc_name.zh}", f"{cat_ref} + {disc_ref}"),
        rule_sets_step=("rule_sets", cat_ref, ("rule_sets", {"catalogue": cat_name,
                                                             "discretion": disc_name})),
        per_instance=entry is not None and entry.fine.shape == "per_instance",
        fixed_range=fixed, escalation=escalation, start=start, factors=factors,
        unverified=tuple(unverified),
    )


@value
class Assessment:
    """The fine one catalogue version and one discretion version give for one code."""

    plan: Plan
    status: PenaltyStatus
    min_fen: int | None
    max_fen: int | None
    amount_fen: int | None
    person: PersonFine | None
    missing: tuple[str, ...]
    steps: tuple[TraceStep, ...]
    warnings: tuple[Note, ...]
    unverified: tuple[Note, ...]

    @property
    def code(self) -> str:
        """The catalogue code assessed."""
        return self.plan.code

    @property
    def entry(self) -> CatalogueEntry | None:
        """The catalogue entry (None when the version has no such code)."""
        return self.plan.entry

    @property
    def ref(self) -> str:
        """The rule versions used, as one name."""
        return self.plan.ref

    @property
    def name(self) -> Text:
        """The rule versions used, as the texts name them."""
        return self.plan.name


def _ceil_div(num: int, den: int) -> int:
    return -(-num // den)


def _half_up(num: int, den: int) -> int:
    return (2 * num + den) // (2 * den)


def round_in_range(amount: int, low: int, high: int, step: int) -> int:
    """Round half up to a multiple of `step`, staying inside [low, high] (exact if impossible)."""
    if step <= 1:
        return amount
    rounded = _half_up(amount, step) * step
    if rounded < low:
        rounded = _ceil_div(low, step) * step
    if rounded > high:
        rounded = (high // step) * step
    return rounded if low <= rounded <= high else amount


def _unit_range(fine: FineShape, base: int | None, article: str,
                steps: list[TraceStep]) -> tuple[int, int] | str:
    """The range for one instance, or the name of the missing base."""
    if fine.shape in ("range", "per_instance"):
        key = "range" if fine.shape == "range" else "range_per_instance"
        steps.append(("statutory_range", article,
                          (key, {"min_fen": fine.min_fen, "max_fen": fine.max_fen})))
        return fine.min_fen, fine.max_fen
    if base is None:
        return f"base.{fine.base}_yuan"
    if fine.shape == "percent_of_base":
        low = _ceil_div(base * fine.min_ratio_bp, BP)
        # A range narrower than one fen (a base of a few fen) keeps its rounded-up minimum.
        high = max(base * fine.max_ratio_bp // BP, low)
        steps.append(("statutory_range", article, ("range_percent", {
            "base_fen": base, "low_bp": fine.min_ratio_bp, "high_bp": fine.max_ratio_bp,
            "min_fen": low, "max_fen": high})))
        return low, high
    floor = fine.base_floor_fen
    counted = max(base, floor) if fine.floor_applies_to == "base" else base
    low = _ceil_div(counted * fine.min_ratio_bp, BP)
    high = max(counted * fine.max_ratio_bp // BP, low)
    if fine.floor_applies_to == "fine":
        low, high = max(low, floor), max(high, floor)
    key = "range_multiple" if fine.floor_applies_to == "base" else "range_multiple_fine"
    steps.append(("statutory_range", article, (key, {
        "base_fen": base, "floor_fen": floor, "low_x": fine.min_ratio_bp,
        "high_x": fine.max_ratio_bp, "min_fen": low, "max_fen": high})))
    return low, high


def repeat_count(disc: Discretion | None, inp: EvaluationInput,
                 same: frozenset[str] = frozenset()) -> int:
    """Earlier violations inside the repeat window counted back from the act; `same`: the codes
    of the same kind when the method counts those only (RuleBook.same_act; else the code)."""
    if disc is None or not inp.prior_violations:
        return 0
    rule = disc.repeat
    since = add_years(inp.occurred_on, -rule.window_years)
    return sum(1 for p in inp.prior_violations
               if since <= p.occurred_on < inp.occurred_on
               and (not rule.same_code_only or p.code is None
                    or p.code == inp.violation_code or p.code in same))


def _share(plan: Plan, start: tuple[int, TraceStep, Text], disc: Discretion,
           factors: tuple[tuple[str, int], ...], repeats: int, steps: list[TraceStep],
           warnings: list[Note]) -> int:
    """The weight in basis points of the statutory maximum."""
    share, step, table = start
    steps.append(step)
    given = dict(factors)
    for factor in plan.factors:
        grade = given.pop(factor.key, None)
        share += factor.weights[(grade or 1) - 1]
        steps.append(factor.steps[grade or 0])
    for key in given:  # grades for factors this table does not have
        warnings.append(("factor_unused", {"key": key, "table": table}))
    if repeats:
        rule = disc.repeat
        counted = min(repeats, rule.max_counted)
        steps.append(("repeat_offence", disc.meta.ref, ("repeat", {
            "years": rule.window_years, "count": repeats, "counted": counted,
            "weight_bp": counted * rule.bp_per_offence})))
        share += counted * rule.bp_per_offence
    return min(share, disc.cap_bp)


def assess(code: str, catalogue: Catalogue, disc: Discretion | None, inp: EvaluationInput,
           facts: Facts, same: frozenset[str] = frozenset()) -> Assessment:
    """The fine for `code` under one catalogue and one discretion version; `same` as for
    repeat_count."""
    plan = plan_for(code, catalogue, disc)
    entry = plan.entry
    if entry is None:
        step = ("statutory_range", catalogue.meta.ref,
                ("code_absent", {"ref": catalogue.meta.name, "code": code}))
        return Assessment(plan, "no_rule", None, None, None, None, (),
                          (plan.rule_sets_step, step), (), plan.unverified)
    if inp.occurred_on < entry.in_force_from:
        return _not_in_force(plan, entry, inp.occurred_on)
    steps: list[TraceStep] = [plan.rule_sets_step]
    unit: tuple[int, int] | str
    if plan.fixed_range is not None:
        low, high, step = plan.fixed_range
        unit = low, high
        steps.append(step)
    else:
        fine = entry.fine
        base = inp.base.investment_fen if fine.base == "investment" else inp.base.disposal_cost_fen
        unit = _unit_range(fine, base, entry.penalty_article, steps)
    if plan.escalation is not None and getattr(facts, plan.escalation[0]) is True:
        _, low, high, step = plan.escalation
        unit = low, high
        steps.append(step)
    instances = inp.base.instances if plan.per_instance else 1
    if isinstance(unit, str) or instances is None:
        what = unit if isinstance(unit, str) else "base.instances"
        steps.append(("statutory_range", entry.penalty_article, ("missing_base", {"what": what})))
        return Assessment(plan, "incomplete", None, None, None, None, (what,), tuple(steps), (),
                          plan.unverified)
    low, high = unit
    warnings: list[Note] = []
    unverified = plan.unverified
    if disc is None or plan.start is None:
        steps.append(("discretion", disc.meta.ref if disc else "-", ("no_table", {"code": code})))
        share, amount, step_fen = 0, low, 1
    else:
        repeats = repeat_count(disc, inp, same) if inp.prior_violations else 0
        share = _share(plan, plan.start, disc, inp.factors, repeats, steps, warnings)
        raw = (2 * high * share + BP) // (2 * BP)  # half up
        steps.append(("weighted_sum", disc.meta.ref, ("share", {
            "total_bp": share, "cap_bp": disc.cap_bp, "max_fen": high, "raw_fen": raw})))
        amount = min(raw, high)
        if amount < low:
            amount = low
            steps.append(("statutory_minimum", entry.penalty_article,
                          ("floor", {"min_fen": low})))
        if inp.mitigation:
            amount = _mitigate(amount, low, disc, inp.mitigation, steps)
            if not disc.mitigation.verified:
                unverified += (("unverified_mitigation", {}),)
        if repeats and not disc.repeat.verified:
            unverified += (("unverified_repeat", {}),)
        step_fen = disc.rounding_step_fen
        rounded = round_in_range(amount, low, high, step_fen)
        if rounded != amount:
            steps.append(("rounding", disc.meta.ref, ("rounding", {
                "step_fen": step_fen, "before_fen": amount, "after_fen": rounded})))
        amount = rounded
    if instances != 1:
        steps.append(("instances", entry.penalty_article, ("instances", {
            "unit_fen": amount, "instances": instances, "amount_fen": amount * instances})))
    person = _person(entry, share, step_fen, steps) if entry.responsible_persons else None
    return Assessment(plan, "computed", low * instances, high * instances, amount * instances,
                      person, (), tuple(steps), tuple(warnings), unverified)


def _not_in_force(plan: Plan, entry: CatalogueEntry, occurred: date) -> Assessment:
    step = ("statutory_range", entry.penalty_article, ("no_rule", {
        "code": entry.code, "article": entry.penalty_article, "since": entry.in_force_from,
        "occurred": occurred}))
    unverified = plan.unverified
    if not entry.in_force_from_verified:
        unverified += (("unverified_since", {"code": entry.code, "since": entry.in_force_from}),)
    return Assessment(plan, "no_rule", None, None, None, None, (), (plan.rule_sets_step, step),
                      (), unverified)


def _mitigate(amount: int, low: int, disc: Discretion, mitigation: tuple[str, ...],
              steps: list[TraceStep]) -> int:
    rule = disc.mitigation
    after = max(low, _half_up(amount * (BP - rule.reduce_bp), BP))
    steps.append(("mitigation", rule.article, ("mitigation", {
        "grounds": tuple(rule.grounds[g] for g in mitigation if g in rule.grounds),
        "reduce_bp": rule.reduce_bp, "before_fen": amount, "after_fen": after})))
    return after


def _person(entry: CatalogueEntry, share: int, step_fen: int,
            steps: list[TraceStep]) -> PersonFine | None:
    fine = entry.responsible_persons
    if fine is None:
        return None
    amount = min(max(_half_up(fine.max_fen * share, BP), fine.min_fen), fine.max_fen)
    amount = round_in_range(amount, fine.min_fen, fine.max_fen, step_fen)
    steps.append(("responsible_persons", fine.article, ("person", {
        "min_fen": fine.min_fen, "max_fen": fine.max_fen, "amount_fen": amount})))
    return PersonFine(fine.min_fen, fine.max_fen, amount, fine.article)
