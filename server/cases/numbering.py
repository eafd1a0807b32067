"""PURE: the published forms of filing and decision numbers, per issuing authority and year."""

from __future__ import annotations

from typing import Literal

Series = Literal["filing", "decision", "not_penalised"]
SERIES: tuple[Series, ...] = ("filing", "decision", "not_penalised")
CITY = "310000"

# 环罚 is the published form (e.g. 沪0115环罚〔2026〕36号); 环立 (filing) and 环不罚 (decisions
# not to penalise) follow the same pattern as the bureau's internal convention.
_MARK: dict[Series, str] = {"filing": "环立", "decision": "环罚", "not_penalised": "环不罚"}


def authority_code(district: str) -> str:
    """The authority part of a number: the district's 4 digits (0115), empty for the city."""
    if len(district) != 6 or not district.isdigit() or not district.startswith("31"):
        raise ValueError(f"not a Shanghai administrative code: {district!r}")
    return "" if district == CITY else district[2:]


def format_number(series: Series, authority: str, year: int, n: int) -> str:
    """沪<authority><mark>〔<year>〕<n>号, e.g. 沪0115环罚〔2026〕36号."""
    if n < 1:
        raise ValueError(f"numbers start at 1, not {n}")
    return f"沪{authority}{_MARK[series]}〔{year}〕{n}号"
