"""User accounts: administrators list, create, edit and reset the accounts of their scope;
supervisors read their district's. server/auth/accounts.py decides, versions and audits."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from marshmallow import ValidationError

from schemas.users import ROLES, UserCreateSchema, UserListQuerySchema, UserUpdateSchema
from server import clock
from server.auth import accounts, user_devices
from server.auth.certificates import WARNING_DAYS, certificate_state, days_left
from server.auth.models import User
from server.auth.policy import CITY, Actor, allowed
from server.console.refusal import refusal
from server.console.web import bp, load_query, page, page_count, submit
from server.errors import DomainError, VersionConflict
from server.registry import districts

PER_PAGE = 50
FIELDS = ("display_name", "role", "district", "certificate_no", "certificate_expires", "active")
NULLABLE = ("certificate_no", "certificate_expires")  # a blank input clears them
LABELS = {"display_name": "Display name", "role": "Role", "district": "District",
          "certificate_no": "Certificate number", "certificate_expires": "Certificate expires",
          "active": "Status"}
NO_STORE = {"Cache-Control": "no-store"}
# the query's filters by the labels of the page's inputs (a refused one is named so)
FILTERS = {"name": lazy_gettext("Username or name contains"), "role": lazy_gettext("Role"),
           "district": lazy_gettext("District"), "active": lazy_gettext("Status")}


def account_body(form: Mapping[str, str]) -> dict[str, Any]:
    """The form in the shape of the API's account bodies: blank certificate inputs clear the
    certificate (null), other blank inputs are left out."""
    body: dict[str, Any] = {}
    for name in ("username", *FIELDS, "version"):
        if name in form:
            value = form[name].strip()
            if value:
                body[name] = value
            elif name in NULLABLE:
                body[name] = None
    return body


def form_values(user: User) -> dict[str, str]:
    """The account as the edit form's inputs hold it."""
    expires = user.certificate_expires
    return {"display_name": user.display_name, "role": user.role, "district": user.district,
            "certificate_no": user.certificate_no or "",
            "certificate_expires": expires.isoformat() if expires else "",
            "active": "true" if user.active else "false", "version": str(user.version)}


def _shown(name: str, value: str) -> str:
    """A form value as the page says it."""
    if name == "role" and value:
        return gettext(value)
    if name == "active":
        return gettext("Active") if value == "true" else gettext("Disabled")
    return value or "—"


def differences(typed: Mapping[str, str], user: User) -> list[tuple[str, str, str]]:
    """(label, typed, saved) for each field where the refused form differs from the account."""
    saved = form_values(user)
    return [(gettext(LABELS[name]), _shown(name, typed[name].strip()),
             _shown(name, saved[name])) for name in FIELDS
            if name in typed and typed[name].strip() != saved[name]]


def _districts(actor: Actor) -> list[tuple[str, str, str]]:
    """(code, Chinese name, English name) of the districts an account of the scope may have."""
    found = [(d.code, d.name, d.name_en) for d in districts.list_districts()
             if actor.city_wide or d.code == actor.scope]
    whole = gettext("Whole city")
    return [(CITY, whole, whole), *found] if actor.city_wide else found


def _certificates(rows: list[User]) -> dict[uuid.UUID, tuple[str, int | None]]:
    """Each account's certificate state and days left, as of today in Shanghai."""
    today = clock.today_shanghai()
    return {row.id: (certificate_state(row.certificate_expires, today),
                     days_left(row.certificate_expires, today)) for row in rows}


def _list_page(actor: Actor, typed: Mapping[str, str] | None = None,
               refused: DomainError | ValidationError | None = None) -> Response:
    """The accounts of the scope, filtered and paged, with the creation form for admins."""
    query = load_query(UserListQuerySchema(), FILTERS)
    filters = accounts.UserFilter(**{k: query.get(k) for k in ("role", "district", "active",
                                                              "name")})
    rows, total = accounts.list_users(actor, filters, query["page"], PER_PAGE)
    soon = clock.today_shanghai() + timedelta(days=WARNING_DAYS)
    _, expiring = accounts.list_users(actor, accounts.UserFilter(
        active=True, certificate_expires_by=soon), 1, 1)
    status, detail, errors = refusal(refused) if refused else (200, None, {})
    body = render_template(
        "console/accounts.html", rows=rows, total=total, page=query["page"],
        pages=page_count(total, PER_PAGE), query=query, roles=ROLES,
        districts=_districts(actor), certificates=_certificates(rows), expiring=expiring,
        warning_days=WARNING_DAYS, may_manage=allowed(actor.role, "user.manage"),
        values=typed or {}, refused=detail, field_errors=errors)
    return Response(body, status=status, mimetype="text/html")


def _account_page(actor: Actor, user_id: uuid.UUID, typed: Mapping[str, str] | None = None,
                  refused: DomainError | ValidationError | None = None) -> Response:
    """One account; after a refused change the form keeps what was typed and says why, and
    after a version conflict it holds the account as it is now beside what was typed."""
    user = accounts.get_user(actor, user_id)
    conflict = isinstance(refused, VersionConflict)
    status, detail, errors = refusal(refused) if refused else (200, None, {})
    # after a conflict the form starts again from the account as saved now, at its version;
    # after another refusal it keeps the version typed, so a save still detects a conflict
    values = form_values(user) if conflict or typed is None else dict(typed)
    may_manage = allowed(actor.role, "user.manage")
    body = render_template(
        "console/account.html", user=user, values=values, roles=ROLES,
        districts=_districts(actor), certificate=_certificates([user])[user.id],
        may_manage=may_manage, stamp=accounts.password_stamp(user) if may_manage else None,
        devices=user_devices.live_devices(actor, user_id)
        if allowed(actor.role, "device.revoke_for_others") else None,
        conflict=differences(typed or {}, user) if conflict else None,
        refused=None if conflict else detail, field_errors={} if conflict else errors)
    return Response(body, status=status, mimetype="text/html")


def _password_page(user: User, password: str | None, created: bool,
                   revoked: int = 0) -> Response:
    """The generated password, shown this once: never stored, cached or flashed."""
    body = render_template("console/password_once.html", user=user, password=password,
                           created=created, revoked=revoked)
    return Response(body, status=201 if created else 200, mimetype="text/html",
                    headers=NO_STORE)


def _not_reset_again(actor: Actor, user_id: uuid.UUID, refused: DomainError) -> Response:
    """A reset form sent again (a reload of the new password's page): nothing was reset; the
    page says so and offers a fresh form to reset it once more."""
    user = accounts.get_user(actor, user_id)
    status, detail, _ = refusal(refused)
    body = render_template("console/password_again.html", user=user, refused=detail,
                           stamp=accounts.password_stamp(user))
    return Response(body, status=status, mimetype="text/html")


@bp.route("/accounts", methods=["GET"], endpoint="accounts")
@page("user.read")
def accounts_page(actor: Actor) -> Response:
    """The accounts of the scope (admins also get the creation form)."""
    return _list_page(actor)


@bp.route("/accounts", methods=["POST"])
@page("user.manage")
def create_account(actor: Actor) -> Response:
    """Create an account with a generated password, shown once on the page answered."""
    def save() -> Response:
        body = UserCreateSchema().load(account_body(request.form))
        user, generated = accounts.create_account(actor, body)
        return _password_page(user, generated, created=True)

    return submit(save, lambda error: _list_page(actor, request.form, error))


@bp.route("/accounts/<uuid:user_id>", methods=["GET"])
@page("user.read")
def account(actor: Actor, user_id: uuid.UUID) -> Response:
    """One account: read-only for supervisors, the edit and reset forms for admins."""
    return _account_page(actor, user_id)


@bp.route("/accounts/<uuid:user_id>", methods=["POST"])
@page("user.manage")
def update_account(actor: Actor, user_id: uuid.UUID) -> Response:
    """Save the edit form against the version it was read at."""
    def save() -> Response:
        body = UserUpdateSchema().load(account_body(request.form))
        version = body.pop("version")
        accounts.update_user(actor, user_id, version, body)
        flash(gettext("The account was saved."))
        return redirect(url_for("console.account", user_id=user_id), 303)

    return submit(save, lambda error: _account_page(actor, user_id, request.form, error))


@bp.route("/accounts/<uuid:user_id>/password", methods=["POST"])
@page("user.manage")
def reset_password(actor: Actor, user_id: uuid.UUID) -> Response:
    """Reset the password to a generated one, shown once; every session of the user ends.
    The form names the password it replaces: sent again, it resets nothing."""
    try:
        reset = accounts.reset_password(actor, user_id,
                                        replaces=request.form.get("replaces", ""))
    except accounts.PasswordChanged as refused:
        return _not_reset_again(actor, user_id, refused)
    return _password_page(reset.user, reset.generated_password, created=False,
                          revoked=reset.revoked_tokens)
