"""Golden table: every catalogue entry's range, shape, discretion points and rounding (in fen)."""

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from server.rules import Evaluation, RuleBook

ON = date(2024, 11, 6)
ALL = {"environmental_sensitivity", "duration", "harm", "scale"}
EIA = {"document_class", "location", "construction_stage"}
PERMIT = {"permit_class", "duration"}
INVEST = {"investment_fen": 1_000_000_000}       # 10,000,000 yuan
COST_LOW = {"disposal_cost_fen": 5_000_000}      # 50,000 yuan: under the 100,000 floor
COST_HW = {"disposal_cost_fen": 10_000_000}      # 100,000 yuan: under the 200,000 floor
THREE = {"instances": 3}

# code, shape, penalty article, base, statutory min/max, amount at grades unknown / 3 / 5,
# factor keys of its table, responsible-person amount at grades unknown (None: no such fine)
GOLDEN: list[tuple[Any, ...]] = [
    ("EIA_UNAPPROVED", "percent_of_base", "环评法 第31条第1款", INVEST,
     10_000_000, 50_000_000, 10_000_000, 29_500_000, 50_000_000, EIA, None),
    # Waiver items 2 and 3 (LAW.md §1, draft): other acts punished under the same article.
    ("EIA_MAJOR_CHANGE", "percent_of_base", "环评法 第31条第1款", INVEST,
     10_000_000, 50_000_000, 10_000_000, 29_500_000, 50_000_000, EIA, None),
    ("EIA_EXPIRED_UNREVIEWED", "percent_of_base", "环评法 第31条第1款", INVEST,
     10_000_000, 50_000_000, 10_000_000, 29_500_000, 50_000_000, EIA, None),
    ("EIA_REG_FORM", "range", "环评法 第31条第3款", {},
     0, 5_000_000, 1_000_000, 2_950_000, 5_000_000, EIA, None),
    ("ACCEPTANCE", "range", "条例 第23条第1款", {},
     20_000_000, 100_000_000, 20_000_000, 60_000_000, 100_000_000, ALL, 5_000_000),
    ("ACCEPTANCE_DISCLOSE", "range", "条例 第23条第2款", {},
     5_000_000, 20_000_000, 5_000_000, 12_000_000, 20_000_000, ALL, None),
    ("AIR_EXCEED", "range", "大气法 第99条", {},
     10_000_000, 100_000_000, 20_000_000, 60_000_000, 100_000_000, ALL, None),
    ("AIR_MONITOR", "range", "大气法 第100条", {},
     2_000_000, 20_000_000, 4_000_000, 12_000_000, 20_000_000, ALL, None),
    ("AIR_VOC", "range", "大气法 第108条", {},
     2_000_000, 20_000_000, 4_000_000, 12_000_000, 20_000_000, ALL, None),
    ("AIR_DUST", "range", "大气法 第117条", {},
     1_000_000, 10_000_000, 2_000_000, 6_000_000, 10_000_000, ALL, None),
    ("WATER_EXCEED", "range", "水法 第83条", {},
     10_000_000, 100_000_000, 20_000_000, 60_000_000, 100_000_000, ALL, None),
    ("WATER_MONITOR", "range", "水法 第82条", {},
     2_000_000, 20_000_000, 4_000_000, 12_000_000, 20_000_000, ALL, None),
    ("SW_LEDGER", "range", "固废法 第102条", {},
     5_000_000, 20_000_000, 5_000_000, 12_000_000, 20_000_000, ALL, None),
    ("SW_DUMP", "multiple_of_base_with_floor", "固废法 第102条第1款第7项", COST_LOW,
     10_000_000, 30_000_000, 10_000_000, 18_000_000, 30_000_000, ALL, None),
    ("HW_MGMT", "range", "固废法 第112条", {},
     10_000_000, 100_000_000, 20_000_000, 60_000_000, 100_000_000, ALL, None),
    # Waiver items 6 and 7 (LAW.md §1, draft): acts of HW_MGMT, punished under the same article.
    ("HW_NO_SIGN", "range", "固废法 第112条", {},
     10_000_000, 100_000_000, 20_000_000, 60_000_000, 100_000_000, ALL, None),
    ("HW_NO_LEDGER", "range", "固废法 第112条", {},
     10_000_000, 100_000_000, 20_000_000, 60_000_000, 100_000_000, ALL, None),
    ("HW_DUMP", "multiple_of_base_with_floor", "固废法 第112条", COST_HW,
     60_000_000, 100_000_000, 60_000_000, 60_000_000, 100_000_000, ALL, None),
    ("HW_NO_LICENSE", "range", "固废法 第114条", {},
     100_000_000, 500_000_000, 100_000_000, 300_000_000, 500_000_000, ALL, 20_000_000),
    ("NOISE_IND", "range", "噪声法 第75条", {},
     2_000_000, 20_000_000, 4_000_000, 12_000_000, 20_000_000, ALL, None),
    ("NOISE_NIGHT", "range", "噪声法 第77条", {},
     1_000_000, 10_000_000, 2_000_000, 6_000_000, 10_000_000, ALL, None),
    ("NOISE_CONST_MGMT", "range", "噪声法 第78条", {},
     500_000, 5_000_000, 1_000_000, 3_000_000, 5_000_000, ALL, None),
    ("PERMIT_NONE", "range", "许可条例 第33条", {},
     20_000_000, 100_000_000, 20_000_000, 60_000_000, 100_000_000, PERMIT, None),
    ("PERMIT_EXCEED", "range", "许可条例 第34条", {},
     20_000_000, 100_000_000, 20_000_000, 60_000_000, 100_000_000, PERMIT, None),
    ("PERMIT_MONITOR", "range", "许可条例 第36条", {},
     2_000_000, 20_000_000, 4_000_000, 12_000_000, 20_000_000, PERMIT, None),
    ("PERMIT_LEDGER", "per_instance", "许可条例 第37条", THREE,
     1_500_000, 6_000_000, 1_500_000, 3_600_000, 6_000_000, PERMIT, None),
    # Waiver items 10 and 11 (LAW.md §1, draft): acts of PERMIT_LEDGER, under the same article.
    ("PERMIT_REPORT_LATE", "per_instance", "许可条例 第37条", THREE,
     1_500_000, 6_000_000, 1_500_000, 3_600_000, 6_000_000, PERMIT, None),
    ("PERMIT_NO_LEDGER", "per_instance", "许可条例 第37条", THREE,
     1_500_000, 6_000_000, 1_500_000, 3_600_000, 6_000_000, PERMIT, None),
    ("OBSTRUCT", "range", "大气法 第98条 / 水法 第81条 / 许可条例 第39条", {},
     2_000_000, 20_000_000, 4_000_000, 12_000_000, 20_000_000, ALL, None),
]
CODES = [row[0] for row in GOLDEN]
# Acts of the waiver list's working draft (LAW.md §1 [unconfirmed]), not of LAW.md §3.
DRAFT = {"EIA_MAJOR_CHANGE", "EIA_EXPIRED_UNREVIEWED", "HW_NO_SIGN", "HW_NO_LEDGER",
         "PERMIT_REPORT_LATE", "PERMIT_NO_LEDGER"}


def test_the_golden_table_covers_the_23_codes_of_law_md_and_the_6_of_the_list_draft(
        book: RuleBook) -> None:
    catalogue = book.catalogue_on(ON)
    assert catalogue is not None
    assert sorted(catalogue.entries) == sorted(CODES)
    assert len(set(CODES) - DRAFT) == 23 and DRAFT <= set(CODES) and len(DRAFT) == 6


@pytest.mark.parametrize(("code", "shape", "article", "base", "low", "high", "at_unknown",
                          "at_3", "at_5", "factors", "person"), GOLDEN, ids=CODES)
def test_each_entry_gives_its_range_shape_and_discretion_points(
        case: Callable[..., Evaluation], book: RuleBook, code: str, shape: str, article: str,
        base: dict[str, int], low: int, high: int, at_unknown: int, at_3: int, at_5: int,
        factors: set[str], person: int | None) -> None:
    catalogue = book.catalogue_on(ON)
    assert catalogue is not None and catalogue.entries[code].fine.shape == shape
    unknown = case(code, ON, base=base).penalty
    assert (unknown.status, unknown.basis) == ("computed", article)
    assert (unknown.statutory_min_fen, unknown.statutory_max_fen) == (low, high)
    assert unknown.amount_fen == at_unknown
    assert case(code, ON, base=base, factors={k: 3 for k in factors}).penalty.amount_fen == at_3
    assert case(code, ON, base=base, factors={k: 5 for k in factors}).penalty.amount_fen == at_5
    got_person = unknown.responsible_person
    assert (got_person.amount_fen if got_person else None) == person
    assert unknown.entry is not None
    assert unknown.entry.verified is (code not in DRAFT)  # LAW.md §3 is [law], §1's draft not


@pytest.mark.parametrize(("code", "article"), [
    ("AIR_EXCEED", "大气法 第123条"), ("WATER_EXCEED", "水法 第95条"),
])
def test_daily_penalty_is_allowed_only_where_the_law_provides_it(
        case: Callable[..., Evaluation], code: str, article: str) -> None:
    penalty = case(code, ON).to_dict("zh")["penalty"]
    assert penalty["daily_penalty"] == {"allowed": True, "basis": article}
    assert case("AIR_VOC", ON).penalty.daily_penalty_article is None


@pytest.mark.parametrize(("code", "fact", "low", "high", "at_unknown"), [
    ("ACCEPTANCE", "not_corrected_by_deadline", 100_000_000, 200_000_000, 100_000_000),
    ("NOISE_CONST_MGMT", "refused_correction", 5_000_000, 20_000_000, 5_000_000),
])
def test_a_higher_range_applies_when_not_corrected(case: Callable[..., Evaluation], code: str,
                                                   fact: str, low: int, high: int,
                                                   at_unknown: int) -> None:
    penalty = case(code, ON, facts={fact: True}).penalty
    assert (penalty.statutory_min_fen, penalty.statutory_max_fen) == (low, high)
    assert penalty.amount_fen == at_unknown
    assert any(step[0] == "escalation" for step in penalty.trace)


@pytest.mark.parametrize(("cost_fen", "low", "high"), [
    (5_000_000, 10_000_000, 30_000_000),      # cost under the floor counts as 100,000 yuan
    (10_000_000, 10_000_000, 30_000_000),     # exactly the floor
    (20_000_000, 20_000_000, 60_000_000),     # above the floor: 1–3× the cost
])
def test_the_disposal_cost_floor_applies_to_the_base(case: Callable[..., Evaluation],
                                                     cost_fen: int, low: int, high: int) -> None:
    penalty = case("SW_DUMP", ON, base={"disposal_cost_fen": cost_fen}).penalty
    assert (penalty.statutory_min_fen, penalty.statutory_max_fen) == (low, high)


@pytest.mark.parametrize(("investment_fen", "low", "high", "amount"), [
    # 12,345,678.90 yuan: 1 % rounds up, 5 % rounds down to whole fen; 60 % of the max
    # (37,037,036 fen) is rounded to 100 yuan.
    (1_234_567_890, 12_345_679, 61_728_394, 37_040_000),
    # 1,000 yuan: no multiple of 100 yuan lies in 10–50 yuan, so the exact amount stays.
    (100_000, 1_000, 5_000, 3_000),
    # 1 fen: 1–5 % is narrower than a fen; the range keeps its rounded-up minimum.
    (1, 1, 1, 1),
])
def test_percent_of_base_is_exact_in_fen_and_rounded_inside_the_range(
        case: Callable[..., Evaluation], investment_fen: int, low: int, high: int,
        amount: int) -> None:
    penalty = case("EIA_UNAPPROVED", ON, base={"investment_fen": investment_fen},
                   factors={"document_class": 5, "location": 3}).penalty
    assert (penalty.statutory_min_fen, penalty.statutory_max_fen) == (low, high)
    assert penalty.amount_fen == amount
    assert isinstance(penalty.amount_fen, int)


@pytest.mark.parametrize(("code", "missing"), [
    ("EIA_UNAPPROVED", "base.investment_yuan"),
    ("SW_DUMP", "base.disposal_cost_yuan"),
    ("PERMIT_LEDGER", "base.instances"),
    ("PERMIT_REPORT_LATE", "base.instances"),
    ("PERMIT_NO_LEDGER", "base.instances"),
])
def test_a_shape_without_its_base_is_incomplete_not_guessed(case: Callable[..., Evaluation],
                                                            code: str, missing: str) -> None:
    result = case(code, ON)
    assert result.penalty.status == "incomplete"
    assert result.penalty.amount_fen is None
    assert result.penalty.assessment is not None
    assert result.penalty.assessment.missing == (missing,)
    assert result.penalty.levied is None


@pytest.mark.parametrize(("code", "occurred", "since"), [
    ("NOISE_IND", date(2022, 6, 4), date(2022, 6, 5)),
    ("PERMIT_LEDGER", date(2021, 2, 28), date(2021, 3, 1)),
    ("HW_MGMT", date(2020, 8, 31), date(2020, 9, 1)),
    ("HW_NO_SIGN", date(2020, 8, 31), date(2020, 9, 1)),
    ("PERMIT_NO_LEDGER", date(2021, 2, 28), date(2021, 3, 1)),
])
def test_acts_before_the_article_took_effect_have_no_rule(case: Callable[..., Evaluation],
                                                          code: str, occurred: date,
                                                          since: date) -> None:
    before = case(code, occurred, base=THREE).penalty
    assert before.status == "no_rule" and before.amount_fen is None
    assert case(code, since, base=THREE).penalty.status == "computed"
