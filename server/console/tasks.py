"""The task board: tasks by status, assign and reassign (single and bulk), workload, overdue."""

from __future__ import annotations

import uuid
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from marshmallow import ValidationError

from schemas.tasks import AssignSchema, BulkAssignSchema, TransitionSchema
from server.auth.policy import Actor, allowed
from server.console import bulk_refusal, task_history
from server.console.field_labels import label
from server.console.refusal import refusal
from server.console.web import bp, load, page, submit
from server.errors import DomainError, NotFound
from server.planning import lifecycle, stats, tasks
from server.registry import service as registry

BOARD = ("planned", "assigned", "in_progress", "submitted", "reviewed")
PER_COLUMN = 200


def _names(actor: Actor, items: list[dict[str, Any]]) -> dict[str, str]:
    """Enterprise names of the tasks (those outside the scope stay unnamed)."""
    names: dict[str, str] = {}
    for item in items:
        key = str(item["enterprise_id"])
        if key not in names:
            try:
                names[key] = registry.get_enterprise(actor, item["enterprise_id"]).name
            except NotFound:
                names[key] = "—"
    return names


def _board(actor: Actor, kept: dict[str, Any] | None = None,
           refused: dict[str, Any] | None = None, status: int = 200):
    """The board page; after a refused bulk assignment, with what was chosen and why not."""
    columns = {}
    for state in BOARD:
        items, total = tasks.list_tasks(actor, tasks.TaskFilter(status=state), 1, PER_COLUMN)
        columns[state] = {"items": tasks.describe(items), "total": total}
    overdue, _ = tasks.list_tasks(actor, tasks.TaskFilter(overdue=True), 1, PER_COLUMN)
    overdue_items = tasks.describe(overdue)
    names = _names(actor, [t for c in columns.values() for t in c["items"]] + overdue_items)
    return render_template("console/tasks.html", columns=columns, overdue=overdue_items,
                           names=names, workload=stats.workload(actor),
                           summary=stats.summary(actor), refused=refused,
                           kept=kept or {"tasks": [], "inspectors": [], "reason": ""}), status


@bp.route("/tasks", methods=["GET"])
@page("task.assign")
def task_board(actor: Actor):
    """The board by status, with the workload per inspector and the overdue list."""
    return _board(actor)


@bp.route("/tasks/assignments", methods=["POST"])
@page("task.assign")
def assign_bulk(actor: Actor):
    """Assign the ticked tasks to the chosen inspectors: all of them or none; a refusal
    shows the board again with the choice kept and each refused task named."""
    inspectors = request.form.getlist("inspectors")
    ticked = [value.partition(":") for value in request.form.getlist("task")]
    items = [{"task_id": task_id, "version": version or None, "inspectors": inspectors}
             for task_id, _, version in ticked]
    reason = request.form.get("reason", "")

    def save():
        body = BulkAssignSchema().load({"items": items, "reason": reason})
        done = tasks.assign_bulk(actor, body["items"], body["reason"])
        flash(gettext("%(n)s task(s) assigned.", n=len(done)))
        return redirect(url_for("console.task_board"), 303)

    def again(error: DomainError | ValidationError):
        kept = {"tasks": [task_id for task_id, _, _ in ticked], "inspectors": inspectors,
                "reason": reason}
        return _board(actor, kept, bulk_refusal.describe(actor, error, items),
                      refusal(error)[0])

    return submit(save, again)


def supervised_steps(role: str, status: str) -> list[str]:
    """The statuses a supervisor's page may move a task to (review, close, cancel); the
    officers start and submit it themselves on their tablets."""
    return [target for target, (sources, action) in lifecycle.TRANSITIONS.items()
            if action != "task.work" and status in sources and allowed(role, action)]


def _task_page(actor: Actor, task_id: uuid.UUID, form: str | None = None,
               refused: DomainError | ValidationError | None = None):
    """One task's page; after a refused `form` ("team" or "status"), that form as it was sent
    with the reasons above it."""
    item = tasks.describe([tasks.get_task(actor, task_id)])[0]
    status, detail, errors = refusal(refused) if refused else (200, None, {})
    kept = {"form": form, "inspectors": request.form.getlist("inspectors"),
            "to": request.form.get("to", ""), "reason": request.form.get("reason", "")} \
        if form else {"form": None}
    return render_template("console/task.html", task=item, names=_names(actor, [item]),
                           workload=stats.workload(actor),
                           history=task_history.describe(tasks.history(actor, task_id)),
                           assignable=item["status"] in tasks.ASSIGNABLE,
                           steps=supervised_steps(actor.role, item["status"]),
                           kept=kept, refused=detail,
                           errors={label(k): v for k, v in errors.items()}), status


@bp.route("/tasks/<uuid:task_id>", methods=["GET"])
@page("task.assign")
def task(actor: Actor, task_id: uuid.UUID):
    """One task: its team, the reassignment form and its history."""
    return _task_page(actor, task_id)


@bp.route("/tasks/<uuid:task_id>/assignees", methods=["POST"])
@page("task.assign")
def reassign(actor: Actor, task_id: uuid.UUID):
    """Assign or reassign the inspectors of one task; a refusal shows the page again with
    the inspectors chosen and the reason typed."""
    def save():
        body = load(AssignSchema(), request.form, lists=("inspectors",))
        tasks.assign(actor, task_id, body["inspectors"], body["version"], body["reason"])
        flash(gettext("The task was assigned."))
        return redirect(url_for("console.task", task_id=task_id), 303)

    return submit(save, lambda error: _task_page(actor, task_id, "team", error))


@bp.route("/tasks/<uuid:task_id>/transitions", methods=["POST"])
@page("task.assign")
def move_task(actor: Actor, task_id: uuid.UUID):
    """Review, close or cancel one task (a cancellation says why) through the service; a
    refusal shows the page again with the step chosen and the reason typed."""
    def save():
        body = load(TransitionSchema(), request.form)
        tasks.transition(actor, task_id, body["to"], body["version"], body["reason"])
        flash(gettext("The task is now: %(status)s.", status=gettext(body["to"])))
        return redirect(url_for("console.task", task_id=task_id), 303)

    return submit(save, lambda error: _task_page(actor, task_id, "status", error))
