"""Task lifecycle, confidentiality and the escalation rule (pure)."""

from __future__ import annotations

from datetime import date

import pytest

from server.planning.lifecycle import (
    STATUSES,
    TRANSITIONS,
    confidential,
    escalation,
    minimum_inspectors,
    transition_problem,
)

THRESHOLDS = (1, 3)


@pytest.mark.parametrize(("current", "target"), [
    ("assigned", "in_progress"), ("in_progress", "submitted"), ("submitted", "reviewed"),
    ("reviewed", "closed"), ("planned", "cancelled"), ("in_progress", "cancelled")])
def test_the_lifecycle_allows_each_next_step(current, target):
    assert transition_problem(current, target) is None


@pytest.mark.parametrize(("current", "target"), [
    ("planned", "in_progress"), ("assigned", "submitted"), ("in_progress", "closed"),
    ("closed", "cancelled"), ("cancelled", "in_progress"), ("reviewed", "cancelled"),
    ("assigned", "assigned"), ("assigned", "planned")])
def test_the_lifecycle_refuses_jumps_and_leaving_an_end(current, target):
    assert transition_problem(current, target)


def test_closed_and_cancelled_are_final():
    for target, (sources, _) in TRANSITIONS.items():
        assert not {"closed", "cancelled"} & sources, target
    assert set(TRANSITIONS) < set(STATUSES)


def test_on_site_work_needs_two_officers_and_an_off_site_review_one():
    assert minimum_inspectors("random_check") == minimum_inspectors("complaint") == 2
    assert minimum_inspectors("offsite_review") == 1


def test_only_drawn_on_site_units_not_yet_visited_are_confidential():
    assert confidential("random_check", True, "assigned")
    assert not confidential("random_check", True, "in_progress")
    assert not confidential("offsite_review", True, "planned")
    assert not confidential("complaint", False, "assigned")


@pytest.mark.parametrize(("today", "level", "late"), [
    (date(2024, 9, 30), 0, 0),   # the due day
    (date(2024, 10, 1), 0, 0),   # National Day: a holiday is not a working day late
    (date(2024, 10, 7), 0, 0),
    (date(2024, 10, 8), 1, 1),
    (date(2024, 10, 10), 2, 3),
    (date(2024, 10, 12), 2, 5),  # 8-11 Oct and the make-up working Saturday
])
def test_escalation_counts_working_days_past_the_due_date(today, level, late):
    step = escalation("assigned", date(2024, 9, 30), today, THRESHOLDS)
    assert (step.level, step.working_days_overdue) == (level, late)


def test_finished_tasks_never_escalate():
    for status in ("submitted", "reviewed", "closed", "cancelled"):
        assert escalation(status, date(2024, 1, 2), date(2024, 6, 1), THRESHOLDS).level == 0
