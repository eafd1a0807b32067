"""Per-endpoint request rules: authentication first (401), then accepted content types (415)
and body size limits (413)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, request

from server.auth.context import current_actor
from server.errors import problem_response

JSON_TYPES = frozenset({"application/json"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def accepts(*content_types: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare the request content types an endpoint takes (default: JSON only)."""

    def mark(view: Callable[..., Any]) -> Callable[..., Any]:
        view.accepted_content_types = frozenset(content_types)
        return view

    return mark


def body_limit(config_key: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Give an endpoint its own body size limit, read from the named config setting."""

    def mark(view: Callable[..., Any]) -> Callable[..., Any]:
        view.body_limit_key = config_key
        return view

    return mark


def _find(view: Any, attribute: str) -> Any:
    """Look through decorator wrappers (functools.wraps keeps __wrapped__)."""
    while view is not None:
        if hasattr(view, attribute):
            return getattr(view, attribute)
        view = getattr(view, "__wrapped__", None)
    return None


def register_request_rules(app: Flask) -> None:
    """Install the checks that run before every API view."""

    @app.before_request
    def _check_body():
        view = app.view_functions.get(request.endpoint or "")
        if view is None:
            return None
        if _find(view, "requires_bearer"):
            current_actor()  # 401 for a missing or revoked token comes before any 413/415/422
        key = _find(view, "body_limit_key")
        if key:
            request.max_content_length = current_app.config[key]
        if request.method not in BODY_METHODS or not request.path.startswith("/api/"):
            return None
        accepted = _find(view, "accepted_content_types") or JSON_TYPES
        has_body = bool(request.content_length) or "chunked" in request.headers.get(
            "Transfer-Encoding", "")
        if request.mimetype not in accepted and (has_body or request.mimetype):
            return problem_response(
                "unsupported-media-type",
                f"This endpoint takes {', '.join(sorted(accepted))}, not "
                f"{request.mimetype or 'an untyped body'}.",
                headers={"Accept-Post": ", ".join(sorted(accepted))})
        return None
