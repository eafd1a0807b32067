"""Properties of the engine over generated violations (hypothesis)."""

from dataclasses import replace
from datetime import date, timedelta
from types import MappingProxyType

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from server.rules import (
    Base,
    Evaluation,
    EvaluationInput,
    Facts,
    PriorViolation,
    RuleBook,
    evaluate,
    load_rule_book,
)
from server.rules.fines import assess
from server.rules.model import Catalogue, FineShape

BOOK = load_rule_book()
OTHER_BOOK = load_rule_book()  # loaded separately: no cache may leak between books
CODES = sorted(BOOK.known_codes)
GROUNDS = sorted(BOOK.mitigation_grounds)
FIRST, LAST = date(2015, 6, 1), date(2026, 6, 30)  # from before the first catalogue
TRI = st.sampled_from([True, False, None])
RARE = st.sampled_from([None, None, None, True])
SETTINGS = settings(max_examples=150, deadline=None)


@st.composite
def facts(draw: st.DrawFn, occurred: date) -> Facts:
    waivable = draw(st.booleans())  # half the cases meet every list condition
    good = {"first_offence": True, "corrected_in_time": True, "corrected_on_spot": True,
            "harmful_consequence": False, "stopped_and_restored": True}
    values = good if waivable else {name: draw(TRI) for name in good}
    return Facts(**values, harm_minor=draw(TRI), minor=draw(RARE), no_fault=draw(RARE),
                 not_corrected_by_deadline=draw(RARE), refused_correction=draw(RARE),
                 life_health_or_financial_harm=draw(RARE),
                 corrected_on=draw(st.none() | st.integers(0, 20).map(
                     lambda n: occurred + timedelta(days=n))))


@st.composite
def violations(draw: st.DrawFn, related: bool = True) -> EvaluationInput:
    code = draw(st.sampled_from(CODES))
    occurred = draw(st.dates(FIRST, LAST))
    rules = BOOK.at(occurred)
    table = rules.discretion.table_for(code) if rules.discretion else None
    keys = [f.key for f in table.factors] if table else ["harm"]
    later = st.integers(0, 900).map(lambda n: occurred + timedelta(days=n))
    priors = st.lists(st.builds(PriorViolation, st.dates(occurred - timedelta(days=800),
                                                         occurred), st.sampled_from(CODES)),
                      max_size=4).map(tuple)
    return EvaluationInput(
        violation_code=code, occurred_on=occurred,
        party_type=draw(st.sampled_from(["organisation", "individual"])),
        decided_on=draw(st.none() | later), discovered_on=draw(st.none() | later),
        facts=draw(facts(occurred)),
        factors=draw(st.dictionaries(st.sampled_from(keys), st.integers(1, 5))),
        base=Base(investment_fen=draw(st.integers(0, 10**12)),
                  disposal_cost_fen=draw(st.integers(0, 10**11)),
                  instances=draw(st.integers(1, 50))),
        mitigation=tuple(draw(st.lists(st.sampled_from(GROUNDS), max_size=2, unique=True))),
        prior_violations=draw(st.none() | priors),
        also_violates=tuple(draw(st.lists(st.sampled_from(CODES), max_size=2)))
        if related else (),
        waiver_item=draw(st.none() | st.integers(1, 11)),
    )


@SETTINGS
@given(violations())
def test_the_amount_always_lies_within_the_statutory_range(inp: EvaluationInput) -> None:
    penalty = evaluate(inp, BOOK).penalty
    if penalty.status == "computed":
        low, amount, high = penalty.statutory_min_fen, penalty.amount_fen, penalty.statutory_max_fen
        assert low is not None and amount is not None and high is not None
        assert low <= amount <= high
        assert isinstance(amount, int)
        person = penalty.responsible_person
        assert person is None or person.min_fen <= person.amount_fen <= person.max_fen
    else:
        assert penalty.amount_fen is None


@SETTINGS
@given(violations(), st.data())
def test_more_aggravating_factors_never_lower_the_amount(inp: EvaluationInput,
                                                         data: st.DataObject) -> None:
    before = evaluate(inp, BOOK).penalty
    assume(before.status == "computed")
    disc = BOOK.at(inp.occurred_on).discretion
    table = disc.table_for(before.code) if disc else None
    assume(table is not None)
    assert table is not None
    key = data.draw(st.sampled_from([f.key for f in table.factors]))
    grade = dict(inp.factors).get(key, 1)
    raised = {**dict(inp.factors), key: data.draw(st.integers(grade, 5))}
    prior = PriorViolation(inp.occurred_on - timedelta(days=data.draw(st.integers(1, 365))),
                           inp.violation_code)
    worse = replace(inp, factors=tuple(sorted(raised.items())),
                    prior_violations=(inp.prior_violations or ()) + (prior,))
    after = evaluate(worse, BOOK).penalty
    assert after.amount_fen is not None and before.amount_fen is not None
    assert after.amount_fen >= before.amount_fen


@st.composite
def newer_catalogue(draw: st.DrawFn) -> tuple[RuleBook, Catalogue, Catalogue, str, date]:
    old = BOOK.get("cn-eco-field-violations@1")
    assert isinstance(old, Catalogue)
    code = draw(st.sampled_from([c for c, e in old.entries.items() if e.fine.shape == "range"]))
    low = draw(st.integers(0, 50_000_000))
    high = draw(st.integers(low, 300_000_000))
    start = draw(st.dates(date(2022, 7, 1), date(2026, 1, 1)))
    entry = replace(old.entries[code], fine=FineShape("range", min_fen=low, max_fen=high))
    new = replace(old, meta=replace(old.meta, version="p", effective_from=start),
                  entries=MappingProxyType({**old.entries, code: entry}))
    return RuleBook(BOOK.rule_sets + (new,)), old, new, code, start


@SETTINGS
@given(newer_catalogue(), violations(related=False), st.integers(0, 400))
def test_the_lex_mitior_choice_is_never_heavier_than_either_version(
        setup: tuple[RuleBook, Catalogue, Catalogue, str, date], inp: EvaluationInput,
        days: int) -> None:
    rules, old, new, code, start = setup
    occurred = min(inp.occurred_on, start - timedelta(days=1))
    assume(occurred >= old.entries[code].in_force_from)
    inp = replace(inp, violation_code=code, occurred_on=occurred, discovered_on=None,
                  decided_on=start + timedelta(days=days), prior_violations=None)
    chosen = evaluate(inp, rules).penalty
    disc = rules.discretion_on(occurred)
    under_old = assess(code, old, disc, inp, inp.facts).amount_fen
    under_new = assess(code, new, disc, inp, inp.facts).amount_fen
    assert under_old is not None and under_new is not None
    assert chosen.amount_fen == min(under_old, under_new)


@SETTINGS
@given(violations())
def test_a_waived_violation_always_keeps_its_would_be_amount(inp: EvaluationInput) -> None:
    result = evaluate(inp, BOOK)
    if result.decision in ("waived", "no_fault", "time_barred"):
        assert result.penalty.levied is False
        assert result.penalty.would_be_amount_fen == result.penalty.amount_fen
        if result.penalty.status == "computed":
            assert result.penalty.would_be_amount_fen is not None
    if result.decision == "waived":
        assert result.waiver.education_required and result.waiver.basis


def _answers(result: Evaluation) -> tuple[dict, dict]:
    return result.to_dict("zh"), result.to_dict("en")


@SETTINGS
@given(violations())
def test_evaluation_is_deterministic(inp: EvaluationInput) -> None:
    first = _answers(evaluate(inp, BOOK))
    assert _answers(evaluate(inp, BOOK)) == first
    assert _answers(evaluate(inp, OTHER_BOOK)) == first
