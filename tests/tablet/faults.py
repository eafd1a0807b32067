"""A WSGI middleware that breaks the network the way evening syncs over 4G break it.

Faults, chosen at random per request on the paths given:
- drop: the server does the work and commits, then the connection dies before the response;
- duplicate: the request reaches the server twice (a proxy's retry); the client sees the 2nd;
- cut: the connection dies mid-body: for a tus PATCH the server gets (and keeps) the first part
  of the chunk, for anything else the request never reaches the app.
Pulls (GET) get the first two.
"""

from __future__ import annotations

import io
import random
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

FAULTS = ("drop", "duplicate", "cut")


class FaultInjector:
    """Wraps an app's wsgi_app; survives restarts (re-wrap the new app)."""

    def __init__(self, rate: float = 0.3, seed: int = 0,
                 paths: tuple[str, ...] = ("/api/v1/sync/", "/api/v1/uploads/")):
        self.rate, self.paths = rate, paths
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.enabled = True

    def wrap(self, wsgi_app: Callable) -> Callable:
        """The app behind this network."""

        def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
            fault = self._choose(environ)
            if fault is None:
                return wsgi_app(environ, start_response)
            with self.lock:
                self.counts[f"{fault} {environ['REQUEST_METHOD']}"] += 1
            return getattr(self, f"_{fault}")(wsgi_app, environ, start_response)

        return app

    def _choose(self, environ: dict) -> str | None:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        if not self.enabled or not path.startswith(self.paths):
            return None
        if method == "GET" and path.endswith("/pull"):
            choices = FAULTS[:2]  # a GET has no body to cut
        elif method in ("POST", "PATCH"):
            choices = FAULTS
        else:
            return None
        with self.lock:
            if self.rng.random() >= self.rate:
                return None
            return self.rng.choice(choices)

    @staticmethod
    def _body(environ: dict) -> bytes:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        return environ["wsgi.input"].read(length) if length else b""

    @staticmethod
    def _run(wsgi_app: Callable, environ: dict, body: bytes) -> tuple[str, list, bytes]:
        """Call the app to the end (so its transaction commits); its status, headers, body."""
        seen: dict[str, Any] = {}

        def start(status: str, headers: list, exc_info: Any = None) -> Callable:
            seen.update(status=status, headers=headers)
            return lambda data: None

        result = wsgi_app({**environ, "wsgi.input": io.BytesIO(body)}, start)
        try:
            data = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        return seen["status"], seen["headers"], data

    @staticmethod
    def _kill(environ: dict, start_response: Callable) -> list[bytes]:
        """Close the client's connection; the server then fails to write and moves on."""
        try:
            environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        start_response("200 OK", [("Content-Length", "1")])
        return [b"x"]

    def _drop(self, wsgi_app: Callable, environ: dict, start_response: Callable) -> list[bytes]:
        self._run(wsgi_app, environ, self._body(environ))
        return self._kill(environ, start_response)

    def _duplicate(self, wsgi_app: Callable, environ: dict,
                   start_response: Callable) -> list[bytes]:
        body = self._body(environ)
        self._run(wsgi_app, environ, body)
        status, headers, data = self._run(wsgi_app, environ, body)
        start_response(status, headers)
        return [data]

    def _cut(self, wsgi_app: Callable, environ: dict, start_response: Callable) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        with self.lock:
            keep = self.rng.randint(0, max(0, length - 1))
        part = environ["wsgi.input"].read(keep) if keep else b""
        if environ["REQUEST_METHOD"] == "PATCH":
            # the server reads what arrived, then the stream ends early (ClientDisconnected)
            self._run(wsgi_app, environ, part)
        return self._kill(environ, start_response)
