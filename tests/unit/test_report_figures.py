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
                    not_penalised=True, not_levied_fen=2_000_000),
            CaseRow("310101", ("AIR_DUST",), D("2021-03-01"), D("2021-04-01"), fined=True,
                    fine_fen=1_000_000, daily_penalty_on=D("2021-05-01"),
                    daily_penalty_fen=3_000_000)]
    found = summarise(rows, YEAR_2021)
    assert found.current.as_dict() == {
        "cases_filed": 2, "decisions": 1, "fines_fen": 1_000_000, "waived_cases": 1,
        "not_levied_fen": 2_000_000, "daily_penalty_cases": 1, "daily_penalty_fen": 3_000_000}
    assert sorted(found.by_district) == ["310101", "310115"]
    assert found.by_code["AIR_DUST"].daily_penalty_fen == 3_000_000


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
