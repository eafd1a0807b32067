"""A fleet of simulated tablets (the offline_sync engine, one thread and one store each) syncing
against a live server for a bounded time; the load benchmark and the PostgreSQL load test use it.

Each tablet is an inspector of one district who, round after round, records a batch of offline
edits (new inspection records, and corrections of their own earlier ones), pushes it and pulls.
The model of what they intended is kept on the side: which records each tablet created and the
last findings it wrote on each; `verify` compares it with the server's tables.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from offline_sync import Tablet
from offline_sync.http import Api, RetryPolicy

DISTRICT = "310115"
DRAIN_SECONDS = 120  # after the run, how long a tablet keeps sending what is still queued


@dataclass(frozen=True)
class Account:
    """One tablet's inspector and who they inspect with."""

    username: str
    password: str
    device_id: str
    user_id: str
    partner_id: str


@dataclass
class Samples:
    """Latencies (ms) of every push and pull request, from all tablets."""

    push: list[float] = field(default_factory=list)
    pull: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, started: float) -> None:
        """Record one request that started at `started` (perf_counter)."""
        with self.lock:
            getattr(self, kind).append((time.perf_counter() - started) * 1000)


class TimedApi:
    """The tablet's Api with every push and pull timed."""

    def __init__(self, api: Api, samples: Samples):
        self.api, self.samples = api, samples

    def pull(self, cursor: str, limit: int) -> dict[str, Any]:
        """Timed pull."""
        started = time.perf_counter()
        try:
            return self.api.pull(cursor, limit)
        finally:
            self.samples.add("pull", started)

    def push(self, device_id: str, mutations: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Timed push."""
        started = time.perf_counter()
        try:
            return self.api.push(device_id, mutations)
        finally:
            self.samples.add("push", started)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.api, name)


@dataclass
class TabletReport:
    """What one tablet intended and what it was told."""

    created: set[str] = field(default_factory=set)
    findings: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    outbox_left: int = 0
    error: str | None = None


def prepare(tablets: int, per_district: int = 5) -> list[Account]:
    """In the current app context: the demo register and one inspector per tablet."""
    from server.auth import service as users
    from server.demo.seed import seed

    seed(per_district=per_district)
    expires = date.today() + timedelta(days=365)
    made = []
    for number in range(tablets):
        password = f"load-{uuid.uuid4().hex}"
        user = users.create_user(f"load{number:03d}", "inspector", DISTRICT, password,
                                 certificate_no=f"沪环执LOAD{number:04d}",
                                 certificate_expires=expires)
        made.append((user, password))
    return [Account(user.username, password, f"load-tablet-{n:03d}", str(user.id),
                    str(made[n ^ 1 if n ^ 1 < tablets else 0][0].id))
            for n, (user, password) in enumerate(made)]


def enterprise_ids(tablet: Tablet) -> list[str]:
    """The enterprises this tablet pulled."""
    return [row["id"] for row in tablet.store.records("enterprise")]


def drive(account: Account, base_url: str, home: Path, until: float, batch: int,
          samples: Samples, seed: int, think: tuple[float, float] = (0.0, 0.0)
          ) -> TabletReport:
    """One tablet's working day, compressed: record a batch offline, push, pull, stay offline
    for a `think` interval (uniform, seconds; also before the first batch, so that paced
    tablets do not start together), until `until`; then drain the outbox."""
    rng, report = random.Random(seed), TabletReport()
    policy = RetryPolicy()
    api = Api(base_url, policy=policy)
    tablet: Tablet | None = None
    try:
        api.login(account.username, account.password, account.device_id)
        tablet = Tablet(home, server=TimedApi(api, samples), policy=policy)
        tablet.store.set(device_id=account.device_id)
        tablet.pull()
        places = enterprise_ids(tablet)
        team = [account.user_id, account.partner_id]
        if think[1] > 0:  # tablets out in the field do not all sync at one moment
            time.sleep(min(rng.uniform(*think), max(0.0, until - time.monotonic())))
        while time.monotonic() < until:
            for _ in range(batch):
                if report.created and rng.random() < 0.3:
                    record_id = rng.choice(sorted(report.created))
                    text = f"复查记录 {uuid.uuid4().hex[:8]}"
                    tablet.record("inspection", "update", record_id, {"findings": text})
                else:
                    record_id = str(uuid.uuid4())
                    text = f"现场检查 {uuid.uuid4().hex[:8]}"
                    tablet.record("inspection", "create", record_id, {
                        "enterprise_id": rng.choice(places), "inspector_ids": team,
                        "started_at": datetime.now(UTC).isoformat(), "findings": text})
                    report.created.add(record_id)
                report.findings[record_id] = text
            _settle(tablet.push(batch_size=batch), report)
            tablet.pull()
            time.sleep(max(0.0, min(rng.uniform(*think), until - time.monotonic())))
        drained_by = time.monotonic() + DRAIN_SECONDS  # a loaded machine answers slowly
        while tablet.store.queued() and time.monotonic() < drained_by:
            _settle(tablet.push(batch_size=batch), report)  # held or unanswered ones
            time.sleep(0.5 if tablet.store.queued() else 0)
        report.outbox_left = len(tablet.store.queued())
    except Exception as error:  # reported to the caller, who fails the run
        report.error = f"{type(error).__name__}: {error}"
    finally:
        if tablet is not None:
            tablet.close()
        api.close()
    return report


def _settle(outcomes: list[Any], report: TabletReport) -> None:
    for outcome in outcomes:
        report.statuses[outcome.status] = report.statuses.get(outcome.status, 0) + 1


def run_fleet(base_url: str, accounts: list[Account], workdir: Path, seconds: float,
              batch: int, think: tuple[float, float] = (0.0, 0.0)
              ) -> tuple[list[TabletReport], Samples]:
    """Every account's tablet in its own thread for `seconds`; all stop by themselves."""
    samples = Samples()
    until = time.monotonic() + seconds
    reports: list[TabletReport | None] = [None] * len(accounts)

    def work(index: int) -> None:
        reports[index] = drive(accounts[index], base_url, workdir / f"tablet{index:03d}",
                               until, batch, samples, seed=index, think=think)

    threads = [threading.Thread(target=work, args=(n,), daemon=True)
               for n in range(len(accounts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 600)
    if any(thread.is_alive() for thread in threads):
        raise RuntimeError("a tablet did not finish in time")
    return [r for r in reports if r is not None], samples


def verify(reports: list[TabletReport]) -> dict[str, int]:
    """In the current app context: compare the server's inspections with what the tablets
    intended. Returns the counts; `lost`, `duplicated` and `wrong` must all be 0."""
    from sqlalchemy import select

    from server.extensions import db
    from server.fieldwork.models import Inspection

    intended: dict[str, str] = {}
    for report in reports:
        intended.update({key: report.findings[key] for key in report.created})
        intended.update({key: text for key, text in report.findings.items()
                         if key not in report.created})
    rows = db.session.execute(select(Inspection.id, Inspection.findings)).all()
    db.session.rollback()
    seen: dict[str, int] = {}
    findings: dict[str, str] = {}
    for row_id, text in rows:
        seen[str(row_id)] = seen.get(str(row_id), 0) + 1
        findings[str(row_id)] = text
    created = {key for report in reports for key in report.created}
    return {
        "intended": len(created),
        "stored": len(rows),
        "lost": len(created - set(seen)),
        "duplicated": sum(n - 1 for n in seen.values() if n > 1),
        "unexpected": len(set(seen) - created),
        "wrong": sum(1 for key in created if key in findings
                     and findings[key] != intended[key]),
    }


def percentiles(values: list[float]) -> dict[str, float]:
    """p50, p95, p99 (ms) of a sample."""
    if len(values) < 2:
        only = values[0] if values else float("nan")
        return {"p50": only, "p95": only, "p99": only}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98]}


SYNC_ROUTES = {"push": ("POST", "/api/v1/sync/push"), "pull": ("GET", "/api/v1/sync/pull")}


def server_times(access_log: Path) -> dict[str, list[float]]:
    """Per sync route, how long the server spent on each request (ms): from a gunicorn
    access log written by bench_evidence._serve(access_log=...). That is from a worker thread
    taking the request to the answer written; a tablet also waits for a free thread and for
    its own process (the fleet's threads share one interpreter)."""
    found: dict[str, list[float]] = {kind: [] for kind in SYNC_ROUTES}
    routes = {route: kind for kind, route in SYNC_ROUTES.items()}
    for line in access_log.read_text().splitlines():
        method, path, _status, micros = line.split()
        kind = routes.get((method, path))
        if kind is not None:
            found[kind].append(int(micros) / 1000)
    return found
