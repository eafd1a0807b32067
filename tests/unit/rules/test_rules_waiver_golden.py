"""Golden table: every item of the 2020 list, with each condition met and each unmet."""

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from server.rules import Evaluation, RuleBook

ON = date(2023, 3, 1)  # inside 2020-05-01 … 2025-04-30, after every cited article took effect
LIST = "sh-eco-minor-offence-waiver@2020"
STOP = "stopped_and_restored"
FIRST = "first_offence"
IN_TIME = "corrected_in_time"
NO_HARM = "no_harmful_consequence"
SPOT = "corrected_on_spot"

# item, catalogue code it covers, its conditions (LAW.md §1), verified, penalty article
ITEMS: list[tuple[int, str, tuple[str, ...], bool, str]] = [
    (1, "EIA_UNAPPROVED", (STOP, IN_TIME, NO_HARM), True, "环评法 第31条第1款"),
    (2, "EIA_MAJOR_CHANGE", (STOP, IN_TIME, NO_HARM), False, "环评法 第31条第1款"),
    (3, "EIA_EXPIRED_UNREVIEWED", (STOP, IN_TIME, NO_HARM), False, "环评法 第31条第1款"),
    (4, "AIR_DUST", (FIRST, IN_TIME, NO_HARM), False, "大气法 第117条"),
    (5, "AIR_VOC", (FIRST, SPOT, IN_TIME, NO_HARM), False, "大气法 第108条第1项"),
    (6, "HW_NO_SIGN", (FIRST, IN_TIME, NO_HARM), False, "固废法 第112条"),
    (7, "HW_NO_LEDGER", (FIRST, IN_TIME, NO_HARM), False, "固废法 第112条"),
    (8, "NOISE_IND", (FIRST, SPOT, IN_TIME, NO_HARM), False, "噪声法 第75条"),
    (9, "NOISE_IND", (FIRST, IN_TIME, NO_HARM), False, "噪声法 第76条"),
    (10, "PERMIT_REPORT_LATE", (FIRST, IN_TIME, NO_HARM), False, "许可条例 第37条"),
    (11, "PERMIT_NO_LEDGER", (FIRST, IN_TIME, NO_HARM), False, "许可条例 第37条"),
]
# The fact that meets a condition, and the value that leaves it unmet.
MET: dict[str, tuple[str, bool]] = {
    FIRST: ("first_offence", True), IN_TIME: ("corrected_in_time", True),
    NO_HARM: ("harmful_consequence", False), STOP: ("stopped_and_restored", True),
    SPOT: ("corrected_on_spot", True),
}
BASE = {"investment_fen": 500_000_000, "instances": 2}
UNMET_ROWS = [(item, code, conds, cond) for item, code, conds, _, _ in ITEMS for cond in conds]


def _facts(conditions: tuple[str, ...], unmet: str | None = None) -> dict[str, Any]:
    facts = {MET[c][0]: MET[c][1] for c in conditions}
    if unmet is not None:
        facts[MET[unmet][0]] = not MET[unmet][1]
    return facts


def test_the_list_has_eleven_items_and_only_item_1_is_confirmed(book: RuleBook) -> None:
    (wlist,) = book.waiver_lists_on(ON)
    assert wlist.meta.ref == LIST
    assert [(i.number, i.codes[0], i.conditions, i.verified) for i in wlist.items] == [
        (n, code, conds, verified) for n, code, conds, verified, _ in ITEMS]
    assert all(not i.window_verified and (i.window_days, i.window_kind) == (5, "working")
               for i in wlist.items)


@pytest.mark.parametrize(("item", "code", "conditions", "verified", "article"), ITEMS,
                         ids=[f"item{row[0]}" for row in ITEMS])
def test_every_condition_met_waives_and_keeps_the_would_be_fine(
        case: Callable[..., Evaluation], item: int, code: str, conditions: tuple[str, ...],
        verified: bool, article: str) -> None:
    result = case(code, ON, facts=_facts(conditions), base=BASE, waiver_item=item)
    waiver = result.waiver
    assert (result.decision, waiver.outcome, waiver.ground) == ("waived", "waived", "list")
    assert (waiver.list_ref, waiver.item, waiver.unmet, waiver.unknown) == (LIST, item, (), ())
    assert [c.condition for c in waiver.conditions] == list(conditions)
    assert all(c.met for c in waiver.conditions)
    assert waiver.basis == ("处罚法 第33条第1款", article)
    assert waiver.verified is verified and waiver.education_required
    assert result.penalty.levied is False
    assert result.penalty.amount_fen is not None
    assert result.penalty.would_be_amount_fen == result.penalty.amount_fen


@pytest.mark.parametrize(("item", "code", "conditions", "unmet"), UNMET_ROWS,
                         ids=[f"item{r[0]}-{r[3]}" for r in UNMET_ROWS])
def test_each_unmet_condition_is_named_and_blocks_the_item(
        case: Callable[..., Evaluation], item: int, code: str, conditions: tuple[str, ...],
        unmet: str) -> None:
    facts = _facts(conditions, unmet)
    result = case(code, ON, facts=facts, base=BASE, waiver_item=item)
    waiver = result.waiver
    assert waiver.found is not None and waiver.found.outcome == "not_eligible"
    assert waiver.unmet == (unmet,) and waiver.item == item
    # Outside the list, 处罚法 Art. 33 still allows a discretionary waiver for a first offence
    # without harm corrected in time.
    may_waive = (facts.get("first_offence") is True and facts.get("corrected_in_time") is True
                 and facts.get("harmful_consequence") is False)
    assert waiver.outcome == ("may_waive" if may_waive else "not_eligible")
    assert result.decision == ("may_waive" if may_waive else "fine")
    assert result.penalty.levied is (None if may_waive else True)


@pytest.mark.parametrize(("item", "code", "conditions"),
                         [(i, c, conds) for i, c, conds, _, _ in ITEMS if SPOT not in conds],
                         ids=[f"item{r[0]}" for r in ITEMS if SPOT not in r[2]])
def test_correction_not_yet_known_gives_a_deadline_in_working_days(
        case: Callable[..., Evaluation], item: int, code: str,
        conditions: tuple[str, ...]) -> None:
    facts = _facts(conditions)
    del facts["corrected_in_time"]
    facts.pop("stopped_and_restored", None)
    # Found on Friday 2024-09-27: five working days later, over National Day, is 2024-10-10.
    result = case(code, date(2024, 9, 27), facts=facts, base=BASE, waiver_item=item)
    waiver = result.waiver
    assert (result.decision, waiver.outcome) == ("pending_correction", "pending_correction")
    assert waiver.deadline == date(2024, 10, 10) and waiver.eligible
    assert set(waiver.unknown) <= {IN_TIME, STOP}
    assert result.penalty.levied is None


@pytest.mark.parametrize("item", [5, 8])
def test_items_needing_on_the_spot_correction_cannot_wait_for_a_deadline(
        case: Callable[..., Evaluation], item: int) -> None:
    code = "AIR_VOC" if item == 5 else "NOISE_IND"
    result = case(code, ON, facts={"first_offence": True, "corrected_on_spot": False,
                                   "harmful_consequence": False}, waiver_item=item)
    assert result.waiver.found is not None and result.waiver.found.outcome == "not_eligible"
    assert result.waiver.unmet == (SPOT,)


@pytest.mark.parametrize(("corrected_on", "outcome", "how"), [
    (date(2024, 10, 10), "waived", "computed"),        # on the last day of the window
    (date(2024, 10, 11), "not_eligible", "computed"),  # one working day late
])
def test_a_correction_date_is_checked_against_the_window(
        case: Callable[..., Evaluation], corrected_on: date, outcome: str, how: str) -> None:
    result = case("AIR_DUST", date(2024, 9, 27), waiver_item=4, facts={
        "first_offence": True, "harmful_consequence": False, "corrected_on": corrected_on})
    assert result.waiver.found is not None and result.waiver.found.outcome == outcome
    condition = next(c for c in result.waiver.conditions if c.condition == IN_TIME)
    assert condition.how == how
    assert result.waiver.verified is False  # the window decided it and is unconfirmed


def test_a_contradicting_corrected_in_time_fact_yields_to_the_date(
        case: Callable[..., Evaluation]) -> None:
    result = case("AIR_DUST", date(2024, 9, 27), facts={
        "first_offence": True, "harmful_consequence": False, "corrected_in_time": True,
        "corrected_on": date(2024, 10, 20)})
    assert result.waiver.found is not None and result.waiver.found.outcome == "not_eligible"
    assert any(note[0] == "correction_conflict" for note in result.warnings)


def test_items_that_disagree_need_the_behaviour_named(case: Callable[..., Evaluation]) -> None:
    facts = {"first_offence": True, "corrected_on_spot": False, "corrected_in_time": True,
             "harmful_consequence": False}
    open_question = case("NOISE_IND", ON, facts=facts)  # item 8 fails, item 9 would waive
    assert open_question.waiver.outcome == "undetermined"
    assert open_question.waiver.unknown == ("waiver_item",)
    assert open_question.waiver.items == (8, 9)
    assert case("NOISE_IND", ON, facts=facts, waiver_item=9).decision == "waived"
    mismatch = case("NOISE_IND", ON, facts=facts, waiver_item=5)
    assert mismatch.waiver.found is not None and mismatch.waiver.found.items == ()
    assert mismatch.waiver.reasons[0][0] == "item_mismatch"


# The three construction items: each act its own code, item and violated article (LAW.md §1);
# the items covering the code (EIA_UNAPPROVED, once shared by all three, still is).
EIA_ACTS = [("EIA_UNAPPROVED", 1, ["环评法 第22条第1款", "环评法 第25条"],
             ["EIA Law Art. 22 para. 1", "EIA Law Art. 25"], (1, 2, 3)),
            ("EIA_MAJOR_CHANGE", 2, ["环评法 第24条第1款"], ["EIA Law Art. 24 para. 1"], (2,)),
            ("EIA_EXPIRED_UNREVIEWED", 3, ["环评法 第24条第2款"], ["EIA Law Art. 24 para. 2"],
             (3,))]


@pytest.mark.parametrize(("code", "item", "violated", "violated_en", "items"), EIA_ACTS,
                         ids=[row[0] for row in EIA_ACTS])
def test_a_waived_construction_act_is_explained_under_its_own_item_and_violated_article(
        case: Callable[..., Evaluation], code: str, item: int, violated: list[str],
        violated_en: list[str], items: tuple[int, ...]) -> None:
    result = case(code, ON, facts=_facts((STOP, IN_TIME, NO_HARM)), base=BASE)
    assert (result.decision, result.waiver.item, result.waiver.items) == ("waived", item, items)
    zh, en = result.to_dict("zh"), result.to_dict("en")
    assert f"第{item}项" in zh["explanation"] and f"item {item} " in en["explanation"]
    assert zh["waiver"]["violated_articles"] == zh["penalty"]["violated_articles"] == violated
    assert en["waiver"]["violated_articles"] == violated_en
    assert zh["penalty"]["basis"] == "环评法 第31条第1款"


@pytest.mark.parametrize("item", [2, 3])
def test_the_shared_code_still_takes_items_2_and_3_when_named(
        case: Callable[..., Evaluation], item: int) -> None:
    facts = _facts((STOP, IN_TIME, NO_HARM))
    named = case("EIA_UNAPPROVED", ON, facts=facts, base=BASE, waiver_item=item)
    assert (named.decision, named.waiver.item) == ("waived", item)
    assert named.to_dict("zh")["waiver"]["violated_articles"] == [EIA_ACTS[item - 1][2][0]]
    unnamed = case("EIA_UNAPPROVED", ON, facts=facts, base=BASE)
    assert (unnamed.waiver.item, unnamed.waiver.items) == (1, (1, 2, 3))


# Items 6/7 and 10/11 shared HW_MGMT and PERMIT_LEDGER, so a missing ledger was explained under
# item 6 (signs) and a missing permit ledger under item 10 (execution report). Each act has its
# own code now; LAW.md §1 gives no violated article for them ("—"), only the penalty article.
FIRST_TIME_ACTS = [
    ("HW_NO_SIGN", 6, "未按规定设置危险废物识别标志",
     "hazardous-waste identification signs missing", "固废法 第112条", "HW_MGMT"),
    ("HW_NO_LEDGER", 7, "未按规定建立危险废物管理台账", "hazardous-waste ledger not kept",
     "固废法 第112条", "HW_MGMT"),
    ("PERMIT_REPORT_LATE", 10, "未按时提交排污许可证执行报告",
     "discharge-permit execution report not submitted on time", "许可条例 第37条",
     "PERMIT_LEDGER"),
    ("PERMIT_NO_LEDGER", 11, "未按照排污许可证规定建立环境管理台账记录",
     "environmental management ledger not kept as the permit requires", "许可条例 第37条",
     "PERMIT_LEDGER"),
]


@pytest.mark.parametrize(("code", "item", "behaviour", "behaviour_en", "article", "shared"),
                         FIRST_TIME_ACTS, ids=[row[0] for row in FIRST_TIME_ACTS])
def test_a_waived_first_time_act_is_explained_under_its_own_item_and_article(
        case: Callable[..., Evaluation], code: str, item: int, behaviour: str,
        behaviour_en: str, article: str, shared: str) -> None:
    result = case(code, ON, facts=_facts((FIRST, IN_TIME, NO_HARM)), base=BASE)
    assert (result.decision, result.waiver.item, result.waiver.items) == ("waived", item, (item,))
    assert result.waiver.basis == ("处罚法 第33条第1款", article)
    zh, en = result.to_dict("zh"), result.to_dict("en")
    assert f"第{item}项" in zh["explanation"] and f"item {item} " in en["explanation"]
    assert (zh["waiver"]["behaviour"], en["waiver"]["behaviour"]) == (behaviour, behaviour_en)
    assert zh["waiver"]["violated_articles"] == zh["penalty"]["violated_articles"] == []
    assert zh["penalty"]["basis"] == article
    assert result.penalty.would_be_amount_fen == case(shared, ON, base=BASE).penalty.amount_fen


@pytest.mark.parametrize(("shared", "items"), [("HW_MGMT", (6, 7)), ("PERMIT_LEDGER", (10, 11))])
def test_the_shared_first_time_codes_still_take_both_their_items(
        case: Callable[..., Evaluation], shared: str, items: tuple[int, int]) -> None:
    facts = _facts((FIRST, IN_TIME, NO_HARM))
    for item in items:
        named = case(shared, ON, facts=facts, base=BASE, waiver_item=item)
        assert (named.decision, named.waiver.item) == ("waived", item)
    unnamed = case(shared, ON, facts=facts, base=BASE)
    assert (unnamed.waiver.item, unnamed.waiver.items) == (items[0], items)


def test_items_that_agree_report_one_item_and_list_all(case: Callable[..., Evaluation]) -> None:
    result = case("HW_MGMT", ON, facts=_facts((FIRST, IN_TIME, NO_HARM)))
    assert (result.decision, result.waiver.item, result.waiver.items) == ("waived", 6, (6, 7))


def test_history_decides_first_offence_when_the_fact_is_not_given(
        case: Callable[..., Evaluation]) -> None:
    from server.rules import PriorViolation
    facts = {"corrected_on_spot": True, "harmful_consequence": False}
    clean = case("AIR_VOC", ON, facts=facts, prior_violations=())
    assert clean.decision == "waived"
    repeated = case("AIR_VOC", ON, facts=facts,
                    prior_violations=(PriorViolation(date(2019, 5, 1), "AIR_VOC"),))
    assert repeated.waiver.unmet == (FIRST,)
    first = next(c for c in repeated.waiver.conditions if c.condition == FIRST)
    assert first.how == "derived"
    unrelated = case("AIR_VOC", ON, facts=facts,
                     prior_violations=(PriorViolation(date(2022, 5, 1), "NOISE_IND"),))
    assert unrelated.decision == "waived"


@pytest.mark.parametrize(("code", "earlier", "first"), [
    ("HW_NO_SIGN", "HW_MGMT", False),       # the shared code may have been the same act
    ("HW_MGMT", "HW_NO_SIGN", False),       # and the other way round
    ("HW_NO_LEDGER", "HW_NO_SIGN", True),   # two acts split from one code are different acts
    ("PERMIT_NO_LEDGER", "PERMIT_LEDGER", False),
    ("PERMIT_NO_LEDGER", "PERMIT_REPORT_LATE", True),
])
def test_a_code_and_the_code_it_was_split_from_are_one_act_for_first_offence(
        case: Callable[..., Evaluation], code: str, earlier: str, first: bool) -> None:
    from server.rules import PriorViolation
    facts = {"corrected_in_time": True, "harmful_consequence": False}
    result = case(code, ON, facts=facts, base={"instances": 1},
                  prior_violations=(PriorViolation(date(2021, 5, 1), earlier),))
    assert result.decision == ("waived" if first else "fine")
    assert (FIRST in result.waiver.unmet) is not first
