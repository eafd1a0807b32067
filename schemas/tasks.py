"""Tasks: creating, listing, assigning and moving them, their history, summary and workload."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from schemas.common import Day, Moment, PageQuerySchema, PageSchema

TASK_KINDS = ("random_check", "complaint", "monitoring", "remote_sensing", "reinspection",
              "offsite_review")
MANUAL_TASK_KINDS = TASK_KINDS[1:]
TASK_STATUSES = ("planned", "assigned", "in_progress", "submitted", "reviewed", "closed",
                 "cancelled")
TRANSITION_TARGETS = ("in_progress", "submitted", "reviewed", "closed", "cancelled")
PRIORITIES = ("low", "normal", "high", "urgent")


class AssigneeSchema(Schema):
    """An assigned inspector."""

    id = fields.UUID()
    username = fields.String()
    display_name = fields.String()


class TaskCreateSchema(Schema):
    """Body of POST /tasks (random checks come only from draws)."""

    kind = fields.String(required=True, validate=validate.OneOf(MANUAL_TASK_KINDS))
    enterprise_id = fields.UUID(required=True)
    priority = fields.String(load_default="normal", validate=validate.OneOf(PRIORITIES))
    due_date = Day(load_default=None, allow_none=True)
    due_in_working_days = fields.Integer(load_default=None, allow_none=True,
                                         validate=validate.Range(min=1, max=250))
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    source_ref = fields.String(load_default=None, allow_none=True,
                               validate=validate.Length(min=1, max=120),
                               metadata={"description": "e.g. complaint number; unique"})
    inspectors = fields.List(fields.UUID(), load_default=list, validate=validate.Length(max=10))

    @validates_schema
    def _one_due(self, data: dict, **_: object) -> None:
        if data.get("due_date") and data.get("due_in_working_days"):
            raise ValidationError("give due_date or due_in_working_days, not both", "due_date")


class TaskSchema(Schema):
    """A task as returned."""

    id = fields.UUID()
    kind = fields.String()
    status = fields.String()
    priority = fields.String()
    enterprise_id = fields.UUID()
    district = fields.String()
    plan_id = fields.UUID(allow_none=True)
    draw_id = fields.UUID(allow_none=True)
    note = fields.String()
    source_ref = fields.String(allow_none=True)
    due_date = Day()
    due_provisional = fields.Boolean(metadata={
        "description": "counted through a year whose holiday table is not known yet"})
    positive_list = fields.Boolean(metadata={
        "description": "the unit was on the positive list (正面清单) when drawn"})
    overdue = fields.Boolean()
    escalation = fields.String()
    escalated_at = Moment(allow_none=True)
    confidential = fields.Boolean()
    cancel_reason = fields.String(allow_none=True)
    started_at = Moment(allow_none=True)
    assignees = fields.List(fields.Nested(AssigneeSchema))
    version = fields.Integer()
    created_at = Moment()
    updated_at = Moment()


class TaskListQuerySchema(PageQuerySchema):
    """Filters of GET /tasks."""

    kind = fields.String(validate=validate.OneOf(TASK_KINDS))
    status = fields.String(validate=validate.OneOf(TASK_STATUSES))
    assignee = fields.UUID()
    enterprise_id = fields.UUID()
    plan_id = fields.UUID()
    overdue = fields.Boolean()


class TaskPageSchema(PageSchema):
    """A page of tasks."""

    items = fields.List(fields.Nested(TaskSchema))


class AssignSchema(Schema):
    """Body of PUT /tasks/<id>/assignees."""

    inspectors = fields.List(fields.UUID(), required=True,
                             validate=validate.Length(min=1, max=10))
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class BulkItemSchema(Schema):
    """One task of a bulk assignment."""

    task_id = fields.UUID(required=True)
    inspectors = fields.List(fields.UUID(), required=True,
                             validate=validate.Length(min=1, max=10))
    version = fields.Integer(load_default=None, allow_none=True,
                             validate=validate.Range(min=1))


class BulkAssignSchema(Schema):
    """Body of POST /tasks/assignments: all or nothing."""

    items = fields.List(fields.Nested(BulkItemSchema), required=True,
                        validate=validate.Length(min=1, max=500))
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class TransitionSchema(Schema):
    """Body of POST /tasks/<id>/transitions."""

    to = fields.String(required=True, validate=validate.OneOf(TRANSITION_TARGETS))
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    reason = fields.String(load_default="", validate=validate.Length(max=1000))


class TaskEventSchema(Schema):
    """One entry of a task's history."""

    at = Moment()
    actor_id = fields.UUID(allow_none=True)
    event = fields.String()
    details = fields.Dict()


class CountSchema(Schema):
    """Tasks of one kind in one status."""

    kind = fields.String()
    status = fields.String()
    count = fields.Integer()


class TaskSummarySchema(Schema):
    """GET /tasks/summary."""

    by_kind_status = fields.List(fields.Nested(CountSchema))
    overdue = fields.Integer()
    escalated = fields.Integer()


class WorkloadSchema(Schema):
    """Open tasks of one inspector."""

    inspector_id = fields.UUID()
    username = fields.String()
    display_name = fields.String()
    district = fields.String()
    open = fields.Integer()
    planned = fields.Integer()
    assigned = fields.Integer()
    in_progress = fields.Integer()
    overdue = fields.Integer()
    certificate_expires = Day(allow_none=True)
