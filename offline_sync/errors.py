"""What the engine raises: the network is out (try later) or the server said no (final)."""

from __future__ import annotations

from typing import Any


class SyncError(Exception):
    """Base of every failure the engine reports to the app."""


class Offline(SyncError):
    """The server could not be reached, or kept failing, within the retry budget; try later."""


class Refused(SyncError):
    """The server answered with a final 4xx; `problem` holds its RFC 9457 details."""

    def __init__(self, status: int, problem: dict[str, Any] | None = None):
        self.status, self.problem = status, problem or {}
        title = self.problem.get("detail") or self.problem.get("title") or "refused"
        super().__init__(f"HTTP {status}: {title}")


class Unauthorized(Refused):
    """401: no token, or it expired or was revoked; sign in again."""


class NotSignedIn(SyncError):
    """The store holds no server address or token yet."""
