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
ADDRESS_SCOPE = "sign-in-address"


def sign_in_key(username: Any) -> str:
    """The counter of this client address and username (as the sign-in looks it up)."""
    name = username.strip() if isinstance(username, str) else ""
    return f"{get_remote_address()}|{name[:80]}"


def sign_in_limit(username: Callable[[], Any], **options: Any) -> Callable[[Any], Any]:
    """The decorator counting a view's failed sign-ins (answered 401) in the shared counts:
    per address and username (`username` reads the name the request tries), and per address
    alone with a wider limit, so trying many usernames from one address is limited too (each
    try costs a password hash)."""
    def failed(response: Any) -> bool:
        return response.status_code == 401

    per_user = limiter.shared_limit(
        lambda: current_app.config["LOGIN_RATE_LIMIT"], scope=SCOPE,
        key_func=lambda: sign_in_key(username()), deduct_when=failed, **options)
    per_address = limiter.shared_limit(
        lambda: current_app.config["LOGIN_ADDRESS_RATE_LIMIT"], scope=ADDRESS_SCOPE,
        key_func=get_remote_address, deduct_when=failed, **options)
    return lambda view: per_address(per_user(view))
