"""The web console: server-rendered pages for supervisors and legal staff under /console."""

from __future__ import annotations

import importlib
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app, request, session
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.wrappers import Response

from server.console import formatting, icon, places, web
from server.console.web import LANGUAGES, babel, bp, csrf, current_actor, in_console, nav_items
from server.errors import http_exception_problem

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
# The page groups, one module each; importing one adds its routes to `bp`.
PAGE_MODULES = (
    "server.console.signin",
    "server.console.password",
    "server.console.map_page",
    "server.console.enterprises",
    "server.console.enterprise_desk",
    "server.console.plans",
    "server.console.tasks",
    "server.console.cases",
    "server.console.case_detail",
    "server.console.violations",
    "server.console.record_forms",
    "server.console.deadline_forms",
    "server.console.daily_form",
    "server.console.violation_facts",
    "server.console.reports",
    "server.console.conflicts",
    "server.console.held",
    "server.console.accounts",
    "server.console.account_devices",
)


def _locale() -> str:
    """Chinese unless the user picked English (kept in the session)."""
    lang = session.get("lang")
    return lang if lang in LANGUAGES else "zh"


def tile_origin(url: str | None) -> str:
    """The scheme://host of a basemap tile URL, for the Content-Security-Policy."""
    if not url:
        return ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else ""


def _security_headers(response: Response) -> Response:
    """No framing, no sniffing, scripts and styles from this site only."""
    if not in_console():
        return response
    tiles = tile_origin(current_app.config.get("CONSOLE_TILE_URL"))
    if response.mimetype == "text/html":  # files (PDF, images) open in the browser's viewers
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; script-src 'self'; style-src 'self'; "
            f"img-src 'self' data:{' ' + tiles if tiles else ''}; connect-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if request.endpoint != "console.static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _not_routed(error: NotFound | MethodNotAllowed) -> Response:
    """A 404 or 405: the console's page for an address under /console no route answers;
    otherwise what the console's pages (their HTTPException handler) or the API answer."""
    answer = web.unrouted(error)
    if answer is not None:
        return answer
    return web.http_page(error) if request.blueprint == "console" else http_exception_problem(error)


def init_console(app: Flask) -> None:
    """Register the console: pages, translations, CSRF, cookie flags and security headers."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "zh")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    # CSRF is checked by the console blueprint only: the API authenticates with bearer tokens.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 8 * 3600)
    # Cookie flags come from server/config.py: HttpOnly, SameSite (Lax), Secure in production.
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    babel.init_app(app, locale_selector=_locale)
    csrf.init_app(app)
    for module in PAGE_MODULES:
        importlib.import_module(module)
    if "console" not in app.blueprints:
        app.register_blueprint(bp)
    icon.register(app)
    app.after_request(_security_headers)
    # app-wide: no blueprint's handler is asked when routing found no page
    app.register_error_handler(NotFound, _not_routed)
    app.register_error_handler(MethodNotAllowed, _not_routed)
    formatting.register(app)
    app.jinja_env.filters["district"] = places.district_name

    @app.context_processor
    def _console_context() -> dict:
        if not in_console():
            return {}
        return {"actor": current_actor(), "nav": nav_items(current_actor()),
                "languages": LANGUAGES, "lang": _locale()}
