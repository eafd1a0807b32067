"""DomainError family and the RFC 9457 problem+json handlers for every error."""

from __future__ import annotations

import errno
import logging
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from flask import Flask, Response, json, request
from sqlalchemy.exc import DataError, InterfaceError, OperationalError, PendingRollbackError
from werkzeug.exceptions import HTTPException

from server.messages import Message

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "/api/v1/problems/"

# slug -> (status, title, what it means); the slugs are stable and part of the API contract.
PROBLEM_TYPES: dict[str, tuple[int, str, str]] = {
    "bad-request": (400, "Bad request", "The request could not be read (e.g. malformed JSON)."),
    "unauthorized": (401, "Authentication required",
                     "No valid access token: missing, unknown, expired or revoked."),
    "forbidden": (403, "Not allowed", "Your role may not perform this action."),
    "password-change-required": (
        403, "Password change required",
        "Your password was set by an administrator and is temporary: no token is issued for "
        "it. Send it with a new password of your own to POST /api/v1/auth/password, which "
        "signs you in."),
    "not-found": (404, "Not found",
                  "No such resource, or it lies outside your district scope."),
    "method-not-allowed": (405, "Method not allowed", "The resource does not support this method."),
    "conflict": (409, "Conflict", "The request conflicts with the current state of the resource."),
    "version-conflict": (409, "Version conflict",
                         "The resource changed since you read it; reload and retry."),
    "gone": (410, "Gone", "The resource existed but is no longer kept (e.g. an expired export)."),
    "payload-too-large": (413, "Payload too large", "The request body exceeds the size limit."),
    "unsupported-media-type": (415, "Unsupported media type",
                               "The request body has a content type this endpoint does not take."),
    "validation-error": (422, "Validation failed",
                         "The request is well-formed but some fields are invalid; see errors."),
    "rate-limited": (429, "Too many requests", "Slow down; retry after the given delay."),
    "internal-error": (500, "Internal error",
                       "An unexpected error; it was logged with the given error_id."),
    "service-unavailable": (503, "Service unavailable", "A dependency is not available."),
    "insufficient-storage": (507, "Insufficient storage",
                             "The evidence store is full; nothing was kept; retry later."),
}

_STATUS_TO_SLUG = {
    400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found",
    405: "method-not-allowed", 409: "conflict", 410: "gone", 413: "payload-too-large",
    415: "unsupported-media-type", 422: "validation-error", 429: "rate-limited",
    500: "internal-error", 503: "service-unavailable", 507: "insufficient-storage",
}
STORAGE_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})
RETRY_AFTER_SECONDS = "5"
# the answer when a value got past the schemas but not the column (a gap in the validation)
DATABASE_REFUSED = ("The database refused a value as malformed or out of range for its field; "
                    "nothing was kept.")


class DomainError(Exception):
    """An expected failure of a use case, shown to the client as a problem."""

    slug = "bad-request"

    def __init__(
        self,
        detail: str,
        *,
        errors: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        message: Message | None = None,
        notes: Mapping[str, Message | Sequence[Message]] | None = None,
        **extra: Any,
    ):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers
        self.extra = extra
        # the detail and the field errors (one message or several each) as message keys,
        # for a page in the user's language
        self.message = message
        self.notes = dict(notes or {})

    @property
    def status(self) -> int:
        """HTTP status of this problem type."""
        return PROBLEM_TYPES[self.slug][0]


class ValidationFailed(DomainError):
    """Input broke a rule; `errors` is keyed by field."""

    slug = "validation-error"


class NotFound(DomainError):
    """No such record in the caller's scope."""

    slug = "not-found"


class Conflict(DomainError):
    """The state of the data forbids the change (e.g. a duplicate)."""

    slug = "conflict"


class VersionConflict(DomainError):
    """Optimistic locking: the client's version is stale."""

    slug = "version-conflict"


class Gone(DomainError):
    """The resource existed but is no longer kept."""

    slug = "gone"


class Unauthorized(DomainError):
    """No valid credentials."""

    slug = "unauthorized"


class Forbidden(DomainError):
    """The role may not do this (inside its scope)."""

    slug = "forbidden"


class PasswordChangeRequired(DomainError):
    """The right password, but one an administrator set: the user must choose their own."""

    slug = "password-change-required"


class ServiceUnavailable(DomainError):
    """A dependency (database, storage) is down."""

    slug = "service-unavailable"


def problem_response(
    slug: str,
    detail: str | None = None,
    *,
    status: int | None = None,
    errors: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """Build an application/problem+json response."""
    default_status, title, _ = PROBLEM_TYPES[slug]
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status or default_status,
        "detail": detail or title,
        "instance": request.path if request else None,
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = Response(json.dumps(body, ensure_ascii=False), status=body["status"],
                        mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _flatten_webargs(messages: Any) -> dict[str, Any]:
    """webargs nests messages by location ({"json": {...}}); clients want field keys."""
    if not isinstance(messages, dict):
        return {"_body": messages}
    flat: dict[str, Any] = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            flat.update(fields)
        else:
            flat[f"_{location}"] = fields
    return flat


def http_exception_problem(error: HTTPException) -> Response:
    """Render a werkzeug/flask-smorest HTTP error as a problem."""
    status = error.code or 500
    slug = _STATUS_TO_SLUG.get(status)
    data = getattr(error, "data", None) or {}
    errors = data.get("errors") or (
        _flatten_webargs(data["messages"]) if "messages" in data else None
    )
    headers = {k: v for k, v in (error.get_headers() or []) if k.lower() != "content-type"}
    detail = error.description if isinstance(error.description, str) else None
    if status == 400 and errors and "_json" in errors:
        detail = "The body is not valid JSON."
    if status == 429 and detail:  # the limiter says only its limit: "5 per 15 minute"
        detail = f"Too many requests: at most {detail}."
    if slug is None:  # a status we have no type for: RFC 9457 says about:blank
        body = {"type": "about:blank", "title": error.name, "status": status,
                "detail": detail or error.name}
        return Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON, headers=headers)
    if slug == "validation-error" and errors and not data.get("errors"):
        detail = "Some fields are invalid; see errors."
    return problem_response(slug, detail, status=status, errors=errors, headers=headers)


def register_error_handlers(app: Flask) -> None:
    """Every error leaves the server as problem+json; no stack trace reaches a client."""

    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> Response:
        return problem_response(error.slug, error.detail, errors=error.errors,
                                headers=error.headers, **error.extra)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        return http_exception_problem(error)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PendingRollbackError)
    def _database_down(error: Exception) -> Response:
        # A lost connection, a database restarting, SQLite's lock timeout, a transaction the
        # database already aborted: nothing was committed (the unit of work rolled back), so
        # the client can simply retry.
        log.warning("database unavailable on %s %s: %s", request.method, request.path,
                    str(error).splitlines()[0])
        return problem_response("service-unavailable",
                                "The database is not reachable at the moment; retry shortly.",
                                headers={"Retry-After": RETRY_AFTER_SECONDS})

    @app.errorhandler(DataError)
    def _data_refused(error: DataError) -> Response:
        # A value the schemas let through but the column cannot hold (a number out of its
        # range, say): the unit of work rolled back, so it is the client's to correct.
        log.warning("database refused a value on %s %s: %s", request.method, request.path,
                    str(error.orig).splitlines()[0] if error.orig else error)
        return problem_response("validation-error", DATABASE_REFUSED)

    @app.errorhandler(OSError)
    def _os_error(error: OSError) -> Response:
        if error.errno in STORAGE_FULL:
            log.error("storage full on %s %s: %s", request.method, request.path, error)
            return problem_response("insufficient-storage",
                                    "The evidence store is full; nothing of this request was "
                                    "kept. Retry once an operator has made room.",
                                    headers={"Retry-After": "300"})
        return _unexpected(error)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        error_id = str(uuid.uuid4())
        log.exception("unhandled error %s on %s %s", error_id, request.method, request.path)
        return problem_response("internal-error", "An unexpected error occurred.",
                                error_id=error_id)
