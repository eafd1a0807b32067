"""PURE: what the law lets a case's fine be: the outcomes it forbids fining, and the statutory
range of the fine, one per act (处罚法 第29、33、36条)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

NOT_FINED = ("waived", "no_fault", "may_waive", "time_barred")
# Outcomes the law forbids fining: minor and corrected (处罚法 第33条第1款), no fault (第33条第2款),
# not discovered within the limitation period (第36条).
MUST_NOT_FINE = ("waived", "no_fault", "time_barred")
EDUCATION_NEEDED = ("waived", "no_fault", "may_waive")
# Acts the law forbids fining whose party is still educated (处罚法 第33条第3款): in a case
# decided with a fine for its other acts, the decision records that education too.
MUST_EDUCATE = ("waived", "no_fault")


@dataclass(frozen=True, slots=True)
class Member:
    """A violation of a case as the fine's range needs it: its act, the rules' outcome, and
    the statutory minimum and maximum of its provision."""

    act: int
    outcome: str
    min_fen: int | None
    max_fen: int | None
    fined_under: bool = False
    """Whether the act's fine rests on this violation's provision (the case's acts name it:
    filing.amounts), so its range binds the act's fine and the basis the documents cite."""


def act_ranges(members: Iterable[Member]) -> dict[int, tuple[int, int] | None]:
    """The statutory range of each act's fine (处罚法 第29条: the provision with the higher
    fine, the one the act is fined under when the case names it, else the higher maximum),
    the act the law forbids fining absent. None for an act whose provision's range is
    unknown."""
    acts: dict[int, list[Member]] = {}
    for member in members:
        if member.outcome not in MUST_NOT_FINE:
            acts.setdefault(member.act, []).append(member)
    ranges: dict[int, tuple[int, int] | None] = {}
    for act, found in acts.items():
        if any(m.max_fen is None or m.min_fen is None for m in found):
            ranges[act] = None
            continue
        applied = next((m for m in found if m.fined_under), None) or max(
            found, key=lambda m: (m.max_fen or 0, m.min_fen or 0))
        ranges[act] = (applied.min_fen or 0, applied.max_fen or 0)
    return ranges


def fine_range(members: Iterable[Member]) -> tuple[int, int] | None:
    """The statutory range of a case's fine, one fine per act: the acts the rules fine add
    their minimum, an act they only may fine its maximum (it may be left unfined; when no act
    is fined outright, the fine is at least the lowest minimum of those that may be). None when
    a provision's range is unknown."""
    members = list(members)
    ranges = act_ranges(members)
    if any(found is None for found in ranges.values()):
        return None
    fined = {m.act for m in members if m.outcome == "fine"}
    low = sum(lo for act, (lo, _) in ranges.items() if act in fined)  # type: ignore[misc]
    if not fined and ranges:
        low = min(lo for lo, _ in ranges.values())  # type: ignore[misc]
    return low, sum(hi for _, hi in ranges.values())  # type: ignore[misc]
