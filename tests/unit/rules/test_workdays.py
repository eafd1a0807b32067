"""Working-day arithmetic on the State Council schedule, with real holiday weeks."""

from datetime import date

import pytest

from server.workdays import (
    add_calendar_days,
    add_working_days,
    add_years,
    calendar_known,
    deadline,
    is_working_day,
    unknown_years,
    working_days_between,
)


@pytest.mark.parametrize(("day", "working"), [
    (date(2024, 9, 27), True),    # Friday before National Day
    (date(2024, 9, 28), False),   # ordinary Saturday
    (date(2024, 9, 29), True),    # Sunday worked in exchange (调休)
    (date(2024, 10, 1), False),   # National Day
    (date(2024, 10, 4), False),
    (date(2024, 10, 7), False),   # last day of the week off
    (date(2024, 10, 8), True),
    (date(2024, 10, 12), True),   # Saturday worked in exchange
    (date(2024, 10, 13), False),
    (date(2025, 1, 26), True),    # Sunday worked before Spring Festival 2025
    (date(2025, 1, 28), False),   # Spring Festival eve
    (date(2025, 1, 29), False),   # Spring Festival
    (date(2025, 2, 4), False),    # last day off
    (date(2025, 2, 5), True),
    (date(2025, 2, 8), True),     # Saturday worked after Spring Festival 2025
    (date(2025, 2, 9), False),
])
def test_working_days_follow_the_state_council_schedule(day: date, working: bool) -> None:
    assert is_working_day(day) is working


@pytest.mark.parametrize(("start", "n", "expected"), [
    (date(2024, 9, 27), 0, date(2024, 9, 27)),
    (date(2024, 9, 27), 1, date(2024, 9, 29)),    # the make-up Sunday counts
    (date(2024, 9, 27), 2, date(2024, 9, 30)),
    (date(2024, 9, 27), 3, date(2024, 10, 8)),    # the holiday week does not
    (date(2024, 9, 27), 5, date(2024, 10, 10)),
    (date(2024, 10, 10), 2, date(2024, 10, 12)),  # make-up Saturday counts
    (date(2025, 1, 24), 1, date(2025, 1, 26)),
    (date(2025, 1, 27), 1, date(2025, 2, 5)),
    (date(2025, 2, 7), 1, date(2025, 2, 8)),
])
def test_add_working_days_skips_the_first_day_and_holidays(start: date, n: int,
                                                           expected: date) -> None:
    assert add_working_days(start, n) == expected
    assert deadline(start, n, "working") == expected


@pytest.mark.parametrize(("start", "n", "expected"), [
    (date(2024, 3, 1), 15, date(2024, 3, 18)),    # ends on a Saturday: next working day
    (date(2024, 9, 24), 7, date(2024, 10, 8)),    # ends on National Day: after the holiday
    (date(2024, 10, 5), 7, date(2024, 10, 12)),   # ends on a make-up Saturday: stays
    (date(2025, 1, 20), 15, date(2025, 2, 5)),    # ends in Spring Festival
    (date(2024, 5, 6), 10, date(2024, 5, 16)),    # ordinary Thursday
    (date(2024, 5, 6), 0, date(2024, 5, 6)),
])
def test_calendar_periods_ending_on_a_rest_day_move_to_the_next_working_day(
        start: date, n: int, expected: date) -> None:
    assert add_calendar_days(start, n) == expected
    assert deadline(start, n, "calendar") == expected


def test_working_days_between_counts_the_half_open_interval() -> None:
    assert working_days_between(date(2024, 9, 27), date(2024, 10, 10)) == 5
    assert working_days_between(date(2024, 10, 10), date(2024, 9, 27)) == -5
    assert working_days_between(date(2024, 10, 1), date(2024, 10, 1)) == 0
    assert working_days_between(date(2024, 9, 30), date(2024, 10, 7)) == 0


@pytest.mark.parametrize("n", [0, 1, 3, 5, 7, 15, 40])
def test_working_days_between_inverts_add_working_days(n: int) -> None:
    start = date(2025, 1, 20)
    assert working_days_between(start, add_working_days(start, n)) == n


def test_years_without_a_holiday_table_fall_back_to_weekdays_and_say_so() -> None:
    assert calendar_known(date(2026, 10, 1))
    assert not calendar_known(date(2031, 5, 1))
    assert is_working_day(date(2031, 1, 1))       # a Wednesday; the real holiday is unknown
    assert not is_working_day(date(2031, 1, 4))   # Saturday
    assert add_working_days(date(2031, 1, 3), 1) == date(2031, 1, 6)
    assert unknown_years(date(2026, 12, 30), date(2027, 1, 5)) == (2027,)
    assert unknown_years(date(2024, 1, 1), date(2025, 1, 1)) == ()


def test_invalid_periods_are_refused() -> None:
    with pytest.raises(ValueError):
        add_working_days(date(2024, 1, 1), -1)
    with pytest.raises(ValueError):
        add_calendar_days(date(2024, 1, 1), -1)
    with pytest.raises(ValueError):
        deadline(date(2024, 1, 1), 5, "weeks")  # type: ignore[arg-type]


def test_add_years_keeps_the_day_and_moves_29_february_to_the_28th() -> None:
    assert add_years(date(2021, 6, 1), 2) == date(2023, 6, 1)
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert add_years(date(2024, 2, 29), -1) == date(2023, 2, 28)


def test_a_term_ends_the_day_before_its_anniversary_and_from_29_february_on_28_february() -> None:
    from server.workdays import term_end

    assert term_end(date(2021, 8, 25), 3) == date(2024, 8, 24)
    assert term_end(date(2020, 2, 29), 3) == date(2023, 2, 28)
    assert term_end(date(2020, 2, 29), 4) == date(2024, 2, 28)
    assert term_end(date(2023, 3, 1), 1) == date(2024, 2, 29)


def test_the_demo_generator_and_the_register_share_the_positive_list_term() -> None:
    import inspect

    from server.demo import generator
    from server.registry import service, terms

    assert terms.positive_list_last_day(date(2020, 2, 29)) == date(2023, 2, 28)
    for module in (service, generator):
        assert "positive_list_last_day" in inspect.getsource(module)
        assert "replace(year=" not in inspect.getsource(module)
