"""Load: 50 simulated tablets (the offline_sync engine) syncing at once, batches of 100
mutations, against gunicorn with 4 workers on PostgreSQL for a bounded time. Reports push and
pull latency percentiles (goal: push p99 ≤ 1000 ms) and fails if anything was lost or
duplicated. The database is a throwaway one on BENCH_PG_ADMIN_URL's server (created and
dropped here), or BENCH_DATABASE_URL (emptied first)."""

from __future__ import annotations

import os
import resource
import secrets
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from bench import loadgen

ROOT = Path(__file__).resolve().parents[1]
TABLETS, BATCH, WORKERS = 50, 100, 4
# The paced run's offline interval between a tablet's syncs (s): about 50 × 100 mutations per
# 30 s, under half of what this server applied saturated on 2 cores.
PACED_THINK = (20.0, 40.0)
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
FAST_HASH = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}


@contextmanager
def _database() -> Iterator[str | None]:
    """A PostgreSQL URL to use, or None when no server is reachable."""
    from server.config import normalise_database_url

    given = os.environ.get("BENCH_DATABASE_URL")
    if given:
        engine = create_engine(normalise_database_url(given))
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        yield given
        return
    admin_url = os.environ.get("BENCH_PG_ADMIN_URL", ADMIN_URL)
    name = f"enforcement_load_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(normalise_database_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # no server: the entry is skipped, said so
        print(f"   no PostgreSQL at {admin_url} ({type(error).__name__}); load bench skipped")
        admin.dispose()
        yield None
        return
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (all cores, from /proc/stat)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


class _Cpu:
    """Where the machine's CPU went during the run: the tablets (this process), gunicorn
    (its master reaps the workers, so their time reaches us when it exits) and the rest."""

    def __init__(self) -> None:
        self.machine, self.own = _busy_seconds(), resource.getrusage(resource.RUSAGE_SELF)
        self.children = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.started = time.monotonic()

    def stop_fleet(self) -> None:
        """Called when the tablets are done, before the server stops."""
        end = resource.getrusage(resource.RUSAGE_SELF)
        self.tablets = (end.ru_utime + end.ru_stime) - (self.own.ru_utime + self.own.ru_stime)
        self.machine = _busy_seconds() - self.machine
        self.elapsed = time.monotonic() - self.started

    def shares(self) -> dict[str, float]:
        """Each part's share of the busy CPU time (call after the server has exited)."""
        end = resource.getrusage(resource.RUSAGE_CHILDREN)
        server = (end.ru_utime + end.ru_stime) - (self.children.ru_utime
                                                  + self.children.ru_stime)
        total = max(self.machine, self.tablets + server, 1e-9)
        return {"tablets": self.tablets / total, "gunicorn": server / total,
                "rest": max(0.0, total - self.tablets - server) / total,
                "busy": self.machine / (self.elapsed * (os.cpu_count() or 1))}


def _server_part(served: dict[str, float]) -> dict[str, float]:
    """The server's own share of the latencies, as entry fields."""
    return {f"server_{name}_ms": round(value, 1) for name, value in served.items()}


@dataclass
class _Run:
    """One fleet's run against its own gunicorn."""

    reports: list[loadgen.TabletReport]
    samples: loadgen.Samples
    elapsed: float
    shares: dict[str, float]
    served: dict[str, dict[str, float]]

    def sent(self) -> int:
        """Mutations the tablets sent and were answered for."""
        return sum(sum(r.statuses.values()) for r in self.reports)


def _fleet(env: dict[str, str], workdir: Path, name: str, accounts: list[loadgen.Account],
           seconds: float, think: tuple[float, float]) -> _Run:
    """The tablets against gunicorn (WORKERS workers, its own access log) for `seconds`."""
    from bench.bench_evidence import _free_port, _serve

    port = _free_port()
    access_log = workdir / f"access-{name}.log"
    server = _serve(env, port, workdir / f"gunicorn-{name}.log", WORKERS, access_log)
    cpu = _Cpu()
    try:
        started = time.perf_counter()
        reports, samples = loadgen.run_fleet(f"http://127.0.0.1:{port}", accounts,
                                             workdir / f"fleet-{name}", seconds, BATCH, think)
        elapsed = time.perf_counter() - started
        cpu.stop_fleet()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return _Run(reports, samples, elapsed, cpu.shares(),
                {kind: loadgen.percentiles(times)
                 for kind, times in loadgen.server_times(access_log).items()})


def _paced(run: _Run, think: tuple[float, float], seconds: float) -> dict[str, Any]:
    """The paced fleet's figures (informative: the goal is judged on the saturated run)."""
    push, pull = (loadgen.percentiles(getattr(run.samples, kind)) for kind in ("push", "pull"))
    return {"think_s": list(think), "seconds": seconds,
            "push_p50_ms": push["p50"], "push_p95_ms": push["p95"], "push_p99_ms": push["p99"],
            "pull_p99_ms": pull["p99"], "pushes": len(run.samples.push),
            "mutations_per_s": run.sent() / run.elapsed,
            "server_push_p99_ms": round(run.served["push"]["p99"], 1),
            "busy": round(run.shares["busy"], 3)}


def run(quick: bool) -> dict:
    """The load entries (none when PostgreSQL is not reachable)."""
    from flask_migrate import upgrade

    from server import create_app
    from server.config import normalise_database_url
    from server.extensions import db

    seconds = 20 if quick else 60
    paced_seconds = 40 if quick else 120
    with _database() as url, tempfile.TemporaryDirectory() as tmp:
        if url is None:
            return {}
        workdir = Path(tmp)
        store = f"file://{workdir / 'evidence'}"
        secret = secrets.token_hex(16)  # one audit key for the seeding app and the server
        app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(url),
                          "EVIDENCE_STORE": store, "PASSWORD_HASH": FAST_HASH,
                          "SECRET_KEY": secret})
        with app.app_context():
            upgrade(revision="heads")
            accounts = loadgen.prepare(TABLETS, per_district=20)
            db.engine.dispose()
        env = {**os.environ, "DATABASE_URL": url, "EVIDENCE_STORE": store,
               "SECRET_KEY": secret, "SCHEDULER": "off"}
        saturated = _fleet(env, workdir, "saturated", accounts, seconds, (0.0, 0.0))
        paced = _fleet(env, workdir, "paced", accounts, paced_seconds, PACED_THINK)
        with app.app_context():
            counts = loadgen.verify(saturated.reports + paced.reports)
            db.engine.dispose()
    reports = saturated.reports + paced.reports
    errors = [r.error for r in reports if r.error]
    if errors or any(counts[k] for k in ("lost", "duplicated", "unexpected", "wrong")):
        raise AssertionError(f"load run lost or duplicated records: {counts}, {errors[:3]}")
    samples, elapsed, shares, served = (saturated.samples, saturated.elapsed,
                                        saturated.shares, saturated.served)
    push, pull = loadgen.percentiles(samples.push), loadgen.percentiles(samples.pull)
    sent = saturated.sent()
    detail = (f"{TABLETS} tablets × batches of {BATCH} for {seconds} s (ran {elapsed:.0f} s), "
              f"gunicorn {WORKERS} workers × 4 threads, PostgreSQL; {len(samples.push)} pushes "
              f"of {sent / max(1, len(samples.push)):.0f} mutations on average (a tablet sends "
              "at most one edit per record per request: a batch with edits of earlier records "
              f"goes as several requests), {len(samples.pull)} pulls; over both runs (this "
              "one and `paced`), records intended "
              f"{counts['intended']}, stored "
              f"{counts['stored']}, lost {counts['lost']}, duplicated {counts['duplicated']}. "
              f"The machine's {os.cpu_count()} cores were {shares['busy']:.0%} busy; of that, "
              f"the {TABLETS} simulated tablets {shares['tablets']:.0%}, gunicorn "
              f"{shares['gunicorn']:.0%}, the rest "
              f"(PostgreSQL and anything else running) {shares['rest']:.0%}. server_*: the "
              "time gunicorn spent on the request (its access log: from a worker thread taking "
              "it to the answer written); the rest of a tablet's wait is for a free worker "
              "thread and for its own turn in the fleet's process. The goal is judged on this "
              "saturated run: no think time, so each tablet's wait is about the fleet's size "
              "over the server's throughput. `paced`: the same fleet afterwards on a fresh "
              f"server, each tablet offline {PACED_THINK[0]:.0f}–{PACED_THINK[1]:.0f} s "
              "(uniform) before its first and after each sync, for its latencies below "
              "saturation (informative; not the goal's measure)")
    common = {"unit": "ms", "higher_is_better": False, "goal": 1000.0, "baseline": 1000.0,
              "detail": detail}
    return {
        "load_push_p99_ms": {**common, "value": push["p99"], "ratio": push["p99"],
                             "p50_ms": push["p50"], "p95_ms": push["p95"],
                             **_server_part(served["push"]),
                             "mutations_per_s": sent / elapsed,
                             "cpu_share": {k: round(v, 3) for k, v in shares.items()},
                             "paced": _paced(paced, PACED_THINK, paced_seconds)},
        "load_pull_p99_ms": {**common, "value": pull["p99"], "ratio": pull["p99"],
                             "p50_ms": pull["p50"], "p95_ms": pull["p95"],
                             **_server_part(served["pull"])},
    }
