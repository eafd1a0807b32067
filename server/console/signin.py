"""Sign-in and sign-out of the console, and the language switch."""

from __future__ import annotations

import secrets

from flask import redirect, render_template, request, session, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from server.auth import service as auth
from server.auth.policy import allowed
from server.console.password import sign_in_limit, temporary_password
from server.console.web import LANGUAGES, bp, fresh_session, page, safe_next
from server.errors import NotFound, PasswordChangeRequired, Unauthorized


@bp.route("/login", methods=["GET", "POST"])
@sign_in_limit
def login() -> Response | str | tuple[str, int]:
    """The sign-in form; a session is a device token of its own, so revoking it ends it.
    A temporary password (an administrator set it) leads to the change form instead."""
    if request.method == "GET":
        return render_template("console/login.html", next=request.args.get("next", ""))
    username = request.form.get("username", "").strip()
    try:
        issued = auth.issue_token(username, request.form.get("password", ""),
                                  f"console-{secrets.token_hex(8)}")
    except Unauthorized:
        return render_template("console/login.html", next=request.form.get("next", ""),
                               username=username,
                               failed=gettext("Unknown user, wrong password or disabled "
                                              "account.")), 401
    except PasswordChangeRequired:
        return temporary_password(username, request.form.get("next", ""))
    fresh_session(token=issued.access_token)  # a fresh session (and CSRF token) after sign-in
    return redirect(safe_next(request.form.get("next")), 303)


@bp.route("/logout", methods=["POST"])
@page()
def logout(actor) -> Response:
    """Sign out: the session's device token is revoked."""
    try:
        auth.revoke_device(actor, actor.device_id)
    except NotFound:
        pass  # already revoked elsewhere
    fresh_session()
    return redirect(url_for("console.login"), 303)


@bp.route("/language", methods=["POST"])
def language() -> Response:
    """Switch the console language (zh or en) and go back."""
    lang = request.form.get("lang")
    if lang in LANGUAGES:
        session["lang"] = lang
    return redirect(safe_next(request.form.get("next")), 303)


@bp.route("/", methods=["GET"])
@page()
def home(actor) -> Response:
    """The first page of a role: the map for supervisors, the case desk for legal staff."""
    if allowed(actor.role, "task.stats"):
        return redirect(url_for("console.map_page"))
    if allowed(actor.role, "case.read"):
        return redirect(url_for("console.cases"))
    return render_template("console/nothing.html")
