"""Benchmark: rules-engine evaluations per second over varied violations, in one process."""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from datetime import date, timedelta
from typing import Any

from server.rules import (
    Base,
    EvaluationInput,
    Facts,
    PriorViolation,
    RuleBook,
    evaluate,
    load_rule_book,
)

BASELINE_PER_S = 10_000
GOAL_RATIO = 5
FIRST_DAY = date(2022, 6, 5)  # every catalogue article is in force from here
SPAN_DAYS = (date(2026, 6, 30) - FIRST_DAY).days
TRI = (True, False, None)
PASS_SEEDS = (20200501, 20250501, 20230701)


def _maybe(rnd: random.Random, p: float) -> bool:
    return rnd.random() < p


def _facts(rnd: random.Random, occurred: date) -> Facts:
    corrected_on = occurred + timedelta(days=rnd.randrange(0, 15)) if _maybe(rnd, 0.2) else None
    return Facts(
        first_offence=rnd.choice(TRI), corrected_in_time=rnd.choice(TRI),
        corrected_on_spot=rnd.choice(TRI), corrected_on=corrected_on,
        harmful_consequence=rnd.choice(TRI),
        harm_minor=rnd.choice(TRI) if _maybe(rnd, 0.2) else None,
        stopped_and_restored=rnd.choice(TRI), minor=True if _maybe(rnd, 0.05) else None,
        no_fault=True if _maybe(rnd, 0.01) else None,
        not_corrected_by_deadline=True if _maybe(rnd, 0.1) else None,
        refused_correction=True if _maybe(rnd, 0.1) else None,
        life_health_or_financial_harm=True if _maybe(rnd, 0.05) else None,
    )


def _one(rnd: random.Random, book: RuleBook, codes: list[str],
         grounds: list[str]) -> EvaluationInput:
    code = rnd.choice(codes)
    occurred = FIRST_DAY + timedelta(days=rnd.randrange(SPAN_DAYS))
    rules = book.at(occurred)
    table = rules.discretion.table_for(code) if rules.discretion else None
    factors = {f.key: rnd.randint(1, 5) for f in (table.factors if table else ())
               if _maybe(rnd, 0.6)}
    items = [i.number for w in rules.waiver_lists for i in w.by_code.get(code, ())]
    priors = None
    if _maybe(rnd, 0.4):
        priors = tuple(PriorViolation(occurred - timedelta(days=rnd.randrange(1, 800)),
                                      rnd.choice((code, rnd.choice(codes))))
                       for _ in range(rnd.randrange(0, 4)))
    continuing = _maybe(rnd, 0.05)
    return EvaluationInput(
        violation_code=code, occurred_on=occurred,
        party_type="individual" if _maybe(rnd, 0.15) else "organisation",
        decided_on=occurred + timedelta(days=rnd.randrange(0, 120)) if _maybe(rnd, 0.8) else None,
        discovered_on=occurred + timedelta(days=rnd.randrange(0, 900)) if _maybe(rnd, 0.5)
        else None,
        continuing=continuing,
        ended_on=occurred + timedelta(days=rnd.randrange(1, 60)) if continuing and _maybe(
            rnd, 0.5) else None,
        facts=_facts(rnd, occurred), factors=factors,
        base=Base(investment_fen=rnd.randrange(10**7, 10**11) if _maybe(rnd, 0.9) else None,
                  disposal_cost_fen=rnd.randrange(10**5, 10**9), instances=rnd.randint(1, 5)),
        mitigation=(rnd.choice(grounds),) if _maybe(rnd, 0.1) else (),
        prior_violations=priors,
        also_violates=(rnd.choice(codes),) if _maybe(rnd, 0.05) else (),
        waiver_item=rnd.choice(items) if items and _maybe(rnd, 0.3) else None,
    )


def make_inputs(book: RuleBook, count: int, seed: int = 20200501) -> list[EvaluationInput]:
    """`count` varied violations (codes, dates, facts, grades, bases, history)."""
    rnd = random.Random(seed)
    codes = sorted(book.known_codes)
    grounds = sorted(book.mitigation_grounds)
    return [_one(rnd, book, codes, grounds) for _ in range(count)]


def _rate(book: RuleBook, inputs: list[EvaluationInput]) -> float:
    started = time.perf_counter()
    for inp in inputs:
        evaluate(inp, book)
    return len(inputs) / (time.perf_counter() - started)


def run(quick: bool = False) -> dict[str, Any]:
    """Evaluate 100,000 varied violations (10,000 if quick) and report evaluations per second.

    The pass is repeated three times, each over its own freshly generated violations (so no
    date-keyed cache is reused from an earlier pass), and the median rate is reported.
    """
    book = load_rule_book()
    count = 10_000 if quick else 100_000
    rates = [_rate(book, make_inputs(book, count, seed=seed)) for seed in PASS_SEEDS]
    per_s = statistics.median(rates)
    return {"rules_eval_per_s": {
        "value": round(per_s), "unit": "evaluations/s", "baseline": BASELINE_PER_S,
        "ratio": round(per_s / BASELINE_PER_S, 2), "goal": GOAL_RATIO, "higher_is_better": True,
    }}


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
