"""Process-level faults: the real app behind gunicorn with 4 workers on PostgreSQL.

Each test starts its own gunicorn on a free loopback port against the test database (the
in-process `app` fixture has just emptied it) and stops it afterwards, whatever happened.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import requests
from sqlalchemy import create_engine, text

from tests.conftest import AUDIT_SEAL_KEY

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 4


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """These tests are defined on PostgreSQL (several workers need a server database)."""
    if os.environ.get("TEST_DATABASE") == "postgresql":
        return
    skip = pytest.mark.skip(reason="process faults run on PostgreSQL (make test's second pass)")
    for item in items:
        if "tests/faults/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """A gunicorn master with its workers, started and stopped by the test."""

    def __init__(self, database_url: str, store: str, log: Path, **env: str):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.env = {**os.environ, "DATABASE_URL": database_url, "EVIDENCE_STORE": store,
                    "SECRET_KEY": secrets.token_hex(24), "SCHEDULER": "off",
                    "AUDIT_SEAL_KEY": AUDIT_SEAL_KEY, **env}  # the chain the test app began
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        """Start the master and wait until a worker answers /healthz."""
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}",
                 "--workers", str(WORKERS), "--graceful-timeout", "2",
                 "--timeout", "60", "wsgi:app"],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-3000:]}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=10).status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer: {self.log.read_text()[-3000:]}")

    def workers(self) -> list[psutil.Process]:
        """The live worker processes."""
        return psutil.Process(self.process.pid).children()

    def worker_serving(self, client_port: int, timeout: float = 10) -> psutil.Process:
        """The worker holding the connection that comes from `client_port`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for worker in self.workers():
                try:
                    for conn in worker.net_connections(kind="tcp"):
                        if conn.raddr and conn.raddr.port == client_port:
                            return worker
                except psutil.NoSuchProcess:
                    continue
            time.sleep(0.02)
        raise AssertionError(f"no worker holds the connection from port {client_port}")

    def kill_worker(self, worker: psutil.Process) -> None:
        """kill -9 one worker (the master starts another)."""
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)

    def wait_for_workers(self, count: int = WORKERS, timeout: float = 30) -> None:
        """Wait until the master has `count` workers again."""
        deadline = time.monotonic() + timeout
        while len(self.workers()) < count:
            if time.monotonic() > deadline:
                raise AssertionError("gunicorn did not replace the killed worker")
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop master and workers; SIGKILL whatever is left after a few seconds."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def gunicorn(app, database_url: str, tmp_path: Path) -> Iterator[Gunicorn]:
    """The app under gunicorn with 4 workers, sharing the test database and a fresh store."""
    server = Gunicorn(database_url, f"file://{tmp_path / 'evidence'}", tmp_path / "gunicorn.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


class DatabaseOutage:
    """The database 'restarts': every session is dropped and new ones refused for a while.

    Scoped to the test database (ALLOW_CONNECTIONS off + pg_terminate_backend), so other
    databases on the same cluster keep running — the app sees what a restart looks like."""

    def __init__(self, database_url: str):
        from server.config import normalise_database_url

        url = normalise_database_url(database_url)
        self.name = url.rsplit("/", 1)[1].split("?")[0]
        self.admin = create_engine(url.rsplit("/", 1)[0] + "/postgres",
                                   isolation_level="AUTOCOMMIT")

    def begin(self) -> None:
        """Refuse new sessions and drop the existing ones."""
        with self.admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false'))
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :n AND pid <> pg_backend_pid()"),
                         {"n": self.name})

    def end(self) -> None:
        """Accept sessions again."""
        with self.admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true'))

    def close(self) -> None:
        """Always leave the database open to connections."""
        self.end()
        self.admin.dispose()


@pytest.fixture
def database_outage(database_url: str) -> Iterator[DatabaseOutage]:
    """Control over a database outage, always ended by the end of the test."""
    outage = DatabaseOutage(database_url)
    try:
        yield outage
    finally:
        outage.close()
