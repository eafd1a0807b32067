"""Plans, random draws, tasks with their assignment history, and recusals."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from server.clock import utcnow
from server.db_types import JSONType, NullableJSONType, UTCDateTime
from server.extensions import db


class Plan(db.Model):
    """A random-inspection plan: population filters, sample rule, officers, period, schedule."""

    __tablename__ = "plans"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    district: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    population: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    sample: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    inspectors_per_task: Mapped[int] = mapped_column(Integer, nullable=False, default=2)
    cross_district: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    due_working_days: Mapped[int] = mapped_column(Integer, nullable=False, default=20)
    # Inspectors with more open tasks than this are left out of the draw's pool (None: no cap).
    max_open_tasks: Mapped[int | None] = mapped_column(Integer)
    schedule: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class Draw(db.Model):
    """One draw of a plan: the frozen snapshot, the seed and the selection."""

    __tablename__ = "draws"
    __table_args__ = (
        # A scheduled fire time draws once, however many runners see it.
        UniqueConstraint("plan_id", "scheduled_for", name="uq_draws_plan_scheduled_for"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plans.id"), nullable=False,
                                               index=True)
    district: Mapped[str] = mapped_column(String(6), nullable=False)
    seed: Mapped[str] = mapped_column(String(128), nullable=False)
    algorithm: Mapped[str] = mapped_column(String(40), nullable=False)
    population_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    selected: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False)
    planned_date: Mapped[date] = mapped_column(Date, nullable=False)
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Why it was drawn while earlier draws of the plan had units not visited, and which.
    reason: Mapped[str | None] = mapped_column(Text)
    supersedes: Mapped[list[str] | None] = mapped_column(NullableJSONType)
    drawn_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class Task(db.Model):
    """Work for inspectors at one enterprise, with status, priority and a due date."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_district_status", "district", "status"),
        Index("ix_tasks_status_due", "status", "due_date"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="planned")
    priority: Mapped[str] = mapped_column(String(10), nullable=False, default="normal")
    enterprise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enterprises.id"),
                                                     nullable=False, index=True)
    district: Mapped[str] = mapped_column(String(6), nullable=False)
    plan_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("plans.id"))
    draw_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("draws.id"), index=True)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Idempotency key of tasks made from another record (e.g. a correction deadline).
    source_ref: Mapped[str | None] = mapped_column(String(120), unique=True)
    due_date: Mapped[date] = mapped_column(Date, nullable=False)
    due_provisional: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # The unit was on the positive list (正面清单) when the draw made the task (LAW.md §7).
    positive_list: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    escalation_level: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class TaskAssignee(db.Model):
    """An inspector currently assigned to a task."""

    __tablename__ = "task_assignees"

    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tasks.id"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True,
                                               index=True)


class TaskEvent(db.Model):
    """History of a task: creation, (re)assignment, status changes, escalation."""

    __tablename__ = "task_events"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tasks.id"), nullable=False,
                                               index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    event: Mapped[str] = mapped_column(String(20), nullable=False)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)


class Recusal(db.Model):
    """A declared conflict: this inspector is never sent to this enterprise."""

    __tablename__ = "recusals"
    __table_args__ = (UniqueConstraint("user_id", "enterprise_id",
                                       name="uq_recusals_user_enterprise"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    enterprise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enterprises.id"),
                                                     nullable=False, index=True)
    district: Mapped[str] = mapped_column(String(6), nullable=False)
    reason: Mapped[str] = mapped_column(String(20), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    declared_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
