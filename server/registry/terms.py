"""PURE: the positive list's validity term (正面清单: three years, Shanghai rules of 2021)."""

from __future__ import annotations

from datetime import date

from server.workdays import term_end

POSITIVE_LIST_YEARS = 3


def positive_list_last_day(start: date) -> date:
    """The last day a listing that starts on `start` may run to."""
    return term_end(start, POSITIVE_LIST_YEARS)
