"""An account's devices as a supervisor or administrator sees them: the live device tokens
of one user of their scope, and revoking one (a lost tablet stops working at once)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from server.auth import service as identity
from server.auth.accounts import get_user
from server.auth.models import DeviceToken
from server.auth.policy import Actor, authorize
from server.auth.refusals import refused, said
from server.clock import utcnow
from server.errors import NotFound
from server.extensions import db
from server.uow import unit_of_work


def live_devices(actor: Actor, user_id: uuid.UUID) -> list[DeviceToken]:
    """The user's live device tokens, newest first (the user must be in the caller's scope)."""
    authorize(actor, "device.revoke_for_others")
    user = get_user(actor, user_id)
    return list(db.session.scalars(
        select(DeviceToken).where(DeviceToken.user_id == user.id,
                                  DeviceToken.revoked_at.is_(None),
                                  DeviceToken.expires_at > utcnow())
        .order_by(DeviceToken.issued_at.desc())))


def revoke_user_device(actor: Actor, user_id: uuid.UUID, device_id: str) -> int:
    """Revoke the user's live tokens on one device (only theirs: another account signed in on
    the same tablet keeps its own); NotFound when the user holds none there."""
    authorize(actor, "device.revoke_for_others")
    with unit_of_work() as session:
        user = get_user(actor, user_id)
        tokens = session.scalars(select(DeviceToken).where(
            DeviceToken.user_id == user.id, DeviceToken.device_id == device_id,
            DeviceToken.revoked_at.is_(None))).all()
        if not tokens:
            raise refused(NotFound, said("device.none", device=device_id))
        identity.revoke_tokens(actor, device_id, list(tokens))
    return len(tokens)
