"""Use cases of account maintenance: read accounts in scope, create one, change it (name, role,
district, enforcement certificate, enabled), reset its password.

Who: administrators manage the accounts of their scope (a district admin their district, a
city admin everyone); supervisors read their district's accounts and change none (SECURITY.md,
"Who manages accounts"). `actor=None` is the command line: whoever runs it runs the server.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import Select, func, or_, select

from server.audit import service as audit
from server.auth import service as identity
from server.auth.models import User
from server.auth.passwords import password_notes
from server.auth.policy import CITY, ROLES, Actor, authorize, unknown_record
from server.auth.refusals import refused, said
from server.errors import Conflict, NotFound, ValidationFailed, VersionConflict
from server.extensions import db
from server.messages import Message
from server.registry import districts
from server.uow import unit_of_work

EDITABLE = ("display_name", "role", "district", "certificate_no", "certificate_expires", "active")


@dataclass(frozen=True)
class UserFilter:
    """List filters; None means no filter."""

    role: str | None = None
    district: str | None = None
    active: bool | None = None
    name: str | None = None
    certificate_expires_by: date | None = None  # a certificate ending on or before this day


@dataclass(frozen=True)
class PasswordReset:
    """A reset done: the generated password (None when chosen) exists only here."""

    user: User
    generated_password: str | None
    revoked_tokens: int


class PasswordChanged(Conflict):
    """A reset asked to replace a password the account no longer has (reset meanwhile)."""


def password_stamp(user: User) -> str:
    """Which password a reset means to replace: an HMAC of the stored hash under the server's
    secret, so a form can carry it (nothing of the password or its hash can be read back)."""
    secret = current_app.config["SECRET_KEY"]
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    message = b"password-reset\0" + user.id.bytes + user.password_hash.encode("utf-8")
    return hmac.new(key, message, "sha256").hexdigest()


def new_password() -> str:
    """A generated password (16 URL-safe characters), shown once and never stored."""
    return secrets.token_urlsafe(12)


def get_user(actor: Actor | None, user_id: uuid.UUID, *, lock: bool = False) -> User:
    """One account the caller may read, else NotFound (row-locked if `lock`)."""
    user = db.session.get(User, user_id, with_for_update=lock, populate_existing=lock)
    if user is None:
        raise unknown_record()
    if actor is not None:
        authorize(actor, "user.read", user.district)
    return user


def by_username(username: str) -> User:
    """The account with this username, else NotFound (the command line names accounts)."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"No user {username!r}.")
    return user


def _filtered(actor: Actor, filters: UserFilter) -> Select:
    query = select(User)
    if not actor.city_wide:
        query = query.where(User.district == actor.scope)
    if filters.role:
        query = query.where(User.role == filters.role)
    if filters.district:
        query = query.where(User.district == filters.district)
    if filters.active is not None:
        query = query.where(User.active.is_(filters.active))
    if filters.certificate_expires_by:
        query = query.where(User.certificate_expires <= filters.certificate_expires_by)
    if filters.name:
        wanted = filters.name.lower()
        query = query.where(or_(func.lower(User.username).contains(wanted, autoescape=True),
                                func.lower(User.display_name).contains(wanted,
                                                                       autoescape=True)))
    return query


def list_users(actor: Actor, filters: UserFilter, page: int,
               per_page: int) -> tuple[list[User], int]:
    """A page of the accounts in the caller's scope, by username, and the total count."""
    authorize(actor, "user.read")
    query = _filtered(actor, filters)
    items = db.session.scalars(query.order_by(User.username, User.id)
                               .limit(per_page).offset((page - 1) * per_page)).all()
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    return list(items), total or 0


def create_account(actor: Actor | None, fields: dict[str, Any],
                   password: str | None = None) -> tuple[User, str | None]:
    """Create an account (identity.create_user) with a temporary password, which its user
    changes at the first sign-in; (user, the generated password or None)."""
    generated = new_password() if password is None else None
    user = identity.create_user(
        fields["username"], fields["role"], fields["district"], password or generated or "",
        fields.get("display_name"), fields.get("certificate_no"),
        fields.get("certificate_expires"), actor=actor, must_change=True)
    return user, generated


def _problems(state: dict[str, Any]) -> dict[str, Message]:
    """Why the account, as it would be after the change, is not valid (a note per field)."""
    notes: dict[str, Message] = {}
    name = state["display_name"]
    if not isinstance(name, str) or not name.strip() or len(name) > 120:
        notes["display_name"] = said("account_field.display_name")
    if state["role"] not in ROLES:
        notes["role"] = said("account_field.role", roles=list(ROLES))
    district = state["district"]
    if district != CITY and not districts.exists(district):
        notes["district"] = said("account_field.district", district=district, city=CITY)
    number = state["certificate_no"]
    if number is not None and (not number.strip() or len(number) > 40):
        notes["certificate_no"] = said("account_field.certificate_no")
    if state["role"] == "inspector" and not (number and state["certificate_expires"]):
        notes["certificate_no"] = said("account_field.certificate_needed")
    if not isinstance(state["active"], bool):
        notes["active"] = said("account_field.active")
    return notes


def _may_change(actor: Actor | None, user: User, changed: dict[str, Any]) -> None:
    """Raise unless the actor may make these changes to this account."""
    if actor is None:
        return
    authorize(actor, "user.manage", user.district)
    if "district" in changed:  # moving someone out of your scope is not yours to do
        authorize(actor, "user.manage", changed["district"], exists_for_others=False)
    if user.id == actor.user_id:
        # Another administrator (or the command line) does it: an admin who disables,
        # demotes or moves themselves may leave nobody able to manage accounts.
        own = {k: said("account_field.own_account") for k in ("role", "district")
               if k in changed}
        if changed.get("active") is False:
            own["active"] = said("account_field.own_account")
        if own:
            raise refused(ValidationFailed, said("account.self"), own)


def _ends_tokens(changed: dict[str, Any]) -> bool:
    """Whether no token issued before this change may be used after it.

    Disabled: a disabled account's tokens are refused anyway, but they must end, or enabling
    it again would bring back a lost tablet's token. Role or district: every request rebuilds
    its Actor from the account, so the rights change at once; the tokens end all the same
    because a device was enrolled for the old job: a tablet keeps the user it was given at
    sign-in and the old district's records, a console session the old role's pages, and a
    request already running as the old role (an evidence upload checks `signed_in` before it
    commits) must not commit. The person signs in again, deliberately, for the new job.
    A name or a certificate changes nothing anyone may do: tokens stay, the officer row syncs.
    """
    return "role" in changed or "district" in changed or changed.get("active") is False


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def update_user(actor: Actor | None, user_id: uuid.UUID, version: int | None,
                changes: dict[str, Any]) -> User:
    """Change an account read at `version` (None: the command line, no check); audited.
    A disable, a role change or a move ends all the user's tokens (`_ends_tokens`)."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise refused(ValidationFailed, said("account.unchangeable"),
                      {name: said("account_field.not_changeable") for name in unknown})
    with unit_of_work() as session:
        user = get_user(actor, user_id, lock=True)
        changed = {k: v for k, v in changes.items() if getattr(user, k) != v}
        _may_change(actor, user, changed)
        if version is not None and user.version != version:
            raise refused(VersionConflict, said("account.stale", current=user.version,
                                                given=version), current_version=user.version)
        if not changed:
            return user
        if notes := _problems({k: getattr(user, k) for k in EDITABLE} | changed):
            raise refused(ValidationFailed, said("account.invalid"), notes)
        before = {k: getattr(user, k) for k in changed}
        for key, value in changed.items():
            setattr(user, key, value)  # the change log sees it: the `officer` a tablet pulls
        user.version += 1
        revoked = (identity.revoke_user_tokens(session, user.id) if _ends_tokens(changed)
                   else 0)
        action = {False: "user.disable", True: "user.enable"}.get(changed.get("active"),
                                                                  "user.update")
        audit.record(actor, action, "user", user.id, {
            "username": user.username, "version": user.version, "revoked_tokens": revoked,
            "changes": {k: [_plain(before[k]), _plain(v)] for k, v in sorted(changed.items())}})
    return user


def reset_password(actor: Actor | None, user_id: uuid.UUID, password: str | None = None,
                   *, replaces: str | None = None) -> PasswordReset:
    """Set a new password (generated when None) and end every token the user holds: a reset
    follows a forgotten or leaked password, and whoever signed in with the old one must not
    stay signed in. The password is temporary (its user changes it before any token is
    issued) unless administrators reset their own. Audited, never the password. `replaces`
    (a form's password_stamp): only if the account still has that password, else
    PasswordChanged and nothing is done, so a form sent again (a reload) never resets twice."""
    target = get_user(actor, user_id)
    if actor is not None:
        authorize(actor, "user.manage", target.district)
    generated = new_password() if password is None else None
    chosen = generated or password or ""
    if problems := password_notes(chosen):
        raise refused(ValidationFailed, said("password.unacceptable"), {"password": problems})
    hashed = identity.hash_new_password(chosen)  # outside the transaction: Argon2 is slow
    with unit_of_work() as session:
        user = get_user(actor, user_id, lock=True)
        if actor is not None:
            authorize(actor, "user.manage", user.district)
        if replaces is not None and not hmac.compare_digest(
                replaces.encode("utf-8"), password_stamp(user).encode("ascii")):
            raise refused(PasswordChanged, said("account.password_changed"))
        must_change = actor is None or actor.user_id != user.id
        user.password_hash, user.password_must_change = hashed, must_change
        revoked = identity.revoke_user_tokens(session, user.id)
        audit.record(actor, "user.password_reset", "user", user.id, {
            "username": user.username, "generated": generated is not None,
            "must_change": must_change, "revoked_tokens": revoked})
    return PasswordReset(user, generated, revoked)
