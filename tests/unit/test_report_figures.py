"""Pure statistics: what counts in a period, year on year, by district and violation type."""

from __future__ import annotations

from datetime import date

from server.reports.figures import CaseRow, Period, summarise, yuan

D = date.fromisoformat
YEAR_2021 = Period(D("2021-01-01"), D("2021-12-31"))


def test_a_case_counts_where_each_of_its_events_happened():
    filed_late_2020 = CaseRow("310115", ("AIR_VOC",), D("2020-12-20"), D("2021-01-10"),
                              fined=True, fine_fen=500)
    found = summarise([filed_late_2020], YEAR_2021)
    assert (found.current.cases_filed, found.current.decisions) == (0, 1)
    assert (found.previous_year.cases_filed, found.previous_year.decisions) == (1, 0)


def test_waived_cases_report_the_amount_not_levied_and_fines_exclude_them():
    rows = [CaseRow("310115", ("AIR_VOC",), D("2021-03-01"), D("2021-03-02"),
                    not_penalised=True, spared=(("list", "AIR_VOC", 2_000_000),)),
            CaseRow("310101", ("AIR_DUST",), D("2021-03-01"), D("2021-04-01"), fined=True,
                    fine_fen=1_000_000, daily_penalty_on=D("2021-05-01"),
                    daily_penalty_fen=3_000_000)]
    found = summarise(rows, YEAR_2021)
    assert {k: v for k, v in found.current.as_dict().items() if v} == {
        "cases_filed": 2, "decisions": 1, "fines_fen": 1_000_000, "not_penalised_decisions": 1,
        "waived_cases": 1, "waived_acts": 1, "not_levied_fen": 2_000_000,
        "daily_penalty_cases": 1, "daily_penalty_fen": 3_000_000}
    assert sorted(found.by_district) == ["310101", "310115"]
    assert found.by_code["AIR_DUST"].daily_penalty_fen == 3_000_000


def test_only_the_list_counts_as_waived_and_each_other_ground_counts_under_its_name():
    fined = CaseRow("310115", ("AIR_DUST", "AIR_VOC", "HW_MGMT"), D("2021-03-01"),
                    D("2021-04-01"), fined=True, fine_fen=500,
                    spared=(("list", "AIR_VOC", 700), ("list", "HW_MGMT", 900)),
                    code_fines=(("AIR_DUST", 500),))
    barred = CaseRow("310115", ("AIR_MONITOR",), D("2021-03-01"), D("2021-04-01"),
                     not_penalised=True, spared=(("time_barred", "AIR_MONITOR", 300),))
    found = summarise([fined, barred], YEAR_2021)
    assert (found.current.waived_cases, found.current.waived_acts) == (1, 2)
    assert found.current.not_levied_fen == 1_600
    assert (found.current.time_barred_cases, found.current.time_barred_fen) == (1, 300)
    assert found.current.not_penalised_decisions == 1
    assert (found.by_code["AIR_VOC"].waived_cases, found.by_code["AIR_VOC"].not_levied_fen,
            found.by_code["AIR_VOC"].decisions) == (1, 700, 0)
    assert found.by_code["AIR_DUST"].waived_cases == 0
    assert summarise([fined], Period(D("2022-01-01"), D("2022-12-31"))).previous_year \
        .not_levied_fen == 1_600


def test_a_daily_penalty_counts_under_its_continuing_acts_type_or_each_type_when_unknown():
    known = CaseRow("310115", ("AIR_EXCEED", "AIR_VOC"), D("2021-03-01"), D("2021-04-01"),
                    fined=True, fine_fen=500, daily_penalty_on=D("2021-05-01"),
                    daily_penalty_fen=3_000, daily_code="AIR_EXCEED")
    unknown = CaseRow("310115", ("AIR_EXCEED", "AIR_VOC"), D("2021-03-01"), D("2021-04-01"),
                      fined=True, fine_fen=500, daily_penalty_on=D("2021-05-01"),
                      daily_penalty_fen=3_000)
    by_code = summarise([known], YEAR_2021).by_code
    assert (by_code["AIR_EXCEED"].daily_penalty_cases, by_code["AIR_VOC"].daily_penalty_cases) \
        == (1, 0)
    assert summarise([unknown], YEAR_2021).by_code["AIR_VOC"].daily_penalty_cases == 1


def test_year_on_year_change_is_null_without_a_base_and_exact_otherwise():
    rows = [CaseRow("310115", ("X",), D("2020-02-01")), CaseRow("310115", ("X",), D("2021-02-01")),
            CaseRow("310115", ("X",), D("2021-02-02"))]
    change = summarise(rows, YEAR_2021).change_pct()
    assert change["cases_filed"] == 100.0 and change["fines_fen"] is None


def test_a_leap_day_period_compares_with_the_28th_a_year_earlier():
    assert Period(D("2024-02-29"), D("2024-02-29")).year_before() == Period(D("2023-02-28"),
                                                                            D("2023-02-28"))


def test_a_code_filter_keeps_only_cases_with_that_type():
    rows = [CaseRow("310115", ("A", "B"), D("2021-01-05")), CaseRow("310115", ("B",),
                                                                   D("2021-01-06"))]
    found = summarise(rows, YEAR_2021, code="A")
    assert found.current.cases_filed == 1 and list(found.by_code) == ["A"]


def test_amounts_are_published_in_yuan_with_two_decimals():
    assert str(yuan(8_751_905_200)) == "87519052.00" and str(yuan(5)) == "0.05"


def test_a_whole_february_compares_with_the_whole_february_a_year_earlier():
    assert Period(D("2025-02-01"), D("2025-02-28")).year_before() == Period(D("2024-02-01"),
                                                                             D("2024-02-29"))
    assert Period(D("2024-11-01"), D("2025-02-28")).year_before().end == D("2024-02-29")
    assert Period(D("2025-02-28"), D("2025-02-28")).year_before() == Period(D("2024-02-28"),
                                                                             D("2024-02-28"))
    assert Period(D("2024-02-01"), D("2024-02-29")).year_before().end == D("2023-02-28")
