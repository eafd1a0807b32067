"""Use cases of tasks: create, read with confidentiality, assign (single and bulk), move."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import Select, and_, func, not_, select

from server import clock
from server.audit import service as audit
from server.auth import service as auth
from server.auth.models import User
from server.auth.policy import CITY, Actor, authorize, in_scope
from server.errors import Conflict, Forbidden, NotFound, ValidationFailed, VersionConflict
from server.extensions import db
from server.messages import Message
from server.planning import lifecycle
from server.planning.models import Recusal, Task, TaskAssignee, TaskEvent
from server.planning.refusals import english, refused, said
from server.registry import service as registry
from server.uow import find, unit_of_work
from server.workdays import add_working_days, unknown_years

SUPERVISING = frozenset({"supervisor", "admin"})
# Checks that hold whoever asks (e.g. at the start of a task): no district restriction.
SYSTEM_SCOPE = Actor(uuid.UUID(int=0), "system", "admin", CITY)
MAX_ASSIGNEES = 10


@dataclass(frozen=True)
class TaskFilter:
    """List filters; None means no filter."""

    kind: str | None = None
    status: str | None = None
    assignee: uuid.UUID | None = None
    enterprise_id: uuid.UUID | None = None
    plan_id: uuid.UUID | None = None
    overdue: bool | None = None


def _event(task: Task, actor: Actor | None, event: str, **details: Any) -> None:
    db.session.add(TaskEvent(task_id=task.id, actor_id=actor.user_id if actor else None,
                             at=clock.utcnow(), event=event, details=details))


def provisional(start: date, due: date) -> bool:
    """A due date counted through a year without a holiday table is provisional."""
    return bool(unknown_years(start, due))


def new_task(actor: Actor | None, *, kind: str, enterprise_id: uuid.UUID, district: str,
             due: date, plan_id: uuid.UUID | None = None, draw_id: uuid.UUID | None = None,
             inspectors: Sequence[str] = (), priority: str = "normal", note: str = "",
             source_ref: str | None = None, task_id: uuid.UUID | None = None,
             due_provisional: bool | None = None, positive_list: bool = False) -> Task:
    """Add a task inside the caller's transaction (inspectors already checked)."""
    today = clock.today_shanghai()
    task = Task(id=task_id or uuid.uuid4(), kind=kind, enterprise_id=enterprise_id,
                district=district, due_date=due, plan_id=plan_id, draw_id=draw_id,
                priority=priority, note=note, source_ref=source_ref,
                positive_list=positive_list, status="assigned" if inspectors else "planned",
                due_provisional=provisional(today, due) if due_provisional is None
                else due_provisional,
                created_by=actor.user_id if actor else None, created_at=clock.utcnow(),
                updated_at=clock.utcnow())
    db.session.add(task)
    db.session.flush()
    _event(task, actor, "created", kind=kind, due_date=due.isoformat(),
           draw_id=str(draw_id) if draw_id else None, source_ref=source_ref)
    if inspectors:
        db.session.add_all(TaskAssignee(task_id=task.id, user_id=uuid.UUID(str(u)))
                           for u in inspectors)
        _event(task, actor, "assigned", before=[], after=[str(u) for u in inspectors],
               reason="drawn" if draw_id else "")
    return task


def _confidential_clause():
    return and_(Task.draw_id.is_not(None), Task.kind.in_(lifecycle.ONSITE_KINDS),
                Task.status.in_(lifecycle.NOT_STARTED))


def _assigned_to(user_id: uuid.UUID):
    return Task.id.in_(select(TaskAssignee.task_id).where(TaskAssignee.user_id == user_id))


def _visible(actor: Actor) -> Select:
    """Tasks the actor may see: supervisors in scope; inspectors their own; others in scope
    except drawn units not yet visited."""
    authorize(actor, "task.read")
    query = select(Task)
    if actor.role == "inspector":
        return query.where(_assigned_to(actor.user_id))
    if not actor.city_wide:
        query = query.where(Task.district == actor.scope)
    if actor.role not in SUPERVISING:
        query = query.where(not_(_confidential_clause()))
    return query


def assignees(task_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Current assignees of each task."""
    found: dict[uuid.UUID, list[uuid.UUID]] = {}
    ids = list(task_ids)
    if not ids:
        return found
    for task_id, user_id in db.session.execute(
            select(TaskAssignee.task_id, TaskAssignee.user_id)
            .where(TaskAssignee.task_id.in_(ids)).order_by(TaskAssignee.user_id)):
        found.setdefault(task_id, []).append(user_id)
    return found


def _unknown_task() -> NotFound:
    return refused(NotFound, said("task.unknown"))


def get_task(actor: Actor, task_id: uuid.UUID, *, lock: bool = False) -> Task:
    """One task the caller may see, else NotFound."""
    task = find(Task, task_id, lock=lock)
    if task is None:
        raise _unknown_task()
    if actor.role == "inspector":
        authorize(actor, "task.read")
        if actor.user_id not in assignees([task.id]).get(task.id, []):
            raise _unknown_task()
        return task
    authorize(actor, "task.read", task.district, unknown=_unknown_task)
    if actor.role not in SUPERVISING and lifecycle.confidential(
            task.kind, task.draw_id is not None, task.status):
        raise _unknown_task()
    return task


def sent_to(user_id: uuid.UUID, enterprise_id: uuid.UUID) -> bool:
    """Whether the user is assigned to an open task at the enterprise, whatever its district
    (a city-wide supervisor may send inspectors across: 交叉检查)."""
    return db.session.scalar(
        select(Task.id).join(TaskAssignee, TaskAssignee.task_id == Task.id)
        .where(Task.enterprise_id == enterprise_id, TaskAssignee.user_id == user_id,
               Task.status.in_(lifecycle.OPEN)).limit(1)) is not None


def still_sent(user_id: uuid.UUID, enterprise_id: uuid.UUID) -> bool:
    """Whether the user is still assigned to a task at the enterprise that was not cancelled
    (done or open): an inspector taken off it, or whose task was cancelled, is not."""
    return db.session.scalar(
        select(Task.id).join(TaskAssignee, TaskAssignee.task_id == Task.id)
        .where(Task.enterprise_id == enterprise_id, TaskAssignee.user_id == user_id,
               Task.status != "cancelled").limit(1)) is not None


def authorize_on(actor: Actor, action: str, task: Task) -> None:
    """Authorize an action on a visible task; an assigned inspector may be from elsewhere."""
    authorize(actor, action, None if actor.role == "inspector" else task.district)


def list_tasks(actor: Actor, filters: TaskFilter, page: int,
               per_page: int) -> tuple[list[Task], int]:
    """A page of visible tasks by due date, and the total."""
    query = _visible(actor)
    for column, value in ((Task.kind, filters.kind), (Task.status, filters.status),
                          (Task.enterprise_id, filters.enterprise_id),
                          (Task.plan_id, filters.plan_id)):
        if value is not None:
            query = query.where(column == value)
    if filters.assignee is not None:
        query = query.where(_assigned_to(filters.assignee))
    if filters.overdue is not None:
        late = and_(Task.status.in_(lifecycle.OPEN), Task.due_date < clock.today_shanghai())
        query = query.where(late if filters.overdue else not_(late))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = db.session.scalars(query.order_by(Task.due_date, Task.id)
                               .limit(per_page).offset((page - 1) * per_page))
    return list(items), total


def _users() -> dict[uuid.UUID, User]:
    return {user.id: user for user in auth.list_users()}


def check_inspectors(actor: Actor, task: Task, inspector_ids: Sequence[uuid.UUID],
                     users: dict[uuid.UUID, User]) -> list[Message]:
    """Why these inspectors cannot be sent on this task (empty when they can)."""
    problems = []
    if len(set(inspector_ids)) != len(inspector_ids):
        problems.append(said("task_field.twice"))
    needed = lifecycle.minimum_inspectors(task.kind)
    if len(set(inspector_ids)) < needed:
        problems.append(said("task_field.too_few", task_kind=task.kind, needed=needed))
    if len(inspector_ids) > MAX_ASSIGNEES:
        problems.append(said("task_field.too_many", most=MAX_ASSIGNEES))
    on = max(task.due_date, clock.today_shanghai())
    recused = set(db.session.scalars(select(Recusal.user_id).where(
        Recusal.enterprise_id == task.enterprise_id, Recusal.user_id.in_(inspector_ids))))
    for inspector_id in inspector_ids:
        user = users.get(inspector_id)
        if user is None or user.role != "inspector" or not user.active:
            problems.append(said("task_field.not_inspector", inspector=inspector_id))
        elif not in_scope(actor, user.district):
            problems.append(said("task_field.outside", inspector=inspector_id))
        elif not (user.certificate_no and user.certificate_expires
                  and user.certificate_expires >= on):
            problems.append(said("task_field.certificate", username=user.username, on=on))
        elif inspector_id in recused:
            problems.append(said("task_field.recused", username=user.username))
    return problems


def _apply_assignment(actor: Actor, task: Task, inspector_ids: Sequence[uuid.UUID],
                      reason: str) -> None:
    before = assignees([task.id]).get(task.id, [])
    db.session.execute(TaskAssignee.__table__.delete().where(TaskAssignee.task_id == task.id))
    db.session.add_all(TaskAssignee(task_id=task.id, user_id=u) for u in inspector_ids)
    if task.status == "planned":
        task.status = "assigned"
    task.version += 1
    task.updated_at = clock.utcnow()
    details = {"before": [str(u) for u in before], "after": [str(u) for u in inspector_ids],
               "reason": reason}
    _event(task, actor, "reassigned" if before else "assigned", **details)
    audit.record(actor, "task.assign", "task", task.id, details)


ASSIGNABLE = frozenset({"planned", "assigned", "in_progress"})


def _assignable(actor: Actor, task_id: uuid.UUID, version: int | None) -> Task:
    task = get_task(actor, task_id, lock=True)
    authorize(actor, "task.assign", task.district)
    if version is not None and task.version != version:
        raise refused(VersionConflict, said("task.stale", current=task.version, given=version),
                      current_version=task.version)
    if task.status not in ASSIGNABLE:
        raise refused(Conflict, said("task.not_assignable", state=task.status))
    return task


def assign(actor: Actor, task_id: uuid.UUID, inspector_ids: Sequence[uuid.UUID], version: int,
           reason: str = "") -> Task:
    """Assign or reassign one task (replaces the inspectors; history is kept)."""
    with unit_of_work():
        task = _assignable(actor, task_id, version)
        if problems := check_inspectors(actor, task, inspector_ids, _users()):
            raise refused(ValidationFailed, said("task.inspectors"), {"inspectors": problems})
        _apply_assignment(actor, task, inspector_ids, reason)
    return task


def assign_bulk(actor: Actor, items: Sequence[dict[str, Any]], reason: str = "") -> list[Task]:
    """Assign many tasks at once: all of them, or none if any item is refused."""
    authorize(actor, "task.assign")
    done: list[Task] = []
    with unit_of_work():
        users, errors, notes = _users(), {}, {}
        for index, item in enumerate(items):
            try:
                task = _assignable(actor, item["task_id"], item.get("version"))
            except (NotFound, Forbidden, Conflict, VersionConflict) as error:
                # another catalogue's refusal (district scope): its English comes with it
                errors[str(index)], notes[str(index)] = [error.detail], [error.message]
                continue
            problems = check_inspectors(actor, task, item["inspectors"], users) or (
                [said("task_field.same_task")] if task in done else [])
            if problems:
                errors[str(index)] = [english(problem) for problem in problems]
                notes[str(index)] = problems
                continue
            _apply_assignment(actor, task, item["inspectors"], reason)
            done.append(task)
        if errors:
            summary = said("task.bulk_refused", refused=len(errors), total=len(items))
            raise ValidationFailed(english(summary), errors=errors, message=summary,
                                   notes=notes)
    return done


def transition(actor: Actor, task_id: uuid.UUID, target: str, version: int,
               reason: str = "") -> Task:
    """Move a task along its lifecycle (start, submit, review, close, cancel)."""
    with unit_of_work():
        task = get_task(actor, task_id, lock=True)
        if problem := lifecycle.transition_problem(task.status, target):
            raise refused(Conflict, problem)
        authorize_on(actor, lifecycle.TRANSITIONS[target][1], task)
        if task.version != version:
            raise refused(VersionConflict, said("task.stale", current=task.version,
                                                given=version), current_version=task.version)
        if target == "cancelled" and not reason.strip():
            raise refused(ValidationFailed, said("task.cancel_reason"),
                          {"reason": said("task_field.cancel_reason")})
        if target == "in_progress":
            _check_start(actor, task)
        before = task.status
        task.status = target
        task.version += 1
        now = clock.utcnow()
        task.updated_at = now
        if target == "in_progress":
            task.started_at = now
        if target == "cancelled":
            task.cancel_reason = reason
        _event(task, actor, "status", before=before, after=target, reason=reason)
        audit.record(actor, "task.status", "task", task.id,
                     {"before": before, "after": target, "reason": reason})
    return task


def _check_start(actor: Actor, task: Task) -> None:
    """Nobody is sent without a valid team: enough inspectors, certified, none recused."""
    team = assignees([task.id]).get(task.id, [])
    problems = check_inspectors(SYSTEM_SCOPE, task, team, _users())
    if problems:
        raise refused(Conflict, said("task.team"), {"inspectors": problems})


def history(actor: Actor, task_id: uuid.UUID) -> list[TaskEvent]:
    """The task's events, oldest first."""
    task = get_task(actor, task_id)
    return list(db.session.scalars(select(TaskEvent).where(TaskEvent.task_id == task.id)
                                   .order_by(TaskEvent.at, TaskEvent.id)))


def create_task(actor: Actor, data: dict[str, Any]) -> Task:
    """A supervisor's task: complaint, monitoring or remote-sensing lead, re-inspection,
    off-site review; due on a date or in working days."""
    enterprise = registry.get_enterprise(actor, data["enterprise_id"])
    authorize(actor, "task.create", enterprise.district)
    today = clock.today_shanghai()
    if data.get("due_date") is not None:
        if data["due_date"] < today:
            raise refused(ValidationFailed, said("task.due_passed"),
                          {"due_date": said("task_field.due_date")})
        due, tentative = data["due_date"], False
    else:
        days = data.get("due_in_working_days") or current_app.config["TASK_DUE_WORKING_DAYS"]
        due = add_working_days(today, days)
        tentative = provisional(today, due)
    with unit_of_work() as session:
        if data.get("source_ref") and session.scalar(
                select(Task.id).where(Task.source_ref == data["source_ref"])):
            raise refused(Conflict, said("task.source_used"),
                          {"source_ref": said("task_field.source_ref")})
        task = new_task(actor, kind=data["kind"], enterprise_id=enterprise.id,
                        district=enterprise.district, due=due, priority=data["priority"],
                        note=data.get("note", ""), source_ref=data.get("source_ref"),
                        due_provisional=tentative)
        inspectors = data.get("inspectors") or []
        if inspectors:
            if problems := check_inspectors(actor, task, inspectors, _users()):
                raise refused(ValidationFailed, said("task.inspectors"),
                              {"inspectors": problems})
            session.add_all(TaskAssignee(task_id=task.id, user_id=u) for u in inspectors)
            task.status = "assigned"
            _event(task, actor, "assigned", before=[], after=[str(u) for u in inspectors],
                   reason="")
        audit.record(actor, "task.create", "task", task.id,
                     {"kind": task.kind, "enterprise_id": str(enterprise.id),
                      "due_date": due.isoformat(), "inspectors": [str(u) for u in inspectors]})
    return task


def describe(tasks: Sequence[Task]) -> list[dict[str, Any]]:
    """Tasks as JSON-ready dicts with assignees, lateness and escalation."""
    team = assignees(t.id for t in tasks)
    users = _users() if tasks else {}
    today = clock.today_shanghai()
    out = []
    for task in tasks:
        data = {c.name: getattr(task, c.name) for c in Task.__table__.columns}
        data["assignees"] = [{"id": u, "username": users[u].username,
                              "display_name": users[u].display_name}
                             for u in team.get(task.id, []) if u in users]
        data["overdue"] = task.status in lifecycle.OPEN and task.due_date < today
        data["escalation"] = lifecycle.ESCALATION_LEVELS[task.escalation_level]
        data["confidential"] = lifecycle.confidential(task.kind, task.draw_id is not None,
                                                      task.status)
        out.append(data)
    return out
