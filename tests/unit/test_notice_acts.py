"""The notice states each act's intended fine (处罚法 第29条、第44条) and binds the decision act
by act; a hearing is notified with its time and place (第64条) (pure)."""

from __future__ import annotations

from datetime import date

import pytest

from server.cases import procedure

D = date.fromisoformat
# act 1 fined by the rules (AIR_DUST 10,000-100,000 yuan), act 2 fined (AIR_VOC 20,000-200,000),
# act 3 the rules only may fine (AIR_EXCEED 100,000-1,000,000, first offence: 第33条第1款)
ACTS = ((1, 2_000_000, (1_000_000, 10_000_000), True),
        (2, 4_000_000, (2_000_000, 20_000_000), True),
        (3, None, (10_000_000, 100_000_000), False))
EDU = {"on": D("2021-06-08"), "method": "约谈", "content": "首违教育"}


def _case(state: str = "investigating", **change) -> procedure.CaseView:
    values = {"state": state, "party_type": "organisation",
              "outcomes": ("fine", "fine", "may_waive"), "proposed_fen": 6_000_000,
              "fineable_acts": ACTS, "fine_range": (3_000_000, 130_000_000)}
    values.update(change)
    return procedure.CaseView(**values)


def _noticed(fines: dict[int, int], **change) -> procedure.CaseView:
    return _case("notified", intended_fen=sum(fines.values()), notice_on=D("2021-06-07"),
                 last_step_on=D("2021-06-07"), noticed_fines=tuple(sorted(fines.items())),
                 **change)


def _notify(params: dict, case: procedure.CaseView | None = None) -> dict:
    return procedure.check_transition(case or _case(), "notified", params, D("2021-06-07"))


def _decide(case: procedure.CaseView, params: dict) -> dict:
    return procedure.check_transition(case, "decided", {"rights_waived": True,
                                                        "education": EDU, **params},
                                      D("2021-06-08"))


def test_the_notice_records_the_proposed_fine_of_each_fined_act_when_the_total_is_the_proposal():
    record = _notify({})
    assert record["intended_fen"] == 6_000_000
    assert record["act_fines"] == [{"act": 1, "fine_fen": 2_000_000},
                                   {"act": 2, "fine_fen": 4_000_000}]


def test_the_notice_records_the_act_fines_given_an_act_the_rules_may_fine_included():
    given = [{"act": 1, "fine_fen": 1_500_000}, {"act": 2, "fine_fen": 3_000_000},
             {"act": 3, "fine_fen": 10_000_000}]
    record = _notify({"intended_fen": 14_500_000, "act_fines": given})
    assert record["act_fines"] == given


def test_the_notice_needs_each_acts_fine_when_its_total_is_not_the_proposal():
    with pytest.raises(procedure.Refused) as unnamed:
        _notify({"intended_fen": 5_000_000})
    assert unnamed.value.message.key == "acts.required"
    assert unnamed.value.errors == {"act_fines": "required: the fine of each act"}


def test_the_notice_refuses_act_fines_that_leave_out_a_fined_act_or_do_not_add_up():
    with pytest.raises(procedure.Refused) as missing:
        _notify({"intended_fen": 2_000_000, "act_fines": [{"act": 1, "fine_fen": 2_000_000}]})
    assert missing.value.message.key == "acts.one_per_fined"
    with pytest.raises(procedure.Refused) as unequal:
        _notify({"intended_fen": 6_000_000, "act_fines": [
            {"act": 1, "fine_fen": 2_000_000}, {"act": 2, "fine_fen": 3_000_000}]})
    assert unequal.value.message.key == "acts.sum"


def test_the_notice_keeps_each_acts_fine_in_its_statutory_range():
    above = [{"act": 1, "fine_fen": 10_000_001}, {"act": 2, "fine_fen": 2_000_000}]
    with pytest.raises(procedure.Refused) as refused:
        _notify({"intended_fen": 12_000_001, "act_fines": above})
    assert refused.value.message.key == "act.above_maximum"
    below = [{"act": 1, "fine_fen": 2_000_000}, {"act": 2, "fine_fen": 1_000_000}]
    with pytest.raises(procedure.Refused) as unmitigated:
        _notify({"intended_fen": 3_000_000, "act_fines": below})
    assert unmitigated.value.errors == {"mitigation": "required below a statutory minimum"}
    record = _notify({"intended_fen": 3_000_000, "act_fines": below,
                      "mitigation": "主动消除危害后果"})
    assert record["mitigation"] == "主动消除危害后果"


def test_the_decision_refuses_to_fine_an_act_the_notice_said_would_not_be_fined():
    case = _noticed({1: 2_000_000, 2: 4_000_000})
    with pytest.raises(procedure.Refused) as refused:
        _decide(case, {"fine_fen": 6_000_000, "mitigation": "主动消除危害后果", "act_fines": [
            {"act": 1, "fine_fen": 1_000_000}, {"act": 2, "fine_fen": 3_000_000},
            {"act": 3, "fine_fen": 2_000_000}]})
    assert refused.value.message.key == "decision.act_not_noticed"
    assert refused.value.message.params == {"act": 3}
    assert "act 3" in refused.value.reason.lower() and "第44条" in refused.value.reason
    assert not refused.value.bad_input  # a conflict with the notice served, not a typo


def test_the_decision_refuses_an_acts_fine_above_the_one_the_notice_stated():
    case = _noticed({1: 2_000_000, 2: 4_000_000})
    with pytest.raises(procedure.Refused) as refused:
        _decide(case, {"fine_fen": 5_000_000, "act_fines": [
            {"act": 1, "fine_fen": 2_500_000}, {"act": 2, "fine_fen": 2_500_000}]})
    assert refused.value.message.key == "decision.act_heavier"
    assert refused.value.message.params == {"act": 1, "intended_fen": 2_000_000}
    assert "act_fines" in refused.value.errors


def test_the_decision_may_fine_an_act_less_or_not_at_all_with_its_party_educated():
    case = _noticed({1: 2_000_000, 2: 4_000_000, 3: 10_000_000})
    record = _decide(case, {"fine_fen": 5_000_000, "act_fines": [
        {"act": 1, "fine_fen": 1_000_000}, {"act": 2, "fine_fen": 4_000_000}]})
    assert record["act_fines"] == [{"act": 1, "fine_fen": 1_000_000},
                                   {"act": 2, "fine_fen": 4_000_000}]


def test_the_decision_at_the_notices_total_takes_the_noticed_fine_of_each_act():
    case = _noticed({1: 1_500_000, 2: 3_000_000, 3: 10_000_000})
    record = _decide(case, {"fine_fen": 14_500_000})
    assert record["act_fines"] == [{"act": 1, "fine_fen": 1_500_000},
                                   {"act": 2, "fine_fen": 3_000_000},
                                   {"act": 3, "fine_fen": 10_000_000}]


def test_a_notice_recorded_without_act_fines_binds_only_its_total():
    legacy = _case("notified", intended_fen=6_000_000, notice_on=D("2021-06-07"),
                   last_step_on=D("2021-06-07"))
    record = _decide(legacy, {"fine_fen": 6_000_000, "act_fines": [
        {"act": 1, "fine_fen": 1_000_000}, {"act": 2, "fine_fen": 5_000_000}]})
    assert record["act_fines"][1] == {"act": 2, "fine_fen": 5_000_000}
    with pytest.raises(procedure.Refused, match="heavier"):
        _decide(legacy, {"fine_fen": 6_000_001, "act_fines": [
            {"act": 1, "fine_fen": 1_000_001}, {"act": 2, "fine_fen": 5_000_000}]})


HEARING = {"hearing_notice_on": D("2021-06-08"), "hearing_on": D("2021-06-21"),
           "chair": {"name": "李主持", "user_id": None}}


def test_a_hearing_is_notified_with_its_place():
    notified = _noticed({1: 2_000_000, 2: 4_000_000})
    with pytest.raises(procedure.Refused) as refused:
        procedure.check_transition(notified, "hearing", HEARING, D("2021-06-08"))
    assert refused.value.errors == {"hearing_place": "required for this step"}
    record = procedure.check_transition(
        notified, "hearing", {**HEARING, "hearing_place": "浦东新区生态环境局三楼听证室"},
        D("2021-06-08"))
    assert record["hearing_place"] == "浦东新区生态环境局三楼听证室"
    blank = {**HEARING, "hearing_place": "   "}
    with pytest.raises(procedure.Refused):
        procedure.check_transition(notified, "hearing", blank, D("2021-06-08"))


# act 1's provision is narrow (1,000-2,000 yuan), act 2's wide (50,000-500,000): a total below
# the case's minimum (51,000) leaves room for act 1 above its own maximum
NARROW = ((1, None, (100_000, 200_000), True), (2, None, (5_000_000, 50_000_000), True))
ABOVE_ACT_1 = [{"act": 1, "fine_fen": 1_000_000}, {"act": 2, "fine_fen": 4_000_000}]


@pytest.mark.parametrize("step", ["notified", "decided"])
def test_a_mitigated_total_does_not_let_an_act_exceed_its_own_maximum(step):
    case = _case(outcomes=("fine", "fine"), fineable_acts=NARROW,
                 fine_range=(5_100_000, 50_200_000))
    params = {"act_fines": ABOVE_ACT_1, "mitigation": "主动消除违法行为危害后果"}
    with pytest.raises(procedure.Refused) as refused:
        if step == "notified":
            _notify({"intended_fen": 5_000_000, **params}, case)
        else:
            _decide(_case("notified", outcomes=("fine", "fine"), fineable_acts=NARROW,
                          fine_range=(5_100_000, 50_200_000), intended_fen=5_000_000,
                          notice_on=D("2021-06-07"), last_step_on=D("2021-06-07")),
                    {"fine_fen": 5_000_000, **params})
    assert refused.value.message.key == "act.above_maximum"
