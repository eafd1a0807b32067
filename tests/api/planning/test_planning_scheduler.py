"""Exactly one scheduler runner among several processes on one database, and failover.

Runs on PostgreSQL (advisory lock) and on SQLite (lease row) alike: each child is a real
process with its own connections, electing through the database only.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from server.extensions import db
from server.jobs import JobRun
from server.scheduler import LeaseLock

CHILD = Path(__file__).with_name("scheduler_child.py")
LEASE_SECONDS = 2


def _spawn(database_url: str, identity: str, seconds: float) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, str(CHILD), database_url, identity,
                                str(seconds), str(LEASE_SECONDS)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return process


def _wait_started(process: subprocess.Popen) -> None:
    line = process.stdout.readline()
    assert line.strip() == "started", process.stderr.read()


def _runs(app) -> list[JobRun]:
    with app.app_context():
        runs = list(db.session.scalars(select(JobRun).order_by(JobRun.started_at)))
        db.session.remove()
    return runs


def _wait_for_runs(app, count: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while len(_runs(app)) < count:
        assert time.monotonic() < deadline, "no job ran"
        time.sleep(0.2)


def _stop(children: list[subprocess.Popen]) -> None:
    for child in children:
        child.kill()
        child.wait(timeout=10)


def test_several_schedulers_on_one_database_run_each_job_in_one_process_only(
        app, database_url):
    children = [_spawn(database_url, f"runner-{n}", 120) for n in range(3)]
    try:
        for child in children:
            _wait_started(child)
        _wait_for_runs(app, 5)
        assert all(child.poll() is None for child in children)  # all three still running
    finally:
        _stop(children)
    runs = _runs(app)
    assert len({run.runner for run in runs}) == 1, [run.runner for run in runs]
    assert all(run.outcome == "ok" for run in runs if run.finished_at)
    for earlier, later in zip(runs, runs[1:], strict=False):
        assert later.started_at >= earlier.finished_at  # never two at once


def test_when_the_runner_dies_another_process_takes_over(app, database_url):
    first = _spawn(database_url, "doomed", 120)
    others: list[subprocess.Popen] = []
    try:
        _wait_started(first)
        _wait_for_runs(app, 2)
        others = [_spawn(database_url, f"heir-{n}", 120) for n in range(2)]
        for child in others:
            _wait_started(child)
        before = len(_runs(app))
        first.kill()  # no shutdown, no release: the process just dies
        first.wait(timeout=10)
        _wait_for_runs(app, before + 4)
    finally:
        _stop([first, *others])
    runners = [run.runner for run in _runs(app)]
    assert runners[0] == "doomed" and runners[-1].startswith("heir-")
    changes = sum(1 for a, b in zip(runners, runners[1:], strict=False) if a != b)
    assert changes == 1, runners  # one handover, no interleaving


def test_a_lease_is_held_by_one_holder_until_it_expires_or_is_released(app):
    with app.app_context():
        engine = db.engine
        first, second = LeaseLock(engine, "a", 60), LeaseLock(engine, "b", 60)
        assert first.holds() and not second.holds() and first.holds()
        first.release()
        assert second.holds() and not first.holds()
        short = LeaseLock(engine, "c", -1)  # a lease that is already over when taken
        second.release()
        assert short.holds() and second.holds()
