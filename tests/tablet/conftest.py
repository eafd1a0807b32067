"""Fixtures for the tablet client against the real app on a loopback HTTP server."""

from __future__ import annotations

import io
import random
import secrets
import threading
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from PIL import Image
from werkzeug.serving import BaseWSGIServer, make_server

from offline_sync import Tablet, cli
from offline_sync.http import RetryPolicy

from .faults import FaultInjector

# Generous enough to ride out a restart and a run of faults, short enough to stay fast.
TEST_POLICY = RetryPolicy(retries=10, backoff_base=0.05, backoff_cap=0.5, connect_timeout=5,
                          read_timeout=30)
TEST_CHUNK = 16 * 1024
APP_SETTINGS = ("TESTING", "SQLALCHEMY_DATABASE_URI", "EVIDENCE_STORE", "PASSWORD_HASH",
                "SECRET_KEY", "AUDIT_SEAL_KEY")


class LiveServer:
    """The app behind a threaded werkzeug server on 127.0.0.1; restartable on the same port
    with a new app instance on the same database and evidence store."""

    def __init__(self, first: Flask, faults: FaultInjector | None = None):
        self.settings = {key: first.config[key] for key in APP_SETTINGS}
        self.faults = faults
        self.app: Flask = first
        self.port = 0
        self.restarts = 0
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        """Base URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, app: Flask | None = None) -> None:
        """Serve `app` (or the current one)."""
        self.app = app or self.app
        wsgi = self.faults.wrap(self.app.wsgi_app) if self.faults else self.app.wsgi_app
        self._server = make_server("127.0.0.1", self.port, wsgi, threaded=True)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting; requests in flight finish on their own threads."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._server = None

    def restart(self) -> None:
        """Stop, then serve a brand-new app instance (as after a deploy or a crash)."""
        from server import create_app

        fresh = create_app(dict(self.settings))  # built first: the outage is the swap only
        with self._lock:
            self.stop()
            self.start(fresh)
            self.restarts += 1


@pytest.fixture
def live(app: Flask) -> Iterator[LiveServer]:
    """The app on a real loopback server, no faults."""
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def tablet_for(tmp_path: Path, make_user) -> Iterator[Callable[..., Tablet]]:
    """Make an inspector (or use the one given) and a signed-in tablet for them."""
    made: list[Tablet] = []

    def make(live: LiveServer, user: Any = None, password: str | None = None,
             district: str = "310115") -> Tablet:
        if user is None:
            user, password = make_user("inspector", district)
        tablet = Tablet(tmp_path / f"tablet-{len(made)}", policy=TEST_POLICY,
                        chunk_size=TEST_CHUNK)
        tablet.login(live.url, user.username, password, f"tablet-{secrets.token_hex(4)}")
        made.append(tablet)
        return tablet

    yield make
    for tablet in made:
        tablet.close()


def signed_in_cli(home: Path, server_url: str, user: Any, password: str,
                  device_id: str) -> Callable[..., Result]:
    """The command-line tablet kept at `home`, signed in as `user`: runs one command."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:  # noqa: A002 - click's name
        return runner.invoke(cli.main, ["--home", str(home), *args], input=input,
                             catch_exceptions=False)

    signed_in = run("login", "--server", server_url, "--username", user.username,
                    "--password", password, "--device-id", device_id)
    assert signed_in.exit_code == 0, signed_in.output
    return run


def make_photo(folder: Path, seed: int, size: int = 160) -> Path:
    """A unique small JPEG (random pixels), so every photo is distinct evidence."""
    image = Image.frombytes("RGB", (size, size), random.Random(seed).randbytes(size * size * 3))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95)
    path = folder / f"photo-{seed}.jpg"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return path


@pytest.fixture
def field_day(client, make_user, login, enterprise_body):
    """Two Pudong inspectors, their supervisor and an enterprise on the register."""
    first, first_pw = make_user("inspector", "310115")
    second, second_pw = make_user("inspector", "310115")
    supervisor = login("supervisor", "310115")
    enterprise = client.post("/api/v1/enterprises", json=enterprise_body("310115", 1),
                             headers=supervisor).get_json()
    return {"first": (first, first_pw), "second": (second, second_pw),
            "supervisor": supervisor, "enterprise": enterprise,
            "team": [str(first.id), str(second.id)]}


def server_copy(client, headers, entity: str, key: str) -> dict:
    """The server's copy of a record, read through the REST API."""
    response = client.get(f"/api/v1/{entity}s/{key}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


QUICK = RetryPolicy(retries=2, backoff_base=0.01, backoff_cap=0.05, connect_timeout=2,
                    read_timeout=10)


def ok(result: Result) -> str:
    """What a command that must succeed printed on stdout."""
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


@pytest.fixture
def cli_record(live, field_day, tmp_path, monkeypatch) -> dict[str, Any]:
    """field_day, with the first inspector's command-line tablet signed in and pulled
    (`run`, at `home`), a record of the two inspectors at the enterprise not sent yet
    (`record`) and a `camera` folder."""
    monkeypatch.setattr(cli, "Tablet", partial(Tablet, policy=QUICK))
    user, password = field_day["first"]
    run = signed_in_cli(tmp_path / "cli", live.url, user, password, "record-tablet")
    ok(run("pull"))
    record = ok(run("new-inspection", "--enterprise", field_day["enterprise"]["id"],
                    *(arg for who in field_day["team"] for arg in ("--inspector", who))))
    return {**field_day, "run": run, "record": record, "home": tmp_path / "cli",
            "camera": tmp_path / "camera"}
