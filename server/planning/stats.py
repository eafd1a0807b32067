"""Supervisor views: tasks by kind and status, overdue and escalated counts, workload."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, func, select, true

from server import clock
from server.auth import service as auth
from server.auth.policy import Actor, authorize, in_scope
from server.extensions import db
from server.planning import lifecycle
from server.planning.models import Task, TaskAssignee


def _scope_clause(actor: Actor):
    return Task.district == actor.scope if not actor.city_wide else true()


def summary(actor: Actor) -> dict[str, Any]:
    """Counts of tasks in scope by kind and status, and how many are overdue or escalated."""
    authorize(actor, "task.stats")
    scope = _scope_clause(actor)
    rows = db.session.execute(select(Task.kind, Task.status, func.count()).where(scope)
                              .group_by(Task.kind, Task.status).order_by(Task.kind, Task.status))
    late = and_(scope, Task.status.in_(lifecycle.OPEN), Task.due_date < clock.today_shanghai())
    return {"by_kind_status": [{"kind": k, "status": s, "count": n} for k, s, n in rows],
            "overdue": db.session.scalar(select(func.count()).select_from(Task).where(late)),
            "escalated": db.session.scalar(select(func.count()).select_from(Task).where(
                late, Task.escalation_level > 0))}


def workload(actor: Actor) -> list[dict[str, Any]]:
    """Open tasks per inspector in scope (the basis of balanced assignment)."""
    authorize(actor, "task.stats")
    today = clock.today_shanghai()
    counts: dict[uuid.UUID, dict[str, int]] = {}
    for user_id, status, due in db.session.execute(
            select(TaskAssignee.user_id, Task.status, Task.due_date)
            .join(Task, Task.id == TaskAssignee.task_id).where(Task.status.in_(lifecycle.OPEN))):
        entry = counts.setdefault(user_id, {s: 0 for s in sorted(lifecycle.OPEN)} | {
            "overdue": 0})
        entry[status] += 1
        entry["overdue"] += due < today
    out = []
    for user in auth.list_users():
        if user.role != "inspector" or not user.active or not in_scope(actor, user.district):
            continue
        entry = counts.get(user.id, {s: 0 for s in sorted(lifecycle.OPEN)} | {"overdue": 0})
        out.append({"inspector_id": user.id, "username": user.username,
                    "display_name": user.display_name, "district": user.district,
                    "open": sum(entry[s] for s in lifecycle.OPEN), **entry,
                    "certificate_expires": user.certificate_expires})
    return sorted(out, key=lambda e: (-e["open"], e["username"]))
