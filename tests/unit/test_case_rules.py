"""Pure case rules: numbering, deadlines and transition preconditions, without an app."""

from __future__ import annotations

import ast
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from server.cases import deadlines as dl
from server.cases import procedure
from server.cases.numbering import authority_code, format_number

ROOT = Path(__file__).resolve().parents[2]
PURE_MODULES = ("deadlines.py", "numbering.py", "procedure.py", "step_checks.py", "fine_law.py",
                "hearing_rights.py", "payment.py", "refusals.py", "renotice.py", "doc.py",
                "../messages.py")
D = date.fromisoformat


def test_decision_numbers_have_the_published_form():
    assert format_number("decision", authority_code("310115"), 2026, 36) == "沪0115环罚〔2026〕36号"
    assert format_number("decision", authority_code("310000"), 2021, 5) == "沪环罚〔2021〕5号"
    with pytest.raises(ValueError):
        authority_code("320115")
    with pytest.raises(ValueError):
        format_number("filing", "0115", 2026, 0)


@pytest.mark.parametrize("module", PURE_MODULES)
def test_the_case_rules_import_neither_flask_nor_the_database(module):
    tree = ast.parse((ROOT / "server" / "cases" / module).read_text("utf-8"))
    names = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
    names += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names = [n for n in names if n != "server.cases"]  # `from server.cases import deadlines`
    assert not [n for n in names if n.split(".")[0] in ("flask", "sqlalchemy", "flask_sqlalchemy")
                or (n.startswith("server.") and not n.startswith(
                    ("server.cases.deadlines", "server.cases.numbering", "server.cases.refusals",
                     "server.cases.step_checks", "server.cases.fine_law",
                     "server.cases.hearing_rights", "server.cases.payment",
                     "server.cases.renotice", "server.cases.doc",
                     "server.messages", "server.rules", "server.workdays")))]


def test_excluded_periods_count_each_day_once():
    periods = [dl.Period("testing", D("2021-06-10"), D("2021-06-19")),
               dl.Period("appraisal", D("2021-06-15"), D("2021-06-24"))]
    assert dl.excluded_days(periods) == 15
    with pytest.raises(ValueError):
        dl.excluded_days([dl.Period("testing", D("2021-06-10"), D("2021-06-09"))])


def test_an_open_period_counts_to_today_and_suspends_only_the_decision_deadline():
    open_ = dl.Period("suspension", D("2021-06-10"), None)
    assert dl.excluded_days([open_], D("2021-06-12")) == 3
    with pytest.raises(ValueError):  # an open period without the day it runs to
        dl.excluded_days([open_])
    timeline = dl.Timeline(discovered_on=D("2021-06-01"), filed_on=D("2021-06-03"),
                           notice_on=D("2021-06-04"), suspensions=(open_,),
                           today=D("2021-06-12"))
    found = {d.name: d for d in dl.case_deadlines(timeline)}
    assert found["decision"].status == "suspended" and found["decision"].days == 93
    assert found["notice_reply"].status == "open"
    assert dl.next_due(list(found.values())) == found["notice_reply"].due
    assert not dl.due_within([found["decision"]], D("2021-12-31"), 0)


def test_service_is_due_7_working_days_after_the_decision_across_a_holiday():
    timeline = dl.Timeline(discovered_on=D("2021-09-20"), filed_on=D("2021-09-22"),
                           decided_on=D("2021-09-28"))
    service = next(d for d in dl.case_deadlines(timeline) if d.name == "service")
    # 29, 30 Sept; the National Day week is off; 8 Oct, Saturday 9 Oct (made up), 11-13 Oct
    assert service.due == D("2021-10-13") and service.status == "open"


def test_the_decision_deadline_counts_its_statutory_days_not_the_move_past_a_weekend():
    # 90 days from 2 March 2021 end on Monday 31 May, a working day. From 28 February they
    # end on Saturday 29 May, moved to Monday 31 May: still a 90-day period (处罚法 第60条).
    for filed, due in (("2021-03-02", "2021-05-31"), ("2021-02-28", "2021-05-31")):
        timeline = dl.Timeline(discovered_on=D(filed), filed_on=D(filed))
        decision = next(d for d in dl.case_deadlines(timeline) if d.name == "decision")
        assert (decision.due, decision.days) == (D(due), 90)
    extended = dl.Timeline(discovered_on=D("2021-02-28"), filed_on=D("2021-02-28"),
                           extensions=(30,), suspensions=(
                               dl.Period("testing", D("2021-04-01"), D("2021-04-10")),))
    decision = next(d for d in dl.case_deadlines(extended) if d.name == "decision")
    assert decision.days == 90 + 30 + 10


def test_a_deadline_kept_late_is_late_and_one_never_kept_after_closing_is_missed():
    timeline = dl.Timeline(discovered_on=D("2021-06-01"), filed_on=D("2021-06-20"))
    assert dl.case_deadlines(timeline)[0].status == "late"
    ended = dl.Timeline(discovered_on=D("2021-06-01"), filed_on=D("2021-06-02"), ended=True)
    assert dl.case_deadlines(ended)[1].status == "missed"
    assert dl.next_due(dl.case_deadlines(ended)) is None


def _notified(**change) -> procedure.CaseView:
    values = {"state": "notified", "party_type": "organisation", "outcomes": ("fine",),
              "proposed_fen": 1_000_000, "intended_fen": 1_000_000,
              "notice_on": D("2021-06-07"), "last_step_on": D("2021-06-07")}
    values.update(change)
    return procedure.CaseView(**values)


def test_statements_never_make_the_penalty_heavier():
    with pytest.raises(procedure.Refused, match="heavier"):
        procedure.check_transition(_notified(), "decided", {"fine_fen": 1_000_001},
                                   D("2021-06-16"))
    record = procedure.check_transition(_notified(), "decided", {"fine_fen": 900_000},
                                        D("2021-06-16"))
    assert record["fine_fen"] == 900_000 and record["on"] == D("2021-06-16")


def test_the_party_may_waive_the_notice_period_in_writing():
    with pytest.raises(procedure.Refused, match="notice period"):
        procedure.check_transition(_notified(), "decided", {"fine_fen": 1}, D("2021-06-08"))
    record = procedure.check_transition(_notified(), "decided",
                                        {"fine_fen": 1, "rights_waived": True}, D("2021-06-08"))
    assert record["rights_waived"] is True


def test_the_fine_range_takes_one_provision_per_act_and_leaves_out_what_may_not_be_fined():
    member = procedure.Member
    assert procedure.fine_range([
        member(1, "fine", 2_000_000, 20_000_000), member(1, "fine", 500_000, 5_000_000),
        member(2, "may_waive", 1_000_000, 10_000_000), member(3, "waived", 100, 200)]) == (
        2_000_000, 30_000_000)
    assert procedure.fine_range([member(1, "fine", None, None)]) is None
    assert procedure.fine_range([member(1, "time_barred", None, None)]) == (0, 0)


def test_an_act_takes_the_range_of_the_provision_it_is_fined_under():
    member = procedure.Member
    both = [member(1, "fine", 2_000_000, 20_000_000, True),
            member(1, "fine", 10_000_000, 40_000_000)]
    assert procedure.act_ranges(both) == {1: (2_000_000, 20_000_000)}
    assert procedure.act_ranges([member(1, "fine", 2_000_000, 20_000_000),
                                 member(1, "fine", 10_000_000, 40_000_000)]) == {
        1: (10_000_000, 40_000_000)}  # none named: the higher maximum


def test_a_fine_stays_in_the_statutory_range_or_names_its_ground_for_mitigation():
    case = _notified(state="investigating", intended_fen=None, notice_on=None,
                     fine_range=(2_000_000, 20_000_000))
    with pytest.raises(procedure.Refused, match="statutory maximum of 20000000") as above:
        procedure.check_transition(case, "notified", {"intended_fen": 20_000_001},
                                   D("2021-06-07"))
    assert above.value.errors == {"intended_fen": "above the statutory maximum"}
    with pytest.raises(procedure.Refused, match="第32条") as below:
        procedure.check_transition(case, "notified", {"intended_fen": 1_999_999},
                                   D("2021-06-07"))
    assert below.value.errors == {"mitigation": "required below the statutory minimum"}
    record = procedure.check_transition(case, "notified", {
        "intended_fen": 1_000_000, "mitigation": "主动消除危害后果"}, D("2021-06-07"))
    assert record["mitigation"] == "主动消除危害后果"
    within = procedure.check_transition(case, "notified", {
        "intended_fen": 2_000_000, "mitigation": "主动消除危害后果"}, D("2021-06-07"))
    assert "mitigation" not in within  # within the range a lighter fine is not 减轻
    notified = _notified(fine_range=(2_000_000, 20_000_000), mitigation="主动消除危害后果")
    decided = procedure.check_transition(notified, "decided", {"fine_fen": 1_000_000},
                                         D("2021-06-16"))
    assert decided["mitigation"] == "主动消除危害后果"  # the notice's ground carries on
    with pytest.raises(procedure.Refused, match="第32条"):
        procedure.check_transition(_notified(fine_range=(2_000_000, 20_000_000)), "decided",
                                   {"fine_fen": 1_000_000}, D("2021-06-16"))


def test_only_the_listed_moves_exist():
    for state, targets in procedure.TRANSITIONS.items():
        for target in set(procedure.STATES) - set(targets):
            with pytest.raises(procedure.Refused):
                procedure.check_transition(_notified(state=state), target, {}, D("2021-06-20"))


def test_hearing_rights_start_at_the_threshold_and_an_unconfirmed_one_withholds_nothing():
    confirmed, unconfirmed = procedure.Hearing(10_000_000, True), procedure.Hearing(
        10_000_000, False)
    assert procedure.hearing_eligible(10_000_000, confirmed)
    assert not procedure.hearing_eligible(9_999_999, confirmed)
    assert procedure.hearing_eligible(1, None)  # no threshold in the catalogue: any fine
    assert not procedure.hearing_offered(9_999_999, confirmed)
    assert procedure.hearing_offered(9_999_999, unconfirmed)
    assert not procedure.hearing_offered(None, unconfirmed)  # no amount, no hearing yet
    assert procedure.legal_review_required(1, confirmed, True)
    assert not procedure.legal_review_required(9_999_999, unconfirmed, False)
    assert procedure.legal_review_required(10_000_000, unconfirmed, False)


def test_a_hearing_below_an_unconfirmed_threshold_is_held_and_noted_below_a_confirmed_one_not():
    request = {"hearing_notice_on": D("2021-06-08"), "hearing_on": D("2021-06-21"),
               "chair": {"name": "李主持", "user_id": None}, "hearing_place": "听证室"}
    small = {"intended_fen": 9_999_999, "proposed_fen": 9_999_999}
    record = procedure.check_transition(
        _notified(**small, hearing=procedure.Hearing(10_000_000, False)), "hearing", request,
        D("2021-06-08"))
    assert record["below_unconfirmed_threshold"] is True
    with pytest.raises(procedure.Refused, match="第63条"):
        procedure.check_transition(_notified(**small, hearing=procedure.Hearing(
            10_000_000, True)), "hearing", request, D("2021-06-08"))
    heard = _notified(**small, state="hearing", hearing_on=D("2021-06-21"))
    decision = {"fine_fen": 9_999_999, "hearing_record": "听证笔录"}
    with pytest.raises(procedure.Refused) as unreviewed:  # 处罚法 第58条: heard, so reviewed
        procedure.check_transition(heard, "decided", decision, D("2021-06-22"))
    assert unreviewed.value.errors == {"review_opinion": "required for this step"}
    reviewed = procedure.check_transition(heard, "decided", decision | {
        "review_opinion": "同意"}, D("2021-06-22"))
    assert reviewed["review_opinion"] == "同意"


def test_extensions_come_in_order_and_before_the_deadline():
    due = D("2021-09-01")
    procedure.check_extension("investigating", [], "approval", 30, D("2021-09-01"), due)
    with pytest.raises(procedure.Refused, match="collective"):
        procedure.check_extension("investigating", ["approval"], "approval", 30,
                                  D("2021-08-01"), due)
    with pytest.raises(procedure.Refused, match="at most 30"):
        procedure.check_extension("investigating", ["approval"], "collective", 31,
                                  D("2021-08-01"), due)
    with pytest.raises(procedure.Refused, match="passed"):
        procedure.check_extension("investigating", [], "approval", 30, D("2021-09-02"), due)
    with pytest.raises(procedure.Refused, match="decision has issued"):
        procedure.check_extension("decided", [], "approval", 30, D("2021-08-01"), due)


def test_a_scheduled_hearing_is_the_next_thing_due_and_the_decision_deadline_stays():
    # In the 听证 state with a hearing on 2026-12-09 the case showed only its 90-day decision
    # deadline as next.
    t = dl.Timeline(discovered_on=date(2026, 11, 2), filed_on=date(2026, 11, 3),
                    notice_on=date(2026, 11, 20), hearing_requested_on=date(2026, 11, 24),
                    hearing_on=date(2026, 12, 9))
    found = {d.name: d for d in dl.case_deadlines(t)}
    assert (found["hearing"].due, found["hearing"].status) == (date(2026, 12, 9), "open")
    assert found["hearing"].basis == "处罚法 第64条"
    assert found["decision"].status == "open" and found["decision"].due > date(2026, 12, 9)
    assert dl.next_due(list(found.values())) == date(2026, 12, 9)
    heard = dl.case_deadlines(replace(t, decided_on=date(2026, 12, 15)))
    assert {d.name: d.status for d in heard}["hearing"] == "met"
