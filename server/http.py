"""Request rules: authentication first (401), accepted content types (415), body size (413),
JSON nesting depth and the NUL character (400); and the security headers of HTML pages."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from flask import Flask, Response, current_app, request
from werkzeug.exceptions import BadRequest

from server.auth.context import current_actor
from server.errors import problem_response

JSON_TYPES = frozenset({"application/json"})
FORM = "application/x-www-form-urlencoded"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
# U+0000 in text: PostgreSQL cannot store it, and no field of ours has a use for it.
NUL = "\x00"
NUL_REFUSED = "Text may not hold the NUL character (U+0000)."
SURROGATE_REFUSED = ("Text may not hold a lone UTF-16 surrogate (an escape such as \\ud800 "
                     "without its pair): it is no character, and no UTF-8 text can hold it.")
CHECKED_JSON = "enforcement.checked_json"  # WSGI environ: (the body,) once the rules read it


class NulRefused(BadRequest):
    """U+0000 in a console page's query or form: the console answers it as one of its pages."""

    description = NUL_REFUSED


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
        gate = _find(view, "turned_away")  # a console page: who may send it, before its body
        answer = gate() if gate is not None and request.method in BODY_METHODS else None
        if answer is not None:
            return answer
        key = _find(view, "body_limit_key")
        if key:
            request.max_content_length = current_app.config[key]
        if _nul_in_url_or_form():  # a form is read within the endpoint's size limit
            if request.blueprint == "console":
                raise NulRefused()
            return problem_response("bad-request", NUL_REFUSED)
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
        if request.mimetype in JSON_TYPES and has_body:
            return _check_json_depth(current_app.config["MAX_JSON_DEPTH"])
        return None

    @app.after_request
    def _html_headers(response: Response) -> Response:
        if response.mimetype == "text/html":
            for name, value in html_security_headers(current_app.config, app.debug).items():
                response.headers.setdefault(name, value)
        return response


def _nul_in_url_or_form() -> bool:
    """Whether the path, the query or a console form field holds U+0000 (API bodies are
    JSON, checked once parsed; multipart bodies are left to their endpoints)."""
    pairs = list(request.args.items(multi=True))
    if request.method in BODY_METHODS and request.mimetype == FORM \
            and not request.path.startswith("/api/"):
        pairs += request.form.items(multi=True)
    return NUL in request.path or any(NUL in k or NUL in v for k, v in pairs)


def json_shape(value: Any) -> tuple[int, bool]:
    """How deeply arrays and objects nest in a parsed JSON value, and whether a string or a key
    in it holds U+0000 (one iterative walk: no recursion)."""
    deepest, nul, stack = 0, False, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            nul = nul or NUL in item
        elif isinstance(item, dict):
            deepest = max(deepest, depth)
            nul = nul or any(NUL in key for key in item)
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in item)
    return deepest, nul


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def holds_lone_surrogate(value: Any) -> bool:
    """Whether a string or a key in a parsed JSON value holds a lone surrogate (the standard
    library reads an unpaired \\ud800 as one; orjson refuses it)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _LONE_SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


class _NotJSON(ValueError):
    """NaN or Infinity: Python's parser takes them, JSON (RFC 8259) has no such numbers."""


def _refuse_constant(name: str) -> Any:
    raise _NotJSON(name)


# orjson reads an integer beyond 64 bits as a float; a body with such a run of digits goes to
# the standard library's parser, which keeps it exact.
_LONG_DIGITS = re.compile(rb"\d{19}")
_UNREAD = object()


def _fast_parse(raw: bytes) -> Any:
    """The body read by orjson (UTF-8, strict RFC 8259, several times faster than json), or
    _UNREAD for what it reads differently or refuses (a long integer, UTF-16, a BOM, a lone
    surrogate, 1e400, nesting past 1024): the standard library decides those as before."""
    if _LONG_DIGITS.search(raw):
        return _UNREAD
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return _UNREAD


def checked_json() -> tuple[Any] | None:
    """(the body,) as the request rules read and checked it, so a view need not parse it again
    (see server/apidoc.py ApiParser); None when they did not read it as UTF-8 JSON."""
    return request.environ.get(CHECKED_JSON)


def _check_json_depth(limit: int) -> Response | None:
    """400 for a JSON body nested deeper than `limit` (before any view or parser recurses),
    or holding NaN, Infinity or U+0000, which no database column would keep as sent."""
    raw = request.get_data(cache=True)
    parsed = _fast_parse(raw)
    try:
        if parsed is _UNREAD:
            parsed = json.loads(raw, parse_constant=_refuse_constant)
            if holds_lone_surrogate(parsed):  # only here: orjson reads none
                return problem_response("bad-request", SURROGATE_REFUSED)
        else:
            request.environ[CHECKED_JSON] = (parsed,)  # a refusal below ends the request
    except RecursionError:
        return problem_response("bad-request",
                                f"The JSON body nests deeper than {limit} levels.")
    except _NotJSON as error:
        return problem_response("bad-request", f"The JSON body holds {error}, which is not a "
                                "JSON number (RFC 8259).")
    except ValueError:
        return None  # not JSON at all: the view's parser answers that
    depth, nul = json_shape(parsed)
    if depth > limit:
        return problem_response("bad-request",
                                f"The JSON body nests deeper than {limit} levels.")
    if nul:  # whatever the body's encoding (JSON may be UTF-16 or UTF-32)
        return problem_response("bad-request", NUL_REFUSED)
    return None


def html_security_headers(config: Mapping[str, Any], debug: bool) -> dict[str, str]:
    """The headers every HTML page gets; HSTS only outside debug (it sticks in browsers)."""
    headers = {
        "Content-Security-Policy": config["CONTENT_SECURITY_POLICY"],
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }
    if not debug:
        headers["Strict-Transport-Security"] = (
            f"max-age={config['HSTS_MAX_AGE']}; includeSubDomains")
    return headers
