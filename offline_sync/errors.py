"""What the engine raises: the network is out (try later) or the server said no (final)."""

from __future__ import annotations

import math
from typing import Any


class SyncError(Exception):
    """Base of every failure the engine reports to the app."""


class Offline(SyncError):
    """The server could not be reached, or kept failing, within the retry budget; try later."""


def describe(problem: dict[str, Any]) -> str:
    """An RFC 9457 problem in one line: its detail (else title) and each field's errors."""
    text = str(problem.get("detail") or problem.get("title") or "refused")
    errors = _messages(problem.get("errors"))
    return f"{text} ({'; '.join(errors)})" if errors else text


def _messages(value: Any, at: str = "") -> list[str]:
    """Field errors as 'field[item]: message' (marshmallow nests a list's by position)."""
    if isinstance(value, dict):
        return [message for key, inner in value.items()
                for message in _messages(inner, f"{at}[{key}]" if at else str(key))]
    if isinstance(value, list):
        return [message for inner in value for message in _messages(inner, at)]
    if value is None:
        return []
    return [f"{at}: {value}" if at else str(value)]


def _duration(seconds: float) -> str:
    """'40 seconds', '1 minute', '15 minutes' (rounded up)."""
    if seconds < 60:
        return f"{math.ceil(seconds)} seconds"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


class Refused(SyncError):
    """The server answered with a final 4xx; `problem` holds its RFC 9457 details."""

    def __init__(self, status: int, problem: dict[str, Any] | None = None,
                 retry_after: float | None = None):
        self.status, self.problem, self.retry_after = status, problem or {}, retry_after
        later = f" Try again in {_duration(retry_after)}." if retry_after else ""
        super().__init__(f"HTTP {status}: {describe(self.problem)}{later}")


class Unauthorized(Refused):
    """401: no token, or it expired or was revoked; sign in again."""


class PasswordChangeRequired(Refused):
    """403 at sign-in: the password is temporary (an administrator set it); sign in again
    with a new one of the user's own (Tablet.login(..., new_password=…))."""

    TYPE_SUFFIX = "/password-change-required"


class NotSignedIn(SyncError):
    """The store holds no server address or token yet."""


class OtherUsersWork(SyncError):
    """Sign-in refused: the tablet holds another user's unsent work, which would go as theirs."""


class NewerStore(SyncError):
    """The store file was made by a newer version of the tablet software (the tablet was
    downgraded): it is refused, left as it is, rather than read or written wrongly."""


class Invalid(ValueError):
    """Input the contract, or what the tablet holds, refuses: nothing was recorded."""


class NotEvidence(Invalid, SyncError):
    """A file the tablet will not capture (it is empty): refused input, nothing recorded."""


def invalid(what: str, errors: Any) -> Invalid:
    """The contract's field messages on `what` as one Invalid ('Not a valid signature (…)')."""
    return Invalid(describe({"detail": f"Not a valid {what}", "errors": errors}))
