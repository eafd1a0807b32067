"""The authenticated caller of the current request (bearer tokens)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, request

from server.auth import service
from server.auth.policy import Actor
from server.errors import Unauthorized

BEARER_DOC = {"security": [{"bearerAuth": []}]}


def current_actor() -> Actor:
    """The Actor behind the request's bearer token (401 if none)."""
    if "actor" not in g:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Send 'Authorization: Bearer <token>'.",
                               headers={"WWW-Authenticate": 'Bearer realm="api"'})
        try:
            g.actor = service.actor_for_token(token.strip())
        except Unauthorized as error:
            error.headers = {"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'}
            raise
    return g.actor


def authenticated(view: Callable[..., Any]) -> Callable[..., Any]:
    """Require a valid bearer token and pass the Actor as the first argument."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return view(current_actor(), *args, **kwargs)

    wrapper._apidoc = getattr(view, "_apidoc", {})  # keep flask-smorest's docs
    wrapper._apidoc.setdefault("manual_doc", {}).update(BEARER_DOC)
    return wrapper
