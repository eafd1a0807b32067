"""PURE: the bureau's published figures for a period, from plain case rows (LAW.md §9)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from server.workdays import add_years

# Why an act was not penalised, from its violation decision (outcome and waiver ground):
# waived under the minor-offence list (免罚清单, the figures LAW.md §9 quotes); minor and
# corrected without harm outside the list, or a first offence with minor harm corrected in time
# and not fined (处罚法 第33条第1款); no fault (第33条第2款); not discovered in time (第36条).
GROUNDS = ("list", "minor", "first_offence", "no_fault", "time_barred")
GROUND_METRICS = {"list": ("waived_cases", "not_levied_fen"),
                  "minor": ("minor_cases", "minor_fen"),
                  "first_offence": ("first_offence_cases", "first_offence_fen"),
                  "no_fault": ("no_fault_cases", "no_fault_fen"),
                  "time_barred": ("time_barred_cases", "time_barred_fen")}
METRICS = ("cases_filed", "decisions", "fines_fen", "not_penalised_decisions",
           "waived_cases", "waived_acts", "not_levied_fen",
           *(name for ground in GROUNDS[1:] for name in GROUND_METRICS[ground]),
           "daily_penalty_cases", "daily_penalty_fen")
LABELS_ZH = {"cases_filed": "立案数", "decisions": "处罚决定数", "fines_fen": "罚款金额(元)",
             "not_penalised_decisions": "不予处罚决定数",
             "waived_cases": "免罚清单免罚案件数", "waived_acts": "免罚清单免罚违法行为数",
             "not_levied_fen": "免罚清单免罚金额(元)",
             "minor_cases": "轻微违法不予处罚案件数", "minor_fen": "轻微违法未罚金额(元)",
             "first_offence_cases": "首违不罚案件数", "first_offence_fen": "首违不罚未罚金额(元)",
             "no_fault_cases": "无主观过错不予处罚案件数",
             "no_fault_fen": "无主观过错未罚金额(元)",
             "time_barred_cases": "超过追责时效不予处罚案件数",
             "time_barred_fen": "超过追责时效未罚金额(元)",
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
    """The decision is a 不予行政处罚决定 (every act of the case not penalised)."""
    spared: tuple[tuple[str, str, int], ...] = ()
    """Each act the decision did not penalise, in a fined case too: (ground of GROUNDS, its
    type, the fine the rules would have given)."""
    daily_penalty_on: date | None = None
    daily_penalty_fen: int = 0
    daily_code: str | None = None
    """The type of the continuing act the daily penalty was imposed for; None when not known,
    and then it counts under each type."""
    # The fine of each fined act under its act's type (处罚法 第29条: the provision it was fined
    # under); empty when not known, and then the whole fine counts under each type.
    code_fines: tuple[tuple[str, int], ...] = ()

    def for_code(self, code: str) -> CaseRow:
        """The row as one violation type sees it: only its own acts' fines, acts not penalised
        and daily penalty."""
        seen = replace(self, spared=tuple(s for s in self.spared if s[1] == code))
        if self.daily_code is not None and self.daily_code != code:
            seen = replace(seen, daily_penalty_on=None, daily_penalty_fen=0)
        if not self.fined or not self.code_fines:
            return seen
        fine = sum(fen for each, fen in self.code_fines if each == code)
        fined = any(each == code for each, _ in self.code_fines)
        return replace(seen, fined=fined, fine_fen=fine if fined else 0)


@dataclass(slots=True)
class Figures:
    """Counts and amounts (fen) for one period and scope."""

    cases_filed: int = 0
    decisions: int = 0
    fines_fen: int = 0
    not_penalised_decisions: int = 0
    waived_cases: int = 0
    waived_acts: int = 0
    not_levied_fen: int = 0
    minor_cases: int = 0
    minor_fen: int = 0
    first_offence_cases: int = 0
    first_offence_fen: int = 0
    no_fault_cases: int = 0
    no_fault_fen: int = 0
    time_barred_cases: int = 0
    time_barred_fen: int = 0
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
            figures.not_penalised_decisions += 1
        for ground in {ground for ground, _, _ in row.spared}:
            cases = GROUND_METRICS[ground][0]
            setattr(figures, cases, getattr(figures, cases) + 1)
        for ground, _, fen in row.spared:
            amount = GROUND_METRICS[ground][1]
            setattr(figures, amount, getattr(figures, amount) + fen)
            figures.waived_acts += ground == "list"
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
