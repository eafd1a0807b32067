"""GET /sync/pull: the changes in a device user's scope after an opaque, signed cursor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, func, or_, select

from server.auth.policy import Actor, authorize
from server.errors import ValidationFailed
from server.extensions import db
from server.sync import refdata, scope
from server.sync.models import SyncChange

COLUMNS = (SyncChange.seq, SyncChange.entity, SyncChange.entity_id, SyncChange.op,
           SyncChange.version, SyncChange.everyone, SyncChange.district,
           SyncChange.other_districts, SyncChange.users, SyncChange.data)


@dataclass
class Page:
    """One page of changes: rows as (entity, id, op, version, data JSON text)."""

    changes: list[tuple[str, str, str, int, str | None]]
    next_cursor: str
    has_more: bool
    reset: bool


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="sync-cursor")


def _fingerprint(actor: Actor) -> str:
    return f"{actor.role}:{actor.scope}"


def encode_cursor(actor: Actor, seq: int) -> str:
    """An opaque cursor: the last sequence seen, bound to the user and their scope."""
    return _serializer().dumps([seq, str(actor.user_id), _fingerprint(actor)])


def decode_cursor(actor: Actor, cursor: str) -> tuple[int, bool]:
    """(sequence to continue after, reset?) — a scope change restarts from zero."""
    if not cursor:
        return 0, False
    try:
        seq, user, fingerprint = _serializer().loads(cursor)
    except (BadSignature, ValueError, TypeError) as error:
        raise ValidationFailed("The cursor is not one this server issued.",
                               errors={"cursor": ["invalid; start again with an empty cursor"]}
                               ) from error
    if user != str(actor.user_id) or not isinstance(seq, int) or seq < 0:
        raise ValidationFailed("The cursor belongs to another user.",
                               errors={"cursor": ["issued to another user"]})
    if fingerprint != _fingerprint(actor):
        return 0, True
    return seq, False


def pull(actor: Actor, cursor: str, limit: int) -> Page:
    """Changes after the cursor, oldest first: upserts and tombstones in scope, and
    revocations of rows that left it (not on a first sync: the device holds nothing)."""
    authorize(actor, "sync.pull")
    after, reset = decode_cursor(actor, cursor)
    refdata.publish()
    session = db.session
    # Read the high-water mark first: every seq up to it is committed (allocation order is
    # commit order), so nothing below it can still appear later.
    high = session.scalar(select(func.max(SyncChange.seq))) or 0
    wanted = scope.current(actor) if after == 0 else or_(scope.current(actor),
                                                         scope.past(actor))
    rows = session.execute(select(*COLUMNS).where(
        and_(SyncChange.seq > after, SyncChange.seq <= high, wanted))
        .order_by(SyncChange.seq).limit(limit + 1)).all()
    session.commit()  # end the read transaction (SQLite holds its write lock until then)
    has_more = len(rows) > limit
    rows = rows[:limit]
    changes: list[tuple[str, str, str, int, Any]] = []
    for row in rows:
        if scope.holds(actor, row):
            changes.append((row.entity, row.entity_id, row.op, row.version,
                            row.data if row.op == "upsert" else None))
        else:
            changes.append((row.entity, row.entity_id, "revoke", row.version, None))
    last = rows[-1].seq if has_more else max(high, after)
    return Page(changes, encode_cursor(actor, last), has_more, reset)
