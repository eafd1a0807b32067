"""Use cases of identity: users, sign-in, device tokens, revocation."""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.auth.models import DeviceToken, User
from server.auth.passwords import hash_password, password_notes, verify_password
from server.auth.policy import CITY, ROLES, Actor, allowed, authorize, in_scope
from server.auth.refusals import Note, refused, said
from server.clock import utcnow
from server.errors import (
    Conflict,
    NotFound,
    PasswordChangeRequired,
    Unauthorized,
    ValidationFailed,
)
from server.extensions import db
from server.registry import districts
from server.uow import unit_of_work

log = logging.getLogger(__name__)

# Verified against when the username is unknown, so both paths cost one Argon2 verification.
_DUMMY_HASH: dict[str, str] = {}


@dataclass(frozen=True)
class IssuedToken:
    """A freshly issued token; the plain value exists only here, never in the database."""

    access_token: str
    expires_at: datetime
    device_id: str
    user: User


def token_digest(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _params() -> dict[str, int]:
    return current_app.config["PASSWORD_HASH"]


def system_actor(user: User, device_id: str | None = None) -> Actor:
    """The Actor of a user (for the CLI and for token holders)."""
    return Actor(user.id, user.username, user.role, user.district, device_id)


def active_actor(user_id: uuid.UUID, device_id: str | None = None) -> Actor | None:
    """The Actor of work queued for a user, as the user is now; None once disabled."""
    user = db.session.get(User, user_id)
    return system_actor(user, device_id) if user is not None and user.active else None


def create_user(
    username: str,
    role: str,
    district: str,
    password: str,
    display_name: str | None = None,
    certificate_no: str | None = None,
    certificate_expires: date | None = None,
    actor: Actor | None = None,
    must_change: bool = False,
) -> User:
    """Create a user; inspectors need an enforcement certificate (执法证). `must_change`: the
    password is temporary (someone else chose it), to be changed at the first sign-in."""
    notes: dict[str, Note] = {}
    if not username or len(username) > 80 or not username.replace("_", "").replace(
        ".", "").replace("-", "").isalnum():
        notes["username"] = said("account_field.username")
    if role not in ROLES:
        notes["role"] = said("account_field.role", roles=list(ROLES))
    if district != CITY and not districts.exists(district):
        notes["district"] = said("account_field.district", district=district, city=CITY)
    if problems := password_notes(password):
        notes["password"] = problems
    if role == "inspector" and not (certificate_no and certificate_expires):
        notes["certificate_no"] = said("account_field.certificate_needed")
    if notes:
        raise refused(ValidationFailed, said("account.invalid"), notes)
    if actor is not None:
        authorize(actor, "user.manage", district, exists_for_others=False)
    with unit_of_work() as session:
        if session.scalar(select(User.id).where(User.username == username)):
            raise refused(Conflict, said("account.exists", username=username))
        user = User(username=username, role=role, district=district,
                    display_name=display_name or username, certificate_no=certificate_no,
                    certificate_expires=certificate_expires,
                    password_hash=hash_password(_params(), password),
                    password_must_change=must_change)
        session.add(user)
        session.flush()
        audit.record(actor, "user.create", "user", user.id,
                     {"username": username, "role": role, "district": district,
                      "must_change": must_change})
    return user


def list_users() -> list[User]:
    """All users, by username."""
    return list(db.session.scalars(select(User).order_by(User.username)))


def display_names(user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The display names of the named users that exist."""
    wanted = set(user_ids)
    if not wanted:
        return {}
    return dict(db.session.execute(select(User.id, User.display_name)
                                   .where(User.id.in_(wanted))).all())


def disable_user(username: str, actor: Actor | None = None) -> User:
    """Disable a user and revoke every token they hold (server.auth.accounts.update_user)."""
    from server.auth import accounts  # accounts builds on this module

    return accounts.update_user(actor, accounts.by_username(username).id, None,
                                {"active": False})


def hash_new_password(password: str) -> str:
    """The stored form of a new password (Argon2id at the configured cost)."""
    return hash_password(_params(), password)


def _check_password(user: User | None, password: str) -> bool:
    if user is None:
        if "hash" not in _DUMMY_HASH:
            _DUMMY_HASH["hash"] = hash_password(_params(), secrets.token_hex(16))
        verify_password(_params(), _DUMMY_HASH["hash"], password)
        return False
    return verify_password(_params(), user.password_hash, password)


FAILED_SIGN_IN = "Unknown user, wrong password or disabled account."


def _proven_user(session: Session, username: str, password: str, device_id: str) -> User:
    """The active user these credentials prove, else Unauthorized (one answer for all)."""
    user = session.scalar(select(User).where(User.username == username))
    if not _check_password(user, password) or user is None or not user.active:
        log.warning("failed sign-in for %r on device %r", username[:80], device_id[:80])
        raise Unauthorized(FAILED_SIGN_IN)
    return user


def _issue(session: Session, user: User, device_id: str) -> IssuedToken:
    """A new token for the user on the device, its previous one there revoked; audited."""
    now = utcnow()
    session.execute(update(DeviceToken).where(
        DeviceToken.user_id == user.id, DeviceToken.device_id == device_id,
        DeviceToken.revoked_at.is_(None)).values(revoked_at=now))
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(hours=current_app.config["TOKEN_TTL_HOURS"])
    session.add(DeviceToken(user_id=user.id, device_id=device_id,
                            token_hash=token_digest(token), issued_at=now,
                            expires_at=expires))
    audit.record(system_actor(user, device_id), "auth.token_issue", "device", device_id)
    return IssuedToken(token, expires, device_id, user)


def issue_token(username: str, password: str, device_id: str) -> IssuedToken:
    """Sign a user in on a device: one live token per (user, device), older ones revoked.
    A password an administrator set gets none: PasswordChangeRequired (change_password)."""
    with unit_of_work() as session:
        user = _proven_user(session, username, password, device_id)
        if user.password_must_change:
            raise PasswordChangeRequired(
                "Your password was set by an administrator and is temporary: send it with a "
                "new password of your own to POST /api/v1/auth/password (username, password, "
                "new_password, device_id), which signs you in.")
        issued = _issue(session, user, device_id)
    return issued


def revoke_user_tokens(session: Session, user_id: uuid.UUID) -> int:
    """End every live token of the user; how many there were."""
    result = session.execute(update(DeviceToken).where(
        DeviceToken.user_id == user_id, DeviceToken.revoked_at.is_(None))
        .values(revoked_at=utcnow()))
    return result.rowcount or 0


def change_password(username: str, password: str, new_password: str,
                    device_id: str) -> IssuedToken:
    """Prove the current password (temporary or not), set one's own and sign in on the device;
    every other token of the user ends. Audited (`forced`: the old one was temporary)."""
    with unit_of_work() as session:
        user = _proven_user(session, username, password, device_id)
        user_id, proven_hash = user.id, user.password_hash
    notes = password_notes(new_password)
    if new_password == password:
        notes.append(said("password_field.same"))
    if notes:
        raise refused(ValidationFailed, said("password.unacceptable"), {"new_password": notes})
    hashed = hash_new_password(new_password)  # outside the transaction: Argon2 is slow
    with unit_of_work() as session:
        user = session.get(User, user_id, with_for_update=True, populate_existing=True)
        if user is None or not user.active or user.password_hash != proven_hash:
            raise Unauthorized(FAILED_SIGN_IN)  # reset or disabled meanwhile
        forced = user.password_must_change
        user.password_hash, user.password_must_change = hashed, False
        revoked = revoke_user_tokens(session, user.id)
        audit.record(system_actor(user, device_id), "user.password_change", "user", user.id,
                     {"username": user.username, "forced": forced, "revoked_tokens": revoked})
        issued = _issue(session, user, device_id)
    return issued


def actor_for_token(token: str) -> Actor:
    """Resolve a bearer token to its Actor, or raise Unauthorized."""
    row = db.session.execute(
        select(DeviceToken, User).join(User).where(DeviceToken.token_hash == token_digest(token))
    ).first()
    if row is None:
        raise Unauthorized("Unknown access token.")
    device_token, user = row
    if device_token.revoked_at is not None:
        raise Unauthorized("This access token was revoked.")
    if device_token.expires_at <= utcnow():
        raise Unauthorized("This access token has expired; sign in again.")
    if not user.active:
        raise Unauthorized("This account is disabled.")
    if user.password_must_change:  # a token issued on the old password while a reset ran
        raise Unauthorized("The password of this account must be changed first.")
    return system_actor(user, device_token.device_id)


def signed_in(actor: Actor) -> bool:
    """Whether the actor's account is active and their device still holds a live token (a
    long request re-checks this before it commits: the token may be revoked meanwhile)."""
    return db.session.scalar(select(DeviceToken.id).join(User).where(
        DeviceToken.user_id == actor.user_id, DeviceToken.device_id == actor.device_id,
        DeviceToken.revoked_at.is_(None), DeviceToken.expires_at > utcnow(),
        User.active.is_(True), User.password_must_change.is_(False)).limit(1)) is not None


def list_devices(actor: Actor) -> list[DeviceToken]:
    """The caller's live device tokens."""
    authorize(actor, "device.read")
    return list(db.session.scalars(
        select(DeviceToken).where(DeviceToken.user_id == actor.user_id,
                                  DeviceToken.revoked_at.is_(None),
                                  DeviceToken.expires_at > utcnow())
        .order_by(DeviceToken.issued_at.desc())))


def revoke_device(actor: Actor, device_id: str) -> int:
    """Revoke every live token of a device: the caller's own, or (supervisors, admins)
    those of users in their scope. Returns how many were revoked; 404 if none were visible."""
    authorize(actor, "device.revoke")
    with unit_of_work() as session:
        query = select(DeviceToken).join(User).where(DeviceToken.device_id == device_id,
                                                     DeviceToken.revoked_at.is_(None))
        tokens = session.scalars(query).all()
        visible = [t for t in tokens if t.user_id == actor.user_id or _may_revoke_for(actor, t)]
        if not visible:
            raise NotFound(f"No live tokens for device {device_id!r} in your scope.")
        revoke_tokens(actor, device_id, visible)
    return len(visible)


def revoke_tokens(actor: Actor, device_id: str, tokens: list[DeviceToken]) -> None:
    """End the device's tokens now, audited (inside the caller's unit of work)."""
    now = utcnow()
    for token in tokens:
        token.revoked_at = now
    audit.record(actor, "auth.device_revoke", "device", device_id,
                 {"tokens": len(tokens), "users": sorted({str(t.user_id) for t in tokens})})


def _may_revoke_for(actor: Actor, token: DeviceToken) -> bool:
    return allowed(actor.role, "device.revoke_for_others") and in_scope(actor, token.user.district)
