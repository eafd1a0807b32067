"""Every scheduled job, declared in one list with fixed ids; each run is recorded.

Targets are dotted paths resolved when the job runs, so a job may name a context that is
built later: until then its runs are recorded as `unavailable`. Every target is idempotent
(run twice, it creates nothing twice); `server.scheduler` decides which process runs them.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, Text, Uuid, select
from sqlalchemy.orm import Mapped, mapped_column

from server import clock
from server.db_types import JSONType, UTCDateTime
from server.extensions import db
from server.uow import unit_of_work

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobSpec:
    """A scheduled job: fixed id, dotted target, APScheduler trigger arguments."""

    id: str
    target: str
    trigger: Mapping[str, Any]
    description: str
    takes_now: bool = True
    requires: tuple[str, ...] = field(default=())


JOBS: tuple[JobSpec, ...] = (
    JobSpec("planning.scheduled_draws", "server.planning.service.run_scheduled_draws",
            {"trigger": "cron", "minute": "*"},
            "Draw every plan whose cron schedule has come, once per fire time."),
    JobSpec("planning.escalate_overdue", "server.planning.deadlines.escalate_overdue_tasks",
            {"trigger": "cron", "minute": "*/15"},
            "Escalate open tasks overdue by the configured working days."),
    JobSpec("planning.reinspections", "server.planning.deadlines.create_due_reinspections",
            {"trigger": "cron", "minute": "5"},
            "Create a re-inspection task when a correction deadline has passed.",
            requires=("server.fieldwork.violations.corrections_due",)),
    JobSpec("evidence.purge_expired_uploads", "server.evidence.uploads.purge_expired_uploads",
            {"trigger": "cron", "minute": "20"},
            "Delete partial uploads whose expiry has passed."),
    JobSpec("evidence.derive_pending", "server.evidence.derived.derive_pending",
            {"trigger": "cron", "minute": "*"},
            "Make the thumbnails and previews uploads left pending (kept off the upload path).",
            takes_now=False),
    JobSpec("evidence.integrity_audit", "server.evidence.integrity.verify_evidence_integrity",
            {"trigger": "cron", "hour": "2", "minute": "30"},
            "Re-hash every evidence original against its recorded SHA-256.", takes_now=False),
    JobSpec("cases.archive_integrity", "server.cases.archive_check.verify_archived_copies",
            {"trigger": "cron", "hour": "2", "minute": "50"},
            "Re-hash every archived case's stored case file against its recorded SHA-256.",
            takes_now=False),
    JobSpec("cases.sweep_unfrozen_copies", "server.cases.archive_sweep.sweep_unfrozen_copies",
            {"trigger": "cron", "hour": "3", "minute": "10"},
            "Delete stored case-file copies no case names, older than ARCHIVE_COPY_GRACE_HOURS."),
    JobSpec("cases.run_exports", "server.cases.exports.run_pending_exports",
            {"trigger": "cron", "minute": "*"},
            "Build queued case-file exports; take over those whose runner vanished."),
    JobSpec("cases.expire_exports", "server.cases.exports.expire_exports",
            {"trigger": "cron", "minute": "40"},
            "Delete finished case-file ZIPs older than CASE_EXPORT_TTL_HOURS; mark them expired."),
    JobSpec("http.purge_idempotency_keys", "server.idempotency.purge_expired_keys",
            {"trigger": "cron", "minute": "40"},
            "Delete Idempotency-Key records whose retention has passed."),
    JobSpec("sync.expire_held", "server.sync.held.expire_held",
            {"trigger": "cron", "minute": "25"},
            "Reject sync mutations held longer than SYNC_HELD_EXPIRY_DAYS: their record never "
            "arrived."),
    JobSpec("audit.verify_chain", "server.audit.service.verify",
            {"trigger": "cron", "hour": "3", "minute": "30"},
            "Verify the audit hash chain end to end.", takes_now=False),
)
JOBS_BY_ID = {spec.id: spec for spec in JOBS}


class JobRun(db.Model):
    """One run of a job: who ran it, when, how it ended, what it counted."""

    __tablename__ = "job_runs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    job_id: Mapped[str] = mapped_column(String(60), nullable=False, index=True)
    runner: Mapped[str] = mapped_column(String(120), nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str] = mapped_column(String(20), nullable=False)
    counts: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    error: Mapped[str | None] = mapped_column(Text)


class SchedulerLease(db.Model):
    """The scheduler lock where advisory locks do not exist (SQLite): a renewed lease."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class TargetUnavailable(LookupError):
    """A job's target (or a function it reads from) is not importable yet."""


def resolve(dotted: str) -> Callable[..., Any]:
    """Import `package.module.function` lazily."""
    module_name, _, name = dotted.rpartition(".")
    try:
        target = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError) as error:
        raise TargetUnavailable(f"{dotted} is not available: {error}") from error
    if not callable(target):
        raise TargetUnavailable(f"{dotted} is not callable")
    return target


def _summarise(result: Any) -> tuple[str, dict[str, Any]]:
    """Outcome and counts from what a target returned; a result that is not `ok` alerts."""
    alert = getattr(result, "ok", None) is False
    if result is None:
        return "ok", {}
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        result = dataclasses.asdict(result)
    if isinstance(result, Mapping):
        counts = {str(k): v for k, v in result.items()}
        alert = alert or counts.get("ok") is False
    elif isinstance(result, int | float):
        counts = {"count": result}
    else:
        counts = {"result": str(result)[:500]}
    return ("alert" if alert else "ok"), json.loads(json.dumps(counts, default=str))


def run_job(spec: JobSpec, runner: str) -> JobRun:
    """Run one job now inside the app context and record the run."""
    with unit_of_work() as session:
        run = JobRun(job_id=spec.id, runner=runner[:120], started_at=clock.utcnow(),
                     outcome="running", counts={})
        session.add(run)
    error = None
    try:
        target = resolve(spec.target)
        result = target(run.started_at) if spec.takes_now else target()
        outcome, counts = _summarise(result)
    except TargetUnavailable as problem:
        db.session.rollback()
        outcome, counts, error = "unavailable", {}, str(problem)
    except Exception as problem:  # a failed run is recorded, never fatal to the scheduler
        db.session.rollback()
        log.exception("job %s failed", spec.id)
        outcome, counts, error = "failed", {}, f"{type(problem).__name__}: {problem}"[:2000]
    with unit_of_work() as session:
        run = session.get(JobRun, run.id)
        run.finished_at, run.outcome, run.counts, run.error = (clock.utcnow(), outcome,
                                                               counts, error)
    return run


def describe_trigger(spec: JobSpec) -> str:
    """The trigger as a short text, e.g. `cron minute=*/15`."""
    args = " ".join(f"{k}={v}" for k, v in spec.trigger.items() if k != "trigger")
    return f"{spec.trigger['trigger']} {args}".strip()


def recent_runs(job_id: str | None = None, limit: int = 50) -> list[JobRun]:
    """The latest runs, newest first."""
    query = select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id).limit(limit)
    if job_id:
        query = query.where(JobRun.job_id == job_id)
    return list(db.session.scalars(query))


HIDDEN_ERROR = ("This run failed; its error may name records of any district, so city-wide "
                "staff read it.")
_RUN_FIELDS = ("id", "job_id", "runner", "started_at", "finished_at", "outcome", "counts",
               "error")


def _counted(value: Any) -> Any:
    """Counts with every list (of records: digests, case numbers) as its length."""
    if isinstance(value, list):
        return len(value)
    if isinstance(value, Mapping):
        return {key: _counted(item) for key, item in value.items()}
    return value


def shown_run(run: JobRun | None, city_wide: bool) -> JobRun | dict[str, Any] | None:
    """A run as its reader sees it: whole by city-wide staff; by a district's, how many of
    each and no error text, since jobs run for the whole city and what they list (evidence
    digests, case numbers) may be another district's (SECURITY.md, threat 2)."""
    if run is None or city_wide:
        return run
    shown = {name: getattr(run, name) for name in _RUN_FIELDS}
    shown["counts"] = _counted(run.counts)
    if run.error:
        shown["error"] = HIDDEN_ERROR
    return shown


def last_runs() -> dict[str, JobRun]:
    """The latest run of every job that has run."""
    found: dict[str, JobRun] = {}
    for spec in JOBS:
        run = db.session.scalar(select(JobRun).where(JobRun.job_id == spec.id)
                                .order_by(JobRun.started_at.desc(), JobRun.id).limit(1))
        if run is not None:
            found[spec.id] = run
    return found
