"""HTTP to the sync server: token sign-in, pull, push, evidence look-up.

Retries are urllib3's `Retry` (mounted on a requests session) with full-jitter backoff:
connection errors, cut responses, 5xx and 429 are retried (429/503 honour Retry-After); any
other 4xx is final. Every request has a timeout. Retrying a POST is safe here because push is
idempotent by mutation_id and other POSTs carry an Idempotency-Key.
"""

from __future__ import annotations

import random
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import (
    ConnectTimeoutError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)
from urllib3.util.retry import Retry

from offline_sync.errors import (
    Offline,
    PasswordChangeRequired,
    Refused,
    SyncError,
    Unauthorized,
)

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# A throttled sign-in (429) is the server's answer, not a hiccup: retrying it only waits out
# Retry-After (minutes) again and again before saying anything.
SIGN_IN_RETRYABLE = RETRYABLE_STATUSES - {429}
UPLOADS, TUS_VERSION = "/api/v1/uploads/", "1.0.0"
NETWORK_ERRORS = (requests.ConnectionError, requests.Timeout,
                  requests.exceptions.ChunkedEncodingError, requests.exceptions.RetryError)


def full_jitter(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds before retry `attempt` (1-based): uniform in [0, min(cap, base·2^(attempt-1))]."""
    if attempt < 1:
        return 0.0
    ceiling = min(cap, base * (2 ** (attempt - 1)))
    return (rng or random).uniform(0.0, ceiling)


# Told of each retry before its wait: (retry number, retries allowed, seconds, cause in words).
Notify = Callable[[int, int, float, str], None]


def _retry_cause(entry: Any) -> str:
    """Why an attempt is retried, in words: the answer's status or what broke on the way."""
    if entry.error is None:
        return f"the server answered {entry.status}"
    if isinstance(entry.error, NewConnectionError):  # a ConnectTimeoutError to urllib3
        return "no connection"
    if isinstance(entry.error, ConnectTimeoutError | ReadTimeoutError):
        return "no answer in time"
    if isinstance(entry.error, ProtocolError):
        return "the connection broke off"
    return "no connection"


class FullJitterRetry(Retry):
    """urllib3's Retry with "full jitter" backoff and a ceiling on what Retry-After may ask;
    `notify` hears of each retry before its wait (a tablet says why it is waiting)."""

    RETRY_AFTER_MAX = 120.0

    def __init__(self, *args: Any, notify: Notify | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.notify, self.allowed = notify, self.total  # `total` counts down, attempt by attempt

    def new(self, **kwargs: Any) -> FullJitterRetry:
        """The next Retry (urllib3 makes one per attempt), keeping who hears of retries."""
        retry = super().new(**kwargs)
        retry.notify, retry.allowed = self.notify, self.allowed
        return retry

    def sleep(self, response: Any = None) -> None:
        """Wait before the retry (Retry-After when the answer gives one), said first."""
        wait = self.get_retry_after(response) if (
            response is not None and self.respect_retry_after_header) else None
        wait = wait or self.get_backoff_time()  # as urllib3: Retry-After 0 means backoff
        if self.notify is not None and self.history:
            self.notify(len(self.history), self.allowed, wait,
                        _retry_cause(self.history[-1]))
        if wait > 0:
            time.sleep(wait)

    def get_backoff_time(self) -> float:
        """Full jitter over the consecutive failures so far."""
        failures = 0
        for entry in reversed(self.history):
            if entry.redirect_location is not None:
                break
            failures += 1
        return full_jitter(failures, self.backoff_factor, self.backoff_max)

    def parse_retry_after(self, retry_after: str) -> float:
        """Retry-After in seconds, at most RETRY_AFTER_MAX (a server may not park a tablet)."""
        return min(super().parse_retry_after(retry_after), self.RETRY_AFTER_MAX)


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: attempts after the first, backoff base and cap, timeouts."""

    retries: int = 6
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    connect_timeout: float = 5.0
    read_timeout: float = 60.0
    notify: Notify | None = field(default=None, compare=False)

    def retry(self, statuses: frozenset[int] = RETRYABLE_STATUSES) -> FullJitterRetry:
        """The urllib3 Retry object this policy means (retrying answers with `statuses`)."""
        return FullJitterRetry(
            notify=self.notify, total=self.retries, connect=self.retries, read=self.retries,
            status=self.retries, other=self.retries, allowed_methods=None,
            status_forcelist=statuses, backoff_factor=self.backoff_base,
            backoff_max=self.backoff_cap, respect_retry_after_header=True, raise_on_status=False,
            redirect=0)

    @property
    def timeout(self) -> tuple[float, float]:
        """(connect, read) seconds for requests."""
        return (self.connect_timeout, self.read_timeout)


def new_session(policy: RetryPolicy,
                statuses: frozenset[int] = RETRYABLE_STATUSES) -> requests.Session:
    """A requests session whose every request goes through the policy's retries."""
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=policy.retry(statuses))
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _cause(error: requests.RequestException) -> str:
    """What went wrong on the way, in words (urllib3's text is about pools and retries)."""
    if isinstance(error, requests.Timeout):
        return "no answer in time"
    if isinstance(error, requests.exceptions.ChunkedEncodingError):
        return "the connection broke off"
    found = re.search(r"\[Errno -?\d+\] ([^'\"()]+)", str(error))
    return found.group(1).strip().lower() if found else "no connection"


def _seconds(retry_after: str | None) -> float | None:
    """A Retry-After given in seconds (the server's form); None if absent or a date."""
    try:
        return float(retry_after) if retry_after else None
    except ValueError:
        return None


def _sent_again(response: requests.Response) -> bool:
    """Whether the request behind this answer was sent more than once (urllib3 retried it)."""
    retries = getattr(response.raw, "retries", None)
    return bool(retries is not None and retries.history)


def problem_of(response: requests.Response) -> dict[str, Any]:
    """The problem+json body of an error response, or a stand-in built from the status."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        return body
    return {"title": response.reason or "error", "status": response.status_code}


class Api:
    """The sync server's HTTP API as the tablet uses it."""

    def __init__(self, base_url: str, token: str | None = None,
                 policy: RetryPolicy | None = None):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.policy = policy or RetryPolicy()
        self.session = new_session(self.policy)

    def close(self) -> None:
        """Release pooled connections."""
        self.session.close()

    @property
    def auth_headers(self) -> dict[str, str]:
        """The bearer token header (empty before sign-in)."""
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def url(self, path: str) -> str:
        """Absolute URL of an API path."""
        return f"{self.base_url}{path}"

    def request(self, method: str, path: str, *, expect: tuple[int, ...] = (200,),
                session: requests.Session | None = None,
                retryable: frozenset[int] = RETRYABLE_STATUSES,
                **kwargs: Any) -> requests.Response:
        """Send with retries; Offline if the retries ran out, Refused on a final answer."""
        headers = {**self.auth_headers, **kwargs.pop("headers", {})}
        try:
            response = (session or self.session).request(
                method, self.url(path), headers=headers, timeout=self.policy.timeout, **kwargs)
        except NETWORK_ERRORS as error:
            raise Offline(f"{method} {path}: {_cause(error)}") from error
        except requests.RequestException as error:  # a bad server address, not the network
            raise SyncError(f"{method} {path}: {error}") from error
        if response.status_code in expect:
            return response
        if response.status_code in retryable:
            raise Offline(f"{method} {path}: still HTTP {response.status_code} after retries")
        error_type = Unauthorized if response.status_code == 401 else Refused
        throttled = response.status_code == 429  # the limiter sends Retry-After on every answer
        raise error_type(response.status_code, problem_of(response), retry_after=_seconds(
            response.headers.get("Retry-After")) if throttled else None)

    def login(self, username: str, password: str, device_id: str,
              new_password: str | None = None) -> dict[str, Any]:
        """POST /auth/token; keeps and returns the token body. Too many failed sign-ins: a
        final Refused (429) that says when to try again; a temporary password (set by an
        administrator): PasswordChangeRequired. With `new_password`: POST /auth/password,
        which changes the password and signs in in one request."""
        if new_password is None:
            response = self._sign_in("/api/v1/auth/token", {
                "username": username, "password": password, "device_id": device_id})
        else:
            response = self._sign_in("/api/v1/auth/password", {
                "username": username, "password": password, "new_password": new_password,
                "device_id": device_id}, expect=(200, 201, 401))
            if response.status_code == 401 and not _sent_again(response):
                raise Unauthorized(401, problem_of(response))
            if response.status_code == 401:
                # sent again after the change committed but its answer was lost: the old
                # password no longer works, the new one does
                response = self._sign_in("/api/v1/auth/token", {
                    "username": username, "password": new_password, "device_id": device_id})
        body = response.json()
        self.token = body["access_token"]
        return body

    def _sign_in(self, path: str, body: dict[str, str],
                 expect: tuple[int, ...] = (200, 201)) -> requests.Response:
        """POST credentials (429 is final at sign-in, not retried)."""
        sign_in = new_session(self.policy, SIGN_IN_RETRYABLE)
        try:
            return self.request("POST", path, expect=expect, json=body,
                                headers={"Idempotency-Key": str(uuid.uuid4())},
                                session=sign_in, retryable=SIGN_IN_RETRYABLE)
        except Refused as error:
            if error.status == 403 and str(error.problem.get("type", "")).endswith(
                    PasswordChangeRequired.TYPE_SUFFIX):
                raise PasswordChangeRequired(error.status, error.problem) from error
            raise
        finally:
            sign_in.close()

    def sign_out(self, device_id: str) -> None:
        """DELETE /auth/devices/<device>: this user's tokens on this device stop working."""
        self.request("DELETE", f"/api/v1/auth/devices/{device_id}", expect=(200, 404))

    def pull(self, cursor: str, limit: int) -> dict[str, Any]:
        """GET /sync/pull: one page of changes."""
        return self.request("GET", "/api/v1/sync/pull",
                            params={"cursor": cursor, "limit": limit}).json()

    def push(self, device_id: str, mutations: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """POST /sync/push: one result per mutation, in order, then the results of mutations
        held earlier that the server applied now (`released`)."""
        body = self.request("POST", "/api/v1/sync/push", expect=(200,),
                            json={"device_id": device_id, "mutations": mutations}).json()
        return [*body["results"], *body.get("released", [])]

    def terminate_upload(self, url: str) -> None:
        """DELETE a tus upload (termination): returns once the server has it no more (204, or
        404/410: gone already); Offline when the server cannot be reached. An upload on
        another server (signed in elsewhere since) is left to expire there: the token is not
        sent to it."""
        if url.startswith(f"{self.base_url}{UPLOADS}"):
            self.request("DELETE", url[len(self.base_url):], expect=(204, 404, 410),
                         headers={"Tus-Resumable": TUS_VERSION})

    def evidence_exists(self, sha256: str) -> bool:
        """Whether the server already holds this evidence (GET /evidence/<sha256>)."""
        return self.request("GET", f"/api/v1/evidence/{sha256}", expect=(200, 404)
                            ).status_code == 200
