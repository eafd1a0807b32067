"""HTTP: tasks — list, create, assign (single and bulk), lifecycle, history, views."""

from __future__ import annotations

import uuid

from schemas.tasks import (
    AssignSchema,
    BulkAssignSchema,
    TaskCreateSchema,
    TaskEventSchema,
    TaskListQuerySchema,
    TaskPageSchema,
    TaskSchema,
    TaskSummarySchema,
    TransitionSchema,
    WorkloadSchema,
)
from server.apidoc import ApiBlueprint
from server.planning import stats, tasks

blp = ApiBlueprint("tasks", __name__, url_prefix="/api/v1",
                   description="Inspection tasks: assignment, lifecycle, deadlines")


def _one(task) -> dict:
    return tasks.describe([task])[0]


@blp.route("/tasks", methods=["GET"])
@blp.list_arguments(TaskListQuerySchema)
@blp.response(200, TaskPageSchema)
@blp.secured
def list_tasks(actor, query: dict):
    """Tasks you may see (filters: kind, status, assignee, enterprise, plan, overdue)."""
    filters = tasks.TaskFilter(**{k: query.get(k) for k in (
        "kind", "status", "assignee", "enterprise_id", "plan_id", "overdue")})
    items, total = tasks.list_tasks(actor, filters, query["page"], query["per_page"])
    return {"items": tasks.describe(items), "total": total, "page": query["page"],
            "per_page": query["per_page"]}


@blp.route("/tasks", methods=["POST"])
@blp.arguments(TaskCreateSchema)
@blp.response(201, TaskSchema)
@blp.problem(404, "Unknown enterprise")
@blp.problem(409, "source_ref already used")
@blp.problem(422, "Invalid fields or inspectors")
@blp.secured
def create_task(actor, body: dict):
    """Create a task (complaint, monitoring, remote sensing, re-inspection, off-site)."""
    return _one(tasks.create_task(actor, body))


@blp.route("/tasks/<uuid:task_id>", methods=["GET"])
@blp.response(200, TaskSchema)
@blp.problem(404, "Unknown, outside your scope, or confidential")
@blp.secured
def get_task(actor, task_id: uuid.UUID):
    """One task."""
    return _one(tasks.get_task(actor, task_id))


@blp.route("/tasks/<uuid:task_id>/assignees", methods=["PUT"])
@blp.arguments(AssignSchema)
@blp.response(200, TaskSchema)
@blp.problem(404, "Unknown or outside your scope")
@blp.problem(409, "Stale version, or the task is past assignment")
@blp.problem(422, "Inspectors who cannot be sent")
@blp.secured
def assign(actor, body: dict, task_id: uuid.UUID):
    """Assign or reassign the inspectors of a task (history is kept)."""
    return _one(tasks.assign(actor, task_id, body["inspectors"], body["version"],
                             body["reason"]))


@blp.route("/tasks/assignments", methods=["POST"])
@blp.arguments(BulkAssignSchema)
@blp.response(200, TaskSchema(many=True))
@blp.problem(422, "Some items refused; nothing assigned")
@blp.secured
def assign_bulk(actor, body: dict):
    """Assign many tasks at once: all or nothing."""
    return tasks.describe(tasks.assign_bulk(actor, body["items"], body["reason"]))


@blp.route("/tasks/<uuid:task_id>/transitions", methods=["POST"])
@blp.arguments(TransitionSchema)
@blp.response(200, TaskSchema)
@blp.problem(404, "Unknown, outside your scope, or not yours")
@blp.problem(409, "Not allowed from the current status, stale version, or invalid team")
@blp.problem(422, "Cancelling needs a reason")
@blp.secured
def move(actor, body: dict, task_id: uuid.UUID):
    """Start, submit, review, close or cancel a task."""
    return _one(tasks.transition(actor, task_id, body["to"], body["version"], body["reason"]))


@blp.route("/tasks/<uuid:task_id>/history", methods=["GET"])
@blp.response(200, TaskEventSchema(many=True))
@blp.problem(404, "Unknown, outside your scope, or confidential")
@blp.secured
def history(actor, task_id: uuid.UUID):
    """Creation, assignments, status changes and escalations of a task."""
    return tasks.history(actor, task_id)


@blp.route("/tasks/summary", methods=["GET"])
@blp.response(200, TaskSummarySchema)
@blp.secured
def summary(actor):
    """Tasks in your scope by kind and status; overdue and escalated counts."""
    return stats.summary(actor)


@blp.route("/tasks/workload", methods=["GET"])
@blp.response(200, WorkloadSchema(many=True))
@blp.secured
def workload(actor):
    """Open tasks per inspector in your scope."""
    return stats.workload(actor)
