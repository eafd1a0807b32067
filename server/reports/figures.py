"""PURE: the bureau's published figures for a period, from plain case rows (LAW.md §9)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from server.workdays import add_years

METRICS = ("cases_filed", "decisions", "fines_fen", "waived_cases", "not_levied_fen",
           "daily_penalty_cases", "daily_penalty_fen")
LABELS_ZH = {"cases_filed": "立案数", "decisions": "处罚决定数", "fines_fen": "罚款金额(元)",
             "waived_cases": "不予处罚案件数", "not_levied_fen": "免罚金额(元)",
             "daily_penalty_cases": "按日连续处罚案件数",
             "daily_penalty_fen": "按日连续处罚金额(元)"}


@dataclass(frozen=True, slots=True)
class CaseRow:
    """What the figures need of one case."""

    district: str
    codes: tuple[str, ...]
    filed_on: date
    decided_on: date | None = None
    fined: bool = False
    fine_fen: int = 0
    not_penalised: bool = False
    not_levied_fen: int = 0
    daily_penalty_on: date | None = None
    daily_penalty_fen: int = 0
    # The fine of each fined act under its act's type (处罚法 第29条: the provision it was fined
    # under); empty when not known, and then the whole fine counts under each type.
    code_fines: tuple[tuple[str, int], ...] = ()

    def for_code(self, code: str) -> CaseRow:
        """The row as one violation type sees it: only the fines of its own acts."""
        if not self.fined or not self.code_fines:
            return self
        fine = sum(fen for each, fen in self.code_fines if each == code)
        fined = any(each == code for each, _ in self.code_fines)
        return replace(self, fined=fined, fine_fen=fine if fined else 0)


@dataclass(slots=True)
class Figures:
    """Counts and amounts (fen) for one period and scope."""

    cases_filed: int = 0
    decisions: int = 0
    fines_fen: int = 0
    waived_cases: int = 0
    not_levied_fen: int = 0
    daily_penalty_cases: int = 0
    daily_penalty_fen: int = 0

    def as_dict(self) -> dict[str, int]:
        """The figures by metric name."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Period:
    """Inclusive legal dates."""

    start: date
    end: date

    def __contains__(self, day: date | None) -> bool:
        return day is not None and self.start <= day <= self.end

    def year_before(self) -> Period:
        """The same dates one year earlier (29 February falls back to the 28th); a period that
        covers a whole February compares with the whole February a year earlier, so February
        2025 takes in 29 February 2024."""
        end = add_years(self.end, -1)
        if (self.end.month == 2 and (self.end + timedelta(days=1)).month == 3
                and self.start <= self.end.replace(day=1)):
            end = date(end.year, 3, 1) - timedelta(days=1)
        return Period(add_years(self.start, -1), end)


@dataclass(slots=True)
class Summary:
    """The figures of a period, the same period a year earlier, and breakdowns."""

    period: Period
    current: Figures
    previous_year: Figures
    by_district: dict[str, Figures] = field(default_factory=dict)
    by_code: dict[str, Figures] = field(default_factory=dict)

    def change_pct(self) -> dict[str, float | None]:
        """Year-on-year change per metric in %, two decimals; None when last year was 0."""
        now, before = self.current.as_dict(), self.previous_year.as_dict()
        return {m: None if before[m] == 0 else round((now[m] - before[m]) * 100 / before[m], 2)
                for m in METRICS}


def add(figures: Figures, row: CaseRow, period: Period) -> None:
    """Count the row's events that fall in the period."""
    if row.filed_on in period:
        figures.cases_filed += 1
    if row.decided_on in period:
        if row.fined:
            figures.decisions += 1
            figures.fines_fen += row.fine_fen
        if row.not_penalised:
            figures.waived_cases += 1
            figures.not_levied_fen += row.not_levied_fen
    if row.daily_penalty_on in period:
        figures.daily_penalty_cases += 1
        figures.daily_penalty_fen += row.daily_penalty_fen


def in_period(row: CaseRow, period: Period) -> bool:
    """Whether anything of the row happened in the period."""
    return any(day in period for day in (row.filed_on, row.decided_on, row.daily_penalty_on))


def summarise(rows: Iterable[CaseRow], period: Period, code: str | None = None) -> Summary:
    """The summary of the rows (already limited to the district asked for)."""
    summary = Summary(period, Figures(), Figures())
    before = period.year_before()
    for row in rows:
        if code is not None and code not in row.codes:
            continue
        seen = row if code is None else row.for_code(code)
        add(summary.previous_year, seen, before)
        if not in_period(row, period):
            continue
        add(summary.current, seen, period)
        add(summary.by_district.setdefault(row.district, Figures()), seen, period)
        for each in sorted(set(row.codes)) if code is None else (code,):
            add(summary.by_code.setdefault(each, Figures()), row.for_code(each), period)
    return summary


def yuan(fen: int) -> Decimal:
    """Fen as yuan with two decimals, for published tables."""
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))
