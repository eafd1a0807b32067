"""The rules' Chinese texts, as legal staff and parties read them: rule sets by title."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from server.rules import Evaluation

ON = date(2023, 3, 1)
CATALOGUE = "《生态环境现场执法常见违法行为目录》"
DISCRETION = "《加权累加裁量方法（广东2022年方法，权重待核实）》"


def test_the_penalty_steps_name_the_rule_sets_by_title(case: Callable[..., Evaluation]) -> None:
    answer = case("AIR_VOC", ON).to_dict("zh")
    assert answer["penalty"]["trace"][0]["effect"] == \
        f"适用规则版本：目录{CATALOGUE}，裁量方法{DISCRETION}"
    # the machine-readable fields keep the refs
    assert answer["penalty"]["rule_set"] == "cn-eco-field-violations@1"
    assert answer["penalty"]["trace"][0]["rule"] == "cn-eco-field-violations@1"
    texts = [answer["explanation"], answer["waiver"]["reason"], *answer["unverified"],
             *answer["warnings"], *(s["effect"] for s in answer["penalty"]["trace"])]
    assert not [t for t in texts if "@" in t], texts


def test_chinese_texts_date_as_legal_documents_do(case: Callable[..., Evaluation]) -> None:
    # it said "规则文件中没有 2026-11-20 生效的免罚清单"
    answer = case("AIR_DUST", date(2026, 11, 20)).to_dict("zh")
    assert answer["waiver"]["reason"] == \
        "规则文件中没有2026年11月20日生效的免罚清单，不适用清单免罚"
    assert answer["limitation"]["reason"] == \
        "自2026年11月20日起2年内（至2028年11月20日）发现，未超过追责时效"
    assert case("AIR_DUST", date(2026, 11, 20)).to_dict("en")["waiver"]["reason"] == \
        "the rule files hold no waiver list in force on 2026-11-20: no list waiver"


def test_the_correction_deadline_says_the_day_itself_counts(
        case: Callable[..., Evaluation]) -> None:
    # it said "如在 2023-03-08 前改正", which may read as "by the 7th"; the rule counts a
    # correction on the deadline day as in time (corrected_on <= deadline)
    facts = {"first_offence": True, "harmful_consequence": False}
    pending = case("AIR_DUST", ON, decided_on=date(2023, 3, 2), facts=facts)
    assert pending.to_dict("zh")["explanation"].startswith(
        "如在2023年3月8日（含当日）之前改正（5工作日），符合《")
    on_the_day = case("AIR_DUST", ON, decided_on=date(2023, 3, 10),
                      facts={**facts, "corrected_on": date(2023, 3, 8)})
    assert on_the_day.decision == "waived"
