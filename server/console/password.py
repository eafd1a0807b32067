"""Changing one's own password on the console: where a sign-in with a temporary password (one
an administrator set) leads, and what any user may use. It signs the user in; no other page
opens before, since no session exists until the password is the user's own."""

from __future__ import annotations

import secrets
from typing import Any

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from server.auth import service as auth
from server.auth import throttle
from server.auth.passwords import MIN_LENGTH
from server.console.refusal import refusal
from server.console.web import bp, current_actor, fresh_session, safe_next
from server.errors import Unauthorized, ValidationFailed

PENDING = "password_change_for"  # session: the username whose temporary password just worked


def _username() -> str:
    """The username as typed (the throttle counts what the change looks up)."""
    return request.form.get("username", "").strip()


# the sign-in form and this one count failed sign-ins with the API's endpoints (one count)
sign_in_limit = throttle.sign_in_limit(_username, methods=["POST"])


def _form(status: int = 200, **shown: Any) -> Response:
    """The change form (never holding a password), with why the last try was refused."""
    actor = current_actor()
    username = shown.pop("username", None) or session.get(PENDING) or (
        actor.username if actor else "")
    body = render_template("console/password.html", username=username,
                           temporary=session.get(PENDING) == username, min_length=MIN_LENGTH,
                           next=shown.pop("next", request.args.get("next", "")), **shown)
    return current_app.response_class(body, status=status, mimetype="text/html",
                                      headers={"Cache-Control": "no-store"})


def temporary_password(username: str, next_page: str) -> Response:
    """After a sign-in with a temporary password: to the change form, nowhere else."""
    fresh_session(**{PENDING: username})  # any session there was ends: not signed in yet
    return redirect(url_for("console.change_password", next=next_page or None), 303)


@bp.route("/password", methods=["GET", "POST"], endpoint="change_password")
@sign_in_limit
def change_password() -> Response:
    """Prove the current password, choose a new one, and be signed in with it; every other
    session and token of the user ends."""
    if request.method == "GET":
        return _form()
    username, next_page = _username(), request.form.get("next", "")
    new = request.form.get("new_password", "")
    if new != request.form.get("confirm_password", ""):
        return _form(422, username=username, next=next_page,
                     errors={"confirm_password": [gettext("The two new passwords differ.")]})
    try:
        issued = auth.change_password(username, request.form.get("password", ""), new,
                                      f"console-{secrets.token_hex(8)}")
    except Unauthorized:
        return _form(401, username=username, next=next_page,
                     failed=gettext("Unknown user, wrong password or disabled account."))
    except ValidationFailed as error:
        _status, _message, errors = refusal(error)  # the password rules, in the user's language
        return _form(422, username=username, next=next_page, errors=errors)
    fresh_session(token=issued.access_token)  # as after a sign-in
    flash(gettext("Your password was changed; you are signed in with it."))
    return redirect(safe_next(next_page), 303)
