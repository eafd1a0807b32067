"""Jobs on deadlines: escalate overdue tasks; create re-inspections when corrections fall due.

Re-inspection sources are other contexts' service functions, resolved lazily by dotted path.
Each returns, for a day, the corrections whose deadline has passed, as mappings with:
`source_ref` (unique, stable), `enterprise_id`, `deadline` (date), `reason`
(`waiver_pending_correction` | `correction_order`) and optionally `note` and `due_date`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any

from flask import current_app
from sqlalchemy import select

from server import clock
from server.audit import service as audit
from server.errors import NotFound
from server.jobs import resolve
from server.planning import lifecycle, tasks
from server.planning.models import Task, TaskEvent
from server.registry import service as registry
from server.uow import unit_of_work
from server.workdays import add_working_days

CORRECTION_SOURCES = ("server.fieldwork.violations.corrections_due",)

Source = Callable[[date], Iterable[Mapping[str, Any]]]


def escalate_overdue_tasks(now: datetime) -> dict[str, int]:
    """Raise the escalation level of open tasks that are late by enough working days."""
    today = now.astimezone(clock.SHANGHAI).date()
    thresholds = current_app.config["ESCALATION_WORKING_DAYS"]
    counts = {"overdue": 0, "escalated": 0}
    with unit_of_work() as session:
        late = session.scalars(select(Task).where(
            Task.status.in_(lifecycle.OPEN), Task.due_date < today)
            .order_by(Task.due_date, Task.id).with_for_update())
        for task in late:
            counts["overdue"] += 1
            step = lifecycle.escalation(task.status, task.due_date, today, thresholds)
            if step.level <= task.escalation_level:
                continue
            before = task.escalation_level
            task.escalation_level, task.escalated_at = step.level, now
            if step.level == len(lifecycle.ESCALATION_LEVELS) - 1:
                task.priority = "urgent"
            task.version += 1
            task.updated_at = now
            details = {"before": lifecycle.ESCALATION_LEVELS[before], "after": step.name,
                       "working_days_overdue": step.working_days_overdue,
                       "due_date": task.due_date.isoformat()}
            session.add(TaskEvent(task_id=task.id, at=now, event="escalated",
                                        details=details))
            audit.record(None, "task.escalate", "task", task.id, details)
            counts["escalated"] += 1
    return counts


def create_reinspection_tasks(items: Iterable[Mapping[str, Any]],
                              now: datetime) -> dict[str, int]:
    """One re-inspection task per correction whose deadline has passed (never twice)."""
    today = now.astimezone(clock.SHANGHAI).date()
    days = current_app.config["REINSPECTION_WORKING_DAYS"]
    counts = {"due": 0, "created": 0, "existing": 0, "not_yet": 0, "unknown_enterprise": 0}
    with unit_of_work() as session:
        for item in items:
            deadline = item["deadline"]
            if deadline >= today:
                counts["not_yet"] += 1
                continue
            counts["due"] += 1
            ref = str(item["source_ref"])[:120]
            if session.scalar(select(Task.id).where(Task.source_ref == ref)):
                counts["existing"] += 1
                continue
            try:
                enterprise = registry.get_enterprise(tasks.SYSTEM_SCOPE,
                                                     uuid.UUID(str(item["enterprise_id"])))
            except (NotFound, ValueError):
                counts["unknown_enterprise"] += 1
                continue
            due = item.get("due_date") or add_working_days(deadline, days)
            note = item.get("note") or (f"复查: {item.get('reason', 'correction')} "
                                        f"deadline {deadline.isoformat()}")
            task = tasks.new_task(None, kind="reinspection", enterprise_id=enterprise.id,
                                  district=enterprise.district, due=due, priority="high",
                                  note=note, source_ref=ref)
            audit.record(None, "task.create", "task", task.id,
                         {"kind": "reinspection", "source_ref": ref,
                          "enterprise_id": str(enterprise.id), "due_date": due.isoformat()})
            counts["created"] += 1
    return counts


def create_due_reinspections(now: datetime,
                             sources: Iterable[Source] | None = None) -> dict[str, int]:
    """Job: ask every correction source what fell due and create the re-inspections."""
    today = now.astimezone(clock.SHANGHAI).date()
    found = [resolve(path) for path in CORRECTION_SOURCES] if sources is None else sources
    items = [item for source in found for item in source(today)]
    return create_reinspection_tasks(items, now)
