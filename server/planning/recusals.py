"""Recusal (回避, 办法 Art. 6): an inspector declared in conflict is never sent to the unit."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from server import clock
from server.audit import service as audit
from server.auth import service as auth
from server.auth.policy import Actor, authorize
from server.errors import Conflict, Forbidden, ValidationFailed
from server.extensions import db
from server.planning import lifecycle, tasks
from server.planning.models import Recusal, Task, TaskAssignee
from server.planning.refusals import refused, said
from server.registry import service as registry
from server.uow import unit_of_work

REASONS = ("relative", "direct_interest", "other_relation")


def declare(actor: Actor, data: dict[str, Any]) -> tuple[Recusal, list[uuid.UUID]]:
    """Record a conflict; returns it with the open tasks that now need another inspector.

    Inspectors declare their own conflicts (for any unit: they may be sent across districts);
    supervisors record them for inspectors of units in their scope.
    """
    authorize(actor, "recusal.create")
    inspector_id = data.get("inspector_id") or actor.user_id
    if actor.role == "inspector" and inspector_id != actor.user_id:
        raise refused(Forbidden, said("recusal.own_only"))
    reader = tasks.SYSTEM_SCOPE if actor.role == "inspector" else actor
    with unit_of_work() as session:
        enterprise = registry.get_enterprise(reader, data["enterprise_id"])
        user = next((u for u in auth.list_users() if u.id == inspector_id), None)
        if user is None or user.role != "inspector":
            raise refused(ValidationFailed, said("recusal.not_inspector"),
                          {"inspector_id": said("recusal_field.inspector")})
        if session.scalar(select(Recusal.id).where(Recusal.user_id == user.id,
                                                   Recusal.enterprise_id == enterprise.id)):
            raise refused(Conflict, said("recusal.declared"))
        recusal = Recusal(user_id=user.id, enterprise_id=enterprise.id,
                          district=enterprise.district, reason=data["reason"],
                          note=data.get("note", ""), declared_by=actor.user_id,
                          declared_at=clock.utcnow())
        session.add(recusal)
        session.flush()
        affected = list(session.scalars(
            select(Task.id).join(TaskAssignee, TaskAssignee.task_id == Task.id).where(
                TaskAssignee.user_id == user.id, Task.enterprise_id == enterprise.id,
                Task.status.in_(lifecycle.OPEN)).order_by(Task.id)))
        audit.record(actor, "recusal.create", "recusal", recusal.id,
                     {"inspector_id": str(user.id), "enterprise_id": str(enterprise.id),
                      "reason": recusal.reason, "affected_tasks": [str(t) for t in affected]})
    return recusal, affected


def list_recusals(actor: Actor, enterprise_id: uuid.UUID | None = None) -> list[Recusal]:
    """Supervisors: recusals of units in scope; inspectors: their own."""
    authorize(actor, "recusal.read")
    query = select(Recusal).order_by(Recusal.declared_at, Recusal.id)
    if actor.role == "inspector":
        query = query.where(Recusal.user_id == actor.user_id)
    elif not actor.city_wide:
        query = query.where(Recusal.district == actor.scope)
    if enterprise_id is not None:
        query = query.where(Recusal.enterprise_id == enterprise_id)
    return list(db.session.scalars(query))

