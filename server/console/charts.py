"""PURE: the geometry of server-rendered SVG bar charts (this period against last year)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    """One bar, in SVG units."""

    x: float
    y: float
    width: float
    height: float
    value: float
    series: str


@dataclass(frozen=True)
class Group:
    """The bars of one category and where its label goes."""

    label: str
    label_x: float
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Chart:
    """A grouped bar chart: its size, groups and the value of the top gridline."""

    width: float
    height: float
    plot_top: float
    plot_bottom: float
    top_value: float
    groups: tuple[Group, ...]


def nice_ceiling(value: float) -> float:
    """A round number at or above `value` (1, 2 or 5 times a power of ten)."""
    if value <= 0:
        return 1.0
    power = 10 ** len(str(int(value))) / 10
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)


def grouped_bars(categories: Sequence[tuple[str, Sequence[float]]], series: Sequence[str],
                 width: float = 720, height: float = 260) -> Chart:
    """Bars for each category (one per series), scaled to a shared round maximum."""
    top, bottom, left = 20.0, height - 40.0, 40.0
    top_value = nice_ceiling(max((v for _, values in categories for v in values), default=0))
    slot = (width - left) / max(1, len(categories))
    bar_w = slot * 0.8 / max(1, len(series))
    groups = []
    for index, (label, values) in enumerate(categories):
        x0 = left + index * slot + slot * 0.1
        bars = []
        for s, value in enumerate(values):
            h = (bottom - top) * (value / top_value)
            bars.append(Bar(round(x0 + s * bar_w, 1), round(bottom - h, 1), round(bar_w, 1),
                            round(h, 1), value, series[s]))
        groups.append(Group(label, round(x0 + slot * 0.4, 1), tuple(bars)))
    return Chart(width, height, top, bottom, top_value, tuple(groups))
