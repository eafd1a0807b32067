"""HTTP and CLI for the scheduled jobs: GET /api/v1/jobs; `flask jobs list|run|scheduler`."""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading

import click
from flask import current_app

from schemas.jobs import JobsQuerySchema, JobsSchema
from server import jobs
from server.apidoc import ApiBlueprint
from server.auth.policy import authorize

blp = ApiBlueprint("jobs", __name__, url_prefix="/api/v1", cli_group="jobs",
                   description="Scheduled jobs and the record of their runs")


@blp.route("/jobs", methods=["GET"])
@blp.arguments(JobsQuerySchema, location="query")
@blp.response(200, JobsSchema)
@blp.secured
def list_jobs(actor, query: dict):
    """Every declared job with its latest run, and the most recent runs (a district's staff
    read how many records a run listed, not which, and no error text)."""
    authorize(actor, "job.read")
    last = jobs.last_runs()
    city = actor.city_wide
    return {"jobs": [{"id": spec.id, "description": spec.description, "target": spec.target,
                      "trigger": jobs.describe_trigger(spec),
                      "last_run": jobs.shown_run(last.get(spec.id), city)}
                     for spec in jobs.JOBS],
            "runs": [jobs.shown_run(run, city)
                     for run in jobs.recent_runs(query.get("job_id"), query["limit"])]}


@blp.cli.command("list")
def list_command() -> None:
    """List the declared jobs and how their last run ended."""
    last = jobs.last_runs()
    for spec in jobs.JOBS:
        run = last.get(spec.id)
        state = f"{run.outcome} at {run.started_at:%Y-%m-%d %H:%M}Z" if run else "never run"
        click.echo(f"{spec.id:<32} {jobs.describe_trigger(spec):<28} {state}")


@blp.cli.command("run")
@click.argument("job_id", type=click.Choice(sorted(jobs.JOBS_BY_ID)))
def run_command(job_id: str) -> None:
    """Run one job now, in this process (recorded like a scheduled run)."""
    run = jobs.run_job(jobs.JOBS_BY_ID[job_id], f"cli:{socket.gethostname()}:{os.getpid()}")
    click.echo(f"{job_id}: {run.outcome} {run.counts}" + (f" — {run.error}" if run.error else ""))
    if run.outcome in ("failed", "unavailable", "alert"):
        sys.exit(1)


@blp.cli.command("scheduler")
def scheduler_command() -> None:
    """Run a scheduler runner in the foreground until interrupted (one of many is elected)."""
    from server.scheduler import SchedulerRunner

    runner = SchedulerRunner(current_app._get_current_object())
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    runner.start()
    click.echo(f"scheduler runner {runner.identity} started; Ctrl-C to stop")
    stop.wait()
    runner.shutdown()
