"""The one scheduler runner, elected by a database lock among every process that starts one.

Every gunicorn worker (on every host) may start a runner; each job firing first asks the lock
and only its holder runs the job. PostgreSQL: a session-level advisory lock held on a
dedicated connection (released by the server if the process dies). Elsewhere (SQLite): a
lease row renewed by its holder and taken over once it expires. Nothing here starts by
itself: `gunicorn.conf.py` starts a runner per worker, `flask jobs scheduler` runs one in the
foreground; tests and other CLI commands never start one.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any, Protocol

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from sqlalchemy import Engine, create_engine, or_, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.pool import NullPool

from server import clock
from server.extensions import db
from server.jobs import JOBS, JobSpec, SchedulerLease, run_job

log = logging.getLogger(__name__)
LEASE_NAME = "scheduler"


class Lock(Protocol):
    """Who may run jobs now."""

    def holds(self) -> bool:
        """Take or keep the lock; True while this process holds it."""

    def release(self) -> None:
        """Give the lock up."""


class AdvisoryLock:
    """PostgreSQL session advisory lock on a connection of its own."""

    def __init__(self, url: str, key: int):
        self._engine = create_engine(url, poolclass=NullPool)
        self._key = key
        self._conn = None
        self._mutex = threading.Lock()

    def holds(self) -> bool:
        """Keep the lock while our connection lives; otherwise try to take it."""
        with self._mutex:
            if self._conn is not None:
                try:
                    self._conn.exec_driver_sql("SELECT 1")
                    self._conn.commit()
                    return True
                except DBAPIError:
                    self._close()
            conn = self._engine.connect()
            got = conn.execute(text("SELECT pg_try_advisory_lock(:key)"),
                               {"key": self._key}).scalar()
            conn.commit()
            if got:
                self._conn = conn
                return True
            conn.close()
            return False

    def _close(self) -> None:
        try:
            self._conn.close()
        except DBAPIError:
            pass
        self._conn = None

    def release(self) -> None:
        """Unlock and close (the server would also unlock when the connection drops)."""
        with self._mutex:
            if self._conn is None:
                return
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
                self._conn.commit()
            except DBAPIError:
                pass
            self._close()


class LeaseLock:
    """A lease row: the holder renews it; anyone may take it once it has expired."""

    def __init__(self, engine: Engine, identity: str, seconds: int):
        self._engine = engine
        self._identity = identity
        self._seconds = seconds
        self._table = SchedulerLease.__table__

    def holds(self) -> bool:
        """Renew our lease, or take an expired (or missing) one."""
        now = clock.utcnow()
        table = self._table
        try:
            with self._engine.begin() as conn:
                taken = conn.execute(update(table).where(
                    table.c.name == LEASE_NAME,
                    or_(table.c.holder == self._identity, table.c.expires_at < now))
                    .values(holder=self._identity,
                            expires_at=now + timedelta(seconds=self._seconds))).rowcount
                if taken:
                    return True
                if conn.execute(select(table.c.name).where(table.c.name == LEASE_NAME)).first():
                    return False
                conn.execute(table.insert().values(
                    name=LEASE_NAME, holder=self._identity,
                    expires_at=now + timedelta(seconds=self._seconds)))
                return True
        except IntegrityError:
            return False

    def release(self) -> None:
        """Expire our lease now so that another runner takes over at once."""
        with self._engine.begin() as conn:
            conn.execute(update(self._table).where(
                self._table.c.name == LEASE_NAME, self._table.c.holder == self._identity)
                .values(expires_at=clock.utcnow() - timedelta(seconds=1)))


def runner_identity() -> str:
    """host:pid:random — unique per runner, readable in the job-run log."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def make_lock(app: Flask, identity: str) -> Lock:
    """The lock that suits the app's database."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            return AdvisoryLock(engine.url.render_as_string(hide_password=False),
                                app.config["SCHEDULER_LOCK_KEY"])
        return LeaseLock(engine, identity, app.config["SCHEDULER_LEASE_SECONDS"])


class SchedulerRunner:
    """APScheduler with every declared job; a firing runs only in the lock holder."""

    def __init__(self, app: Flask, jobs: Iterable[JobSpec] = JOBS, identity: str | None = None,
                 trigger_override: Mapping[str, Any] | None = None):
        self.app = app
        self.identity = identity or runner_identity()
        self.jobs = tuple(jobs)
        self.lock = make_lock(app, self.identity)
        self._override = dict(trigger_override) if trigger_override else None
        self.scheduler = BackgroundScheduler(timezone=clock.SHANGHAI)

    def start(self) -> None:
        """Schedule the jobs and a heartbeat that keeps (or takes over) the lock."""
        lease = self.app.config["SCHEDULER_LEASE_SECONDS"]
        self.scheduler.add_job(self._heartbeat, "interval", seconds=max(1, lease // 3),
                               id="scheduler.heartbeat", max_instances=1, coalesce=True)
        for spec in self.jobs:
            trigger = dict(self._override or spec.trigger)
            kind = trigger.pop("trigger")
            self.scheduler.add_job(self.fire, kind, args=[spec], id=spec.id, max_instances=1,
                                   coalesce=True, misfire_grace_time=300, **trigger)
        # APScheduler logs every firing at INFO in every worker; only problems matter here.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        self.scheduler.start()
        log.info("scheduler runner %s started with %d jobs", self.identity, len(self.jobs))

    def _heartbeat(self) -> None:
        with self.app.app_context():
            try:
                self.lock.holds()
            except Exception:  # the database may be down for a while; try again next beat
                log.exception("scheduler heartbeat failed")

    def fire(self, spec: JobSpec) -> bool:
        """Run the job if this runner holds the lock; True when it ran."""
        with self.app.app_context():
            try:
                if not self.lock.holds():
                    return False
                run_job(spec, self.identity)
                return True
            finally:
                db.session.remove()

    def shutdown(self) -> None:
        """Stop scheduling and hand the lock over."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        with self.app.app_context():
            self.lock.release()
