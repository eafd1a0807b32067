"""One count of failed sign-ins per client address and username, whichever door is used.

The API's token and password-change endpoints and the console's sign-in and password forms
share it: a guesser cannot get the limit once per door. The client address is the peer's, or
the one the trusted proxies name (TRUSTED_PROXIES, server.config); the counters live in
RATELIMIT_STORAGE_URI, which must be shared (Redis) when several workers or hosts serve."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app
from flask_limiter.util import get_remote_address

from server.extensions import limiter

SCOPE = "sign-in"


def sign_in_key(username: Any) -> str:
    """The counter of this client address and username (as the sign-in looks it up)."""
    name = username.strip() if isinstance(username, str) else ""
    return f"{get_remote_address()}|{name[:80]}"


def sign_in_limit(username: Callable[[], Any], **options: Any) -> Any:
    """The decorator counting a view's failed sign-ins (answered 401) in the shared count;
    `username` reads the name the request tries. Not counted per address alone: behind a
    shared NAT or a proxy not trusted, that count would let anyone lock everyone out."""
    return limiter.shared_limit(
        lambda: current_app.config["LOGIN_RATE_LIMIT"], scope=SCOPE,
        key_func=lambda: sign_in_key(username()),
        deduct_when=lambda response: response.status_code == 401, **options)
