"""Chinese working-day arithmetic (行政处罚法 Art. 85) on the State Council holiday schedule.

Working days follow the `chinese_calendar` table, including the make-up working weekends (调休).
For a year the table does not cover, Monday to Friday are taken as working days and the year is
reported by `unknown_years`, so callers can say so ("holiday table for 2031 unknown").
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

import chinese_calendar

DayKind = Literal["working", "calendar"]
DAY_KINDS: tuple[DayKind, ...] = ("working", "calendar")
_ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=256)
def _year_known(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def calendar_known(d: date) -> bool:
    """Whether the holiday table covers the year of `d` (otherwise weekends only are used)."""
    return _year_known(d.year)


def unknown_years(a: date, b: date) -> tuple[int, ...]:
    """Years between `a` and `b` (inclusive, either order) that have no holiday table."""
    low, high = min(a.year, b.year), max(a.year, b.year)
    return tuple(year for year in range(low, high + 1) if not _year_known(year))


@lru_cache(maxsize=32768)
def is_working_day(d: date) -> bool:
    """Whether `d` is a working day: weekdays minus holidays, plus make-up working weekends."""
    if _year_known(d.year):
        return bool(chinese_calendar.is_workday(d))
    return d.weekday() < 5


@lru_cache(maxsize=32768)
def add_working_days(start: date, n: int) -> date:
    """The date `n` working days after `start`; the first day (`start`) is not counted."""
    if n < 0:
        raise ValueError(f"a period cannot be negative: {n}")
    current, left = start, n
    while left:
        current += _ONE_DAY
        if is_working_day(current):
            left -= 1
    return current


@lru_cache(maxsize=32768)
def add_calendar_days(start: date, n: int) -> date:
    """The date `n` days after `start`, moved to the next working day if it is not one."""
    if n < 0:
        raise ValueError(f"a period cannot be negative: {n}")
    if n == 0:
        return start
    end = start + timedelta(days=n)
    while not is_working_day(end):
        end += _ONE_DAY
    return end


def deadline(start: date, n: int, kind: DayKind) -> date:
    """The last day of a period of `n` working or calendar days counted from `start`."""
    if kind == "working":
        return add_working_days(start, n)
    if kind == "calendar":
        return add_calendar_days(start, n)
    raise ValueError(f"unknown day kind {kind!r}; expected one of {DAY_KINDS}")


def working_days_between(a: date, b: date) -> int:
    """Working days in (a, b]; negative when `b` is before `a`, zero when equal."""
    if b < a:
        return -working_days_between(b, a)
    count, current = 0, a
    while current < b:
        current += _ONE_DAY
        if is_working_day(current):
            count += 1
    return count


def add_years(d: date, years: int) -> date:
    """The same calendar day `years` later (or earlier); 29 February falls back to the 28th."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def term_end(start: date, years: int) -> date:
    """The last day of a term of `years` years from `start`: the day before the anniversary.

    From 29 February the anniversary is 1 March (民法典 第202条: no corresponding day → the
    end of that month), so such a term ends on 28 February.
    """
    try:
        anniversary = start.replace(year=start.year + years)
    except ValueError:
        anniversary = date(start.year + years, 3, 1)
    return anniversary - _ONE_DAY
