"""PURE: task kinds, the status lifecycle, confidentiality and the overdue escalation rule."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from server.messages import Message
from server.planning.refusals import said
from server.workdays import working_days_between

KINDS = ("random_check", "complaint", "monitoring", "remote_sensing", "reinspection",
         "offsite_review")
# Kinds a supervisor creates by hand; random checks only come out of a draw.
MANUAL_KINDS = tuple(k for k in KINDS if k != "random_check")
ONSITE_KINDS = frozenset(KINDS) - {"offsite_review"}
STATUSES = ("planned", "assigned", "in_progress", "submitted", "reviewed", "closed",
            "cancelled")
OPEN = frozenset({"planned", "assigned", "in_progress"})
NOT_STARTED = frozenset({"planned", "assigned"})
TERMINAL = frozenset({"closed", "cancelled"})
PRIORITIES = ("low", "normal", "high", "urgent")

# target status -> (statuses it may come from, authorization action)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "in_progress": (frozenset({"assigned"}), "task.work"),
    "submitted": (frozenset({"in_progress"}), "task.work"),
    "reviewed": (frozenset({"submitted"}), "task.review"),
    "closed": (frozenset({"reviewed"}), "task.review"),
    "cancelled": (frozenset({"planned", "assigned", "in_progress", "submitted"}),
                  "task.cancel"),
}
ESCALATION_LEVELS = ("none", "overdue", "escalated")


def transition_problem(current: str, target: str) -> Message | None:
    """Why a status change is not allowed (a message key), or None when it is."""
    if target not in TRANSITIONS:
        return said("task.not_a_status", to=target)
    sources, _ = TRANSITIONS[target]
    if current not in sources:
        return said("task.transition", state=current, to=target, allowed=sorted(sources))
    return None


def minimum_inspectors(kind: str) -> int:
    """On-site work needs two officers (行政处罚法 Art. 42); an off-site review needs one."""
    return 2 if kind in ONSITE_KINDS else 1


def confidential(kind: str, from_draw: bool, status: str) -> bool:
    """A drawn on-site unit stays confidential until its inspection starts (双随机)."""
    return from_draw and kind in ONSITE_KINDS and status in NOT_STARTED


@dataclass(frozen=True)
class Escalation:
    """How far overdue a task is and the level that follows."""

    level: int
    working_days_overdue: int

    @property
    def name(self) -> str:
        """The level's name."""
        return ESCALATION_LEVELS[self.level]


def escalation(status: str, due: date, today: date, thresholds: Sequence[int]) -> Escalation:
    """The escalation an open task has earned: level k once overdue by thresholds[k-1]
    working days (the due day itself still counts as in time)."""
    if status not in OPEN or today <= due:
        return Escalation(0, 0)
    overdue = working_days_between(due, today)
    level = sum(1 for limit in thresholds if overdue >= limit)
    return Escalation(min(level, len(ESCALATION_LEVELS) - 1), overdue)
