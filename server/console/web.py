"""The console blueprint, its sign-in session, and the decorator every page goes through."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import Babel, gettext, lazy_gettext
from flask_wtf.csrf import CSRFError, CSRFProtect
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, RequestEntityTooLarge
from werkzeug.wrappers import Response

from server.auth import service as auth
from server.auth.policy import Actor, allowed
from server.console.field_labels import label
from server.console.refusal import refusal
from server.errors import DomainError, Unauthorized
from server.http import NulRefused

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
               static_folder="static", static_url_path="/static")
babel = Babel()
csrf = CSRFProtect()

LANGUAGES = {"zh": "中文", "en": "English"}
# the list pages' query parameters of their pager (load_query)
PAGER_LABELS = {"page": lazy_gettext("Page"), "per_page": lazy_gettext("Per page")}
# (endpoint, label, action that shows the link) in the navigation bar
NAV = (
    ("console.map_page", "Map", "task.stats"),
    ("console.enterprises", "Enterprises", "enterprise.read"),
    ("console.plans", "Plans", "plan.read"),
    ("console.task_board", "Tasks", "task.assign"),
    ("console.conflicts", "Conflicts", "sync.conflict.read"),
    ("console.held", "Held edits", "sync.held.read"),
    ("console.violations", "Violations", "case.create"),
    ("console.cases", "Cases", "case.read"),
    ("console.reports", "Reports", "report.read"),
    ("console.accounts", "Accounts", "user.read"),
)


def current_actor() -> Actor | None:
    """The signed-in user of the console session, or None (revoked tokens end the session)."""
    if "console_actor" not in g:
        token = session.get("token")
        actor = None
        if token:
            try:
                actor = auth.actor_for_token(token)
            except Unauthorized:
                session.pop("token", None)
        g.console_actor = actor
    return g.console_actor


def fresh_session(**values: str) -> None:
    """Start the session afresh (a new CSRF token) holding `values`; the language stays."""
    lang = session.get("lang")
    session.clear()
    session.update(values)
    if lang:
        session["lang"] = lang


def page(action: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Require a console session (else redirect to sign-in) and, if given, a role allowed
    to do `action`; the Actor becomes the view's first argument."""

    def turned_away() -> Response | None:
        """The answer to a request without a session or by a role not allowed, else None."""
        actor = current_actor()
        if actor is None:
            return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
        if action is not None and not allowed(actor.role, action):
            return error_page(403, gettext("Your role may not open this page."))
        return None

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return turned_away() or view(current_actor(), *args, **kwargs)

        # server.http asks this before it reads a form's body (an import may be 32 MiB)
        wrapper.turned_away = turned_away  # type: ignore[attr-defined]
        return wrapper

    return decorate


def safe_next(target: str | None) -> str:
    """Only redirect to a console path of this site after sign-in (no open redirects)."""
    if target and target.startswith("/console/") and not urlsplit(target).netloc \
            and not target.startswith("//"):
        return target
    return url_for("console.home")


def error_page(status: int, detail: str, errors: dict[str, Any] | None = None) -> Response:
    """An HTML error page with the given status; fields named by the labels of the page's
    own inputs when it read its query with load_query, else by the console's field labels."""
    own = g.get("query_labels", {})
    body = render_template("console/error.html", status=status, detail=detail,
                           errors=errors or {},
                           labels={field: str(own.get(field) or label(field))
                                   for field in errors or {}})
    return current_app.response_class(body, status=status, mimetype="text/html")


@bp.errorhandler(DomainError)
@bp.errorhandler(ValidationError)
def _refused(error: DomainError | ValidationError) -> Response:
    """A refusal as a page, in the user's language when it carries its message keys."""
    return error_page(*refusal(error))


@bp.errorhandler(CSRFError)
def _csrf(error: CSRFError) -> Response:
    return error_page(400, gettext("The form expired or was not sent from this site; "
                                   "reload the page and try again."))


@bp.errorhandler(NulRefused)
def _nul(error: NulRefused) -> Response:
    """U+0000 typed or pasted into a field (or an address): said in the user's language."""
    return error_page(400, gettext("The form or the address holds the invisible NUL character "
                                   "(U+0000), which no text may hold: remove it (type or "
                                   "paste the text again as plain text) and try again."))


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge) -> Response:
    """A form with files beyond the page's body limit: nothing of it could be read."""
    limit = request.max_content_length or current_app.config["MAX_CONTENT_LENGTH"]
    return error_page(413, gettext("The files sent are larger than %(limit)s MiB, the most "
                                   "this form takes: choose smaller files and send it again.",
                                   limit=f"{limit / 2**20:g}"))


@bp.errorhandler(HTTPException)
def http_page(error: HTTPException) -> Response:
    """An HTTP error of a console page (a missing static file, say) as a page."""
    return error_page(error.code or 500, error.description or error.name)


def in_console() -> bool:
    """Whether the request is the console's: one of its routes, or an address under /console
    that no route answers (a stale link, a mistyped address, a method a page does not take)."""
    if request.url_rule is not None:
        return request.blueprint == "console"
    prefix = bp.url_prefix or ""
    return request.path == prefix or request.path.startswith(prefix + "/")


def unrouted(error: NotFound | MethodNotAllowed) -> Response | None:
    """The console's page for an address under /console that no route answers, in the
    user's language; None when the request is not that (another handler answers it)."""
    if request.url_rule is not None or not in_console():
        return None
    if isinstance(error, MethodNotAllowed):
        answer = error_page(405, gettext("This page does not take this kind of request "
                                         "(%(method)s): open it from its link, or send its "
                                         "form from the page.", method=request.method))
        for name, value in error.get_headers():
            if name.lower() == "allow":
                answer.headers[name] = value
        return answer
    return error_page(404, gettext("There is no page at this address: the link may be out "
                                   "of date or the address mistyped. Go back, or open the "
                                   "page from the menu."))


@bp.before_request
def _protect() -> None:
    """Every console form carries a CSRF token (API routes use bearer tokens instead)."""
    csrf.protect()


def nav_items(actor: Actor | None) -> list[tuple[str, str]]:
    """The navigation links the actor's role may use."""
    if actor is None:
        return []
    return [(endpoint, label) for endpoint, label, action in NAV if allowed(actor.role, action)]


def submit(save: Callable[[], Any],
           again: Callable[[DomainError | ValidationError], Any]) -> Any:
    """Run a form's `save`; when it is refused as invalid or conflicting (422, 409), answer
    `again(error)`: the form shown again with what was typed and why. Other errors propagate."""
    try:
        return save()
    except (DomainError, ValidationError) as error:
        if isinstance(error, DomainError) and error.status not in (409, 422):
            raise
        return again(error)


def load(schema: Any, source: Any, *, lists: tuple[str, ...] = (),
         extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Parse a query string or form with the API's own schema (empty fields left out);
    `lists` names fields sent several times (checkboxes, multiple selects), `extra` the
    fields the page built from several inputs (they replace the inputs' own)."""
    data: dict[str, Any] = {k: v for k, v in source.items() if v != "" and k != "csrf_token"}
    data.update(extra or {})
    for name in lists:
        values = [v for v in source.getlist(name) if v != ""]
        if values:
            data[name] = values
        else:
            data.pop(name, None)
    return schema.load(data)


def load_query(schema: Any, labels: Mapping[str, Any]) -> dict[str, Any]:
    """A list page's filters from its query string (as `load` reads them); a refusal of them
    (a query edited by hand), by the schema or by the service that reads them, names each
    filter by the label of the page's own input (`labels`; page and per_page the pager's),
    never by the parameter's name. A parameter the page does not read is ignored, as pages
    on the web do."""
    g.query_labels = {**PAGER_LABELS, **labels}
    known = {field.data_key or name for name, field in schema.load_fields.items()}
    return load(schema, MultiDict([(k, v) for k, v in request.args.items(multi=True)
                                   if k in known]))  # others (a tracker's utm_*) left aside


def page_count(total: int, per_page: int) -> int:
    """How many pages a list of `total` rows takes (at least one, for an empty list)."""
    return max(1, -(-total // per_page))
