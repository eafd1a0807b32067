"""The engine's legal rules: 处罚法 Art. 29, 32, 33, 36, 37, 51, repeat offences, no list."""

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from server.rules import Evaluation, EvaluationInput, InvalidInput, PriorViolation, RuleBook

ON = date(2023, 3, 1)
GOOD = {"first_offence": True, "corrected_in_time": True, "corrected_on_spot": True,
        "harmful_consequence": False}


def test_the_issue_example_is_waived_under_item_5_with_the_fine_kept(
        book: RuleBook) -> None:
    inp = EvaluationInput.from_dict({
        "violation_code": "AIR_VOC", "occurred_on": "2021-06-01", "decided_on": "2021-07-01",
        "party_type": "organisation",
        "facts": {"first_offence": True, "corrected_on_spot": True, "corrected_in_time": True,
                  "harmful_consequence": False, "stopped_and_restored": False}})
    from server.rules import evaluate
    answer = evaluate(inp, book).to_dict("zh")
    waiver, penalty = answer["waiver"], answer["penalty"]
    assert (waiver["eligible"], waiver["outcome"], waiver["item"]) == (True, "waived", 5)
    assert waiver["list"] == "sh-eco-minor-offence-waiver@2020"
    assert waiver["verified"] is False and waiver["unmet"] == []
    assert penalty["statutory_min_fen"] == 2_000_000 and penalty["statutory_max_fen"] == 20_000_000
    assert penalty["amount_fen"] == penalty["would_be_amount_fen"] == 4_000_000
    assert penalty["basis"] == "大气法 第108条" and penalty["levied"] is False
    assert {"step", "rule", "effect"} == set(penalty["trace"][0])
    assert answer["verified"] is False and answer["unverified"]
    json.dumps(answer, ensure_ascii=False)


def test_chinese_texts_name_the_waiver_list_by_its_title_not_its_rule_file_id(
        case: Callable[..., Evaluation]) -> None:
    # They are printed in the 不予行政处罚决定书 and the 告知书 served on the party.
    title = "《上海市生态环境领域轻微违法行为免罚清单（2020年版）》"
    waived = case("AIR_VOC", date(2021, 6, 1), facts=GOOD).to_dict("zh")
    pending = case("AIR_VOC", date(2021, 6, 1), facts={
        "first_offence": True, "harmful_consequence": False}).to_dict("zh")
    assert waived["explanation"].startswith(f"符合{title}第5项的全部条件，不予行政处罚")
    assert f"{title}第5项" in pending["explanation"]
    assert f"{title}第5项为工作草案" in waived["unverified"][0]
    for said in (waived, pending):
        assert "sh-eco-minor-offence-waiver" not in json.dumps(
            [said["explanation"], said["waiver"]["reason"], said["unverified"]],
            ensure_ascii=False)
    english = case("AIR_VOC", date(2021, 6, 1), facts=GOOD).to_dict("en")["explanation"]
    assert english.startswith("all conditions of item 5 of sh-eco-minor-offence-waiver@2020")


def test_explanations_exist_in_chinese_and_english(case: Callable[..., Evaluation]) -> None:
    result = case("AIR_EXCEED", ON, factors={"harm": 4})
    zh, en = result.to_dict("zh"), result.to_dict("en")
    assert "大气法 第99条" in zh["penalty"]["basis"]
    assert en["penalty"]["basis"] == "Air Pollution Law Art. 99"
    assert "罚款" in zh["explanation"] and "fine" in en["explanation"]
    assert all(step["effect"] for step in en["penalty"]["trace"])


def test_proof_of_no_fault_means_no_penalty(case: Callable[..., Evaluation]) -> None:
    result = case("AIR_EXCEED", ON, facts={"no_fault": True})
    assert (result.decision, result.waiver.outcome, result.waiver.ground) == (
        "no_fault", "no_fault", "article_33")
    assert result.waiver.basis == ("处罚法 第33条第2款",)
    assert result.penalty.levied is False and result.penalty.would_be_amount_fen == 20_000_000
    assert result.waiver.education_required


def test_a_minor_corrected_harmless_violation_must_not_be_penalised_even_off_the_list(
        case: Callable[..., Evaluation]) -> None:
    result = case("AIR_EXCEED", ON, facts={"minor": True, "corrected_in_time": True,
                                          "harmful_consequence": False})
    assert (result.decision, result.waiver.ground) == ("waived", "article_33")
    assert result.waiver.basis == ("处罚法 第33条第1款",)


@pytest.mark.parametrize(("facts", "outcome"), [
    ({"first_offence": True, "harm_minor": True, "harmful_consequence": True,
      "corrected_in_time": True}, "may_waive"),
    ({"first_offence": True, "harmful_consequence": False, "corrected_in_time": True},
     "may_waive"),
    ({"first_offence": False, "harm_minor": True, "corrected_in_time": True}, "not_eligible"),
    ({"first_offence": True, "harm_minor": True, "corrected_in_time": False}, "not_eligible"),
])
def test_first_offence_with_minor_harm_corrected_in_time_may_be_waived(
        case: Callable[..., Evaluation], facts: dict[str, Any], outcome: str) -> None:
    result = case("AIR_EXCEED", ON, facts=facts)
    assert result.waiver.outcome == outcome
    assert result.penalty.levied is (None if outcome == "may_waive" else True)


def test_no_list_in_force_is_not_eligible_with_the_reason(case: Callable[..., Evaluation]) -> None:
    after = case("AIR_VOC", date(2025, 6, 1), facts={**GOOD, "first_offence": False})
    assert after.waiver.outcome == "not_eligible" and after.waiver.list_ref is None
    assert after.waiver.reasons[0] == ("no_list", {"date": date(2025, 6, 1)})
    assert "2025年6月1日" in after.to_dict("zh")["waiver"]["reason"]
    assert after.decision == "fine"


def test_the_list_at_the_act_still_applies_after_it_expired(
        case: Callable[..., Evaluation]) -> None:
    result = case("AIR_VOC", date(2025, 4, 30), decided_on=date(2025, 6, 1), facts=GOOD)
    assert result.decision == "waived"
    assert result.waiver.list_ref == "sh-eco-minor-offence-waiver@2020"


def test_a_list_in_force_at_the_decision_applies_when_it_is_lighter(
        case: Callable[..., Evaluation]) -> None:
    result = case("AIR_VOC", date(2020, 4, 1), decided_on=date(2020, 6, 1), facts=GOOD)
    assert result.decision == "waived"
    assert any(note[0] == "list_lex_mitior" for note in result.waiver.reasons)


@pytest.mark.parametrize(("discovered", "extra", "expired"), [
    (date(2023, 1, 10), {}, False),    # the last day of two years
    (date(2023, 1, 11), {}, True),
    (date(2025, 1, 10), {"life_health_or_financial_harm": True}, False),
    (date(2026, 1, 11), {"life_health_or_financial_harm": True}, True),
])
def test_acts_not_discovered_within_the_limitation_period_are_not_penalised(
        case: Callable[..., Evaluation], discovered: date, extra: dict[str, bool],
        expired: bool) -> None:
    result = case("AIR_EXCEED", date(2021, 1, 10), discovered_on=discovered, facts=extra)
    assert result.limitation.expired is expired
    assert result.decision == ("time_barred" if expired else "fine")
    assert result.penalty.levied is (False if expired else True)


def test_a_continuing_act_counts_the_limitation_from_its_end(
        case: Callable[..., Evaluation]) -> None:
    ended = case("AIR_EXCEED", date(2020, 1, 10), continuing=True, ended_on=date(2022, 1, 10),
                 discovered_on=date(2023, 12, 1))
    assert not ended.limitation.expired and ended.limitation.runs_from == date(2022, 1, 10)
    ongoing = case("AIR_EXCEED", date(2016, 1, 10), continuing=True,
                   discovered_on=date(2023, 12, 1))
    assert not ongoing.limitation.expired and not ongoing.limitation.running


def test_one_act_under_several_provisions_takes_the_higher_fine(
        case: Callable[..., Evaluation]) -> None:
    result = case("AIR_DUST", ON, also_violates=("AIR_EXCEED",))
    assert result.penalty.code == "AIR_EXCEED"
    assert result.penalty.provisions == ("AIR_DUST", "AIR_EXCEED")
    assert result.penalty.trace[1][0] == "provision"
    assert result.penalty.amount_fen == 20_000_000


def test_mandatory_mitigation_lightens_within_the_range(case: Callable[..., Evaluation]) -> None:
    grades = {"environmental_sensitivity": 5, "duration": 5, "harm": 5, "scale": 5}
    full = case("AIR_EXCEED", ON, factors=grades).penalty
    lighter = case("AIR_EXCEED", ON, factors=grades, mitigation=("reduced_harm",)).penalty
    assert (full.amount_fen, lighter.amount_fen) == (100_000_000, 70_000_000)
    at_minimum = case("ACCEPTANCE", ON, mitigation=("confessed_unknown",)).penalty
    assert at_minimum.amount_fen == at_minimum.statutory_min_fen == 20_000_000


def test_earlier_violations_within_a_year_aggravate(case: Callable[..., Evaluation]) -> None:
    act = date(2023, 6, 1)

    def amount(*priors: PriorViolation) -> int | None:
        return case("AIR_VOC", act, prior_violations=priors).penalty.amount_fen

    assert amount() == 4_000_000
    assert amount(PriorViolation(date(2022, 6, 1), "AIR_VOC")) == 6_000_000   # exactly a year
    assert amount(PriorViolation(date(2022, 5, 31), "AIR_VOC")) == 4_000_000  # more than a year
    assert amount(PriorViolation(date(2023, 1, 1), "NOISE_IND")) == 4_000_000  # other kind
    four = [PriorViolation(date(2023, m, 1), "AIR_VOC") for m in (1, 2, 3, 4)]
    assert amount(*four) == 10_000_000   # at most three are counted


@pytest.mark.parametrize(("party", "eligible", "limit"), [
    ("organisation", True, 300_000), ("individual", False, 20_000),
])
def test_summary_procedure_depends_on_party_and_amount(
        case: Callable[..., Evaluation], doc: Callable[[str], dict[str, Any]],
        with_version: Callable[..., RuleBook], party: str, eligible: bool, limit: int) -> None:
    small = doc("cn-eco-field-violations@1")
    small.update(version="test-small", effective_from="2024-01-01")
    dust = next(e for e in small["entries"] if e["code"] == "AIR_DUST")
    dust["fine"] = {"shape": "range", "min_fen": 10_000, "max_fen": 500_000}
    result = case("AIR_DUST", date(2024, 3, 1), party_type=party, rules=with_version(small))
    assert result.penalty.amount_fen == 100_000
    assert (result.penalty.summary_eligible, result.penalty.summary_limit_fen) == (
        eligible, limit)


def test_summary_limits_are_not_guessed_before_the_2021_law(
        case: Callable[..., Evaluation]) -> None:
    assert case("AIR_VOC", date(2021, 3, 1)).penalty.summary_eligible is None


@pytest.mark.parametrize(("new_max", "chosen"), [(5_000_000, "decision"), (50_000_000, "act")])
def test_the_lighter_of_the_rules_at_act_and_decision_applies(
        case: Callable[..., Evaluation], doc: Callable[[str], dict[str, Any]],
        with_version: Callable[..., RuleBook], new_max: int, chosen: str) -> None:
    newer = doc("cn-eco-field-violations@1")
    newer.update(version="2", effective_from="2024-01-01")
    dust = next(e for e in newer["entries"] if e["code"] == "AIR_DUST")
    dust["fine"] = {"shape": "range", "min_fen": 500_000, "max_fen": new_max}
    rules = with_version(newer)
    result = case("AIR_DUST", date(2023, 6, 1), decided_on=date(2024, 2, 1), rules=rules)
    lex = result.penalty.lex_mitior
    assert lex is not None and lex.chosen == chosen
    assert result.penalty.amount_fen == min(lex.act_fen, lex.decision_fen)
    assert result.penalty.catalogue_ref == (
        "cn-eco-field-violations@2" if chosen == "decision" else "cn-eco-field-violations@1")
    assert any(step[0] == "lex_mitior" for step in result.penalty.trace)


def test_a_code_missing_at_the_decision_is_not_read_as_decriminalised(
        case: Callable[..., Evaluation], doc: Callable[[str], dict[str, Any]],
        with_version: Callable[..., RuleBook]) -> None:
    newer = doc("cn-eco-field-violations@1")
    newer.update(version="3", effective_from="2024-01-01")
    newer["entries"] = [e for e in newer["entries"] if e["code"] != "OBSTRUCT"]
    result = case("OBSTRUCT", date(2023, 6, 1), decided_on=date(2024, 2, 1),
                  rules=with_version(newer))
    assert result.penalty.amount_fen == 4_000_000 and result.decision == "fine"
    assert any(note[0] == "decision_rule_missing" for note in result.warnings)


def test_a_deadline_in_a_year_without_holiday_table_is_flagged(
        case: Callable[..., Evaluation], doc: Callable[[str], dict[str, Any]],
        with_version: Callable[..., RuleBook]) -> None:
    future = doc("sh-eco-minor-offence-waiver@2020")
    future.update(version="test-future", effective_from="2026-06-01", effective_until=None)
    result = case("AIR_DUST", date(2026, 12, 28), rules=with_version(future),
                  facts={"first_offence": True, "harmful_consequence": False})
    assert result.waiver.outcome == "pending_correction"
    assert result.waiver.deadline == date(2027, 1, 4)
    assert ("calendar_unknown", {"years": (2027,)}) in result.warnings
    assert "2027" in result.to_dict("en")["warnings"][-1]


@pytest.mark.parametrize(("fields", "field"), [
    ({"violation_code": "NOPE"}, "violation_code"),
    ({"factors": {"harm": 7}}, "factors.harm"),
    ({"decided_on": date(2023, 2, 1)}, "decided_on"),
    ({"mitigation": ("bribed",)}, "mitigation.bribed"),
    ({"also_violates": ("NOPE",)}, "also_violates[0]"),
])
def test_unusable_input_is_refused_with_the_field_named(book: RuleBook, fields: dict[str, Any],
                                                       field: str) -> None:
    from server.rules import evaluate
    data: dict[str, Any] = {"violation_code": "AIR_VOC", "occurred_on": ON, **fields}
    with pytest.raises(InvalidInput) as caught:
        evaluate(EvaluationInput(**data), book)
    assert field in caught.value.errors


@pytest.mark.parametrize(("payload", "field"), [
    ({"occurred_on": "2023-02-30"}, "occurred_on"),
    ({"base": {"investment_yuan": 1.5}}, "base.investment_yuan"),
    ({"base": {"investment_yuan": "1.234"}}, "base.investment_yuan"),
    ({"facts": {"first_offence": "yes"}}, "facts.first_offence"),
    ({"facts": {"guilty": True}}, "facts.guilty"),
    ({"factors": {"harm": 0}}, "factors.harm"),
    ({"party_type": "company"}, "party_type"),
    ({"colour": "red"}, "colour"),
])
def test_api_payloads_are_parsed_strictly(payload: dict[str, Any], field: str) -> None:
    data = {"violation_code": "AIR_VOC", "occurred_on": "2023-03-01", **payload}
    with pytest.raises(InvalidInput) as caught:
        EvaluationInput.from_dict(data)
    assert field in caught.value.errors


def test_api_payloads_convert_yuan_to_fen_and_counts_to_history() -> None:
    inp = EvaluationInput.from_dict({
        "violation_code": "EIA_UNAPPROVED", "occurred_on": "2023-03-01",
        "base": {"investment_yuan": "1000000.25"}, "prior_count_within_year": 2,
        "factors": {"location": 4}})
    assert inp.base.investment_fen == 100_000_025
    assert inp.prior_violations is not None and len(inp.prior_violations) == 2
    assert inp.factors == (("location", 4),)


def test_a_waiver_with_two_reasons_states_them_as_separate_sentences(
        case: Callable[..., Evaluation]) -> None:
    # The list item is not met (there was harm) and 处罚法 Art. 33 ¶1 allows not penalising:
    # the two reasons ran together ("…not met: no harmful consequence first offence with…").
    result = case("AIR_VOC", ON, facts={**GOOD, "harm_minor": True, "harmful_consequence": True})
    assert result.waiver.outcome == "may_waive" and len(result.waiver.reasons) == 2
    en = result.to_dict("en")["waiver"]["reason"]
    zh = result.to_dict("zh")["waiver"]["reason"]
    assert "no harmful consequence; first offence with minor harm" in en
    assert "没有造成危害后果。初次违法且危害后果轻微" in zh
    assert zh.endswith("裁量）") and not zh.endswith("。")


def test_every_step_a_penalty_trace_records_is_one_the_pages_label(
        book: RuleBook, case: Callable[..., Evaluation]) -> None:
    # The console labels trace steps by TRACE_STEPS; one missing there showed its raw name.
    from server.rules.result import TRACE_STEPS
    seen: set[str] = set()
    base = {"investment_fen": 500_000_000, "disposal_cost_fen": 30_000_000, "instances": 2}
    for code in sorted(book.known_codes):
        for extra in ({}, {"mitigation": ("reduced_harm",)},
                      {"facts": {"not_corrected_by_deadline": True, "refused_correction": True}},
                      {"prior_violations": (PriorViolation(date(2022, 5, 1), code),)}):
            result = case(code, ON, base=base, **extra)
            seen |= {step["step"] for step in result.to_dict("zh")["penalty"]["trace"]}
    assert len(seen) >= 10
    assert sorted(seen - set(TRACE_STEPS)) == []


def test_an_earlier_act_under_the_code_a_code_was_split_from_aggravates_as_the_same_kind(
        case: Callable[..., Evaluation]) -> None:
    # The discretion method counts earlier violations of the same code only (same_code_only).
    act, base = date(2023, 6, 1), {"investment_fen": 1_000_000_000}

    def trace(code: str, earlier: str) -> list[str]:
        result = case(code, act, base=base,
                      prior_violations=(PriorViolation(date(2023, 1, 1), earlier),))
        return [step["step"] for step in result.to_dict("en")["penalty"]["trace"]]

    assert "repeat_offence" in trace("EIA_MAJOR_CHANGE", "EIA_UNAPPROVED")
    assert "repeat_offence" in trace("EIA_UNAPPROVED", "EIA_EXPIRED_UNREVIEWED")
    assert "repeat_offence" not in trace("EIA_MAJOR_CHANGE", "EIA_EXPIRED_UNREVIEWED")
