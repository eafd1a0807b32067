"""Append to the audit chain inside the caller's transaction; verify it."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction

from server.audit.chain import (
    ROTATED,
    ChainReport,
    entry_hash,
    entry_seal,
    head_seal,
    head_sealer,
    key_id,
    rotation,
    seal_key,
    verify_chain,
)
from server.audit.models import AuditEntry, AuditHead
from server.auth.policy import Actor
from server.clock import utcnow
from server.errors import ServiceUnavailable
from server.extensions import db

VERIFY_BATCH = 5000


PENDING = "audit_pending"


def audit_key() -> bytes:
    """The key of the seals: from AUDIT_SEAL_KEY, else SECRET_KEY (README)."""
    config = current_app.config
    return seal_key(config.get("AUDIT_SEAL_KEY") or config["SECRET_KEY"])


def retired_keys() -> tuple[bytes, ...]:
    """The keys of AUDIT_SEAL_RETIRED_KEYS: they verify what they sealed, and seal nothing."""
    return tuple(seal_key(secret) for secret in
                 current_app.config.get("AUDIT_SEAL_RETIRED_KEYS") or ())


MARKS = "audit_savepoints"
ROTATE = "audit_rotate"  # session.info: move the chain to the current key at this commit


def record(
    actor: Actor | None,
    action: str,
    entity: str,
    entity_id: object,
    details: dict[str, Any] | None = None,
) -> None:
    """Note one entry; it is chained and written when the caller's transaction commits.

    Chaining needs the head row locked. Taking that lock at commit rather than at the first
    entry keeps it for the last moment of each transaction only, so long transactions (a sync
    push of hundreds of mutations) do not queue every other writer behind them."""
    session = db.session
    session.connection()  # begin the transaction now, so its rollback forgets this entry
    session.info.setdefault(PENDING, []).append({
        "actor_id": str(actor.user_id) if actor else None,
        "actor_name": actor.username if actor else None,
        "device_id": actor.device_id if actor else None,
        "action": action,
        "entity": entity,
        "entity_id": str(entity_id),
        "details": details or {},
    })


@event.listens_for(Session, "after_transaction_create")
def _mark_savepoint(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        session.info.setdefault(MARKS, {})[transaction] = len(session.info.get(PENDING, []))


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous: SessionTransaction) -> None:
    """Entries noted inside a savepoint (or the transaction) that rolled back never happened.

    A failed flush rolls back its inner transaction, and with it the nearest savepoint or the
    whole transaction (as SQLAlchemy does): that one decides what is forgotten."""
    boundary = previous
    while boundary.parent is not None and not boundary.nested:
        boundary = boundary.parent
    if boundary.nested:
        cut = session.info.get(MARKS, {}).pop(boundary, None)
        if cut is not None:
            del session.info.get(PENDING, [])[cut:]
    else:
        session.info.pop(PENDING, None)
        session.info.pop(MARKS, None)


@event.listens_for(Session, "after_transaction_end")
def _drop_marks(session: Session, transaction: SessionTransaction) -> None:
    # A savepoint's mark stays until the end: its after_soft_rollback comes after this event.
    if transaction.parent is None and not transaction.nested:  # committed or rolled back
        session.info.pop(PENDING, None)
        session.info.pop(MARKS, None)


@event.listens_for(Session, "before_commit")
def _append_noted(session: Session) -> None:
    """Chain the noted entries under the locked head, in the committing transaction."""
    if session.in_nested_transaction():
        return
    noted = session.info.pop(PENDING, None) or []
    rotating = session.info.pop(ROTATE, False)
    if not noted and not rotating:
        return
    head = session.execute(  # read afresh under the lock: another host may have moved it
        select(AuditHead).where(AuditHead.id == 1).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    at = utcnow()  # the commit's time: entries stay in time order along the chain
    key = audit_key()
    if head.seq and head_sealer([key], head.seq, head.hash, head.seal) is None:
        noted = _after_rotation(head, key, noted, rotating)
    if not noted:
        return  # asked to rotate, and another request did it meanwhile
    entries = []
    for values in noted:
        fields = {"seq": head.seq + 1, "at": at, **values, "prev_hash": head.hash}
        hashed = entry_hash(fields)
        entries.append(fields | {"hash": hashed, "seal": entry_seal(key, hashed)})
        head.seq, head.hash = entries[-1]["seq"], hashed
    head.seal = head_seal(key, head.seq, head.hash)
    session.execute(AuditEntry.__table__.insert(), entries)  # one statement for a whole push
    session.flush()


def _after_rotation(head: AuditHead, key: bytes, noted: list[dict[str, Any]],
                    rotating: bool) -> list[dict[str, Any]]:
    """The entries to write on a head not sealed under the current key: led by the rotation
    entry when `audit rotate` asked for it. Otherwise the write is refused: under a retired
    key, never rotated on the way, since a chain cut back to before its rotation by a holder
    of the retired key looks the same, and would be hidden (server.audit.chain); under no key
    known here (a host still on the key the others rotated away from, a SECRET_KEY changed
    without AUDIT_SEAL_KEY, a head rewritten), an entry sealed on it would break the chain
    for good."""
    old = head_sealer(retired_keys(), head.seq, head.hash, head.seal)
    if rotating:
        return [rotation(old, key), *noted]
    raise ServiceUnavailable(NOT_ROTATED if old is not None else UNSEALED,
                             headers={"Retry-After": "60"})


NOT_ROTATED = ("The audit log is still sealed under a retired key: nothing can be recorded "
               "until an administrator runs `flask audit rotate`.")
UNSEALED = ("The audit log's head is sealed under no key this server knows: nothing can be "
            "recorded until an administrator sets AUDIT_SEAL_KEY to the key it was sealed "
            "with (or lists that key in AUDIT_SEAL_RETIRED_KEYS and runs `flask audit "
            "rotate`); if no key of the bureau sealed it, it was tampered with: run `flask "
            "audit verify`.")


def entries_of(entity: str, entity_ids: Collection[str],
               actions: Collection[str]) -> list[AuditEntry]:
    """The entries of these actions on these records, oldest first (500 ids a query)."""
    ids, found = sorted(set(entity_ids)), []
    for start in range(0, len(ids), 500):
        found.extend(db.session.scalars(select(AuditEntry).where(
            AuditEntry.entity_id.in_(ids[start:start + 500]), AuditEntry.entity == entity,
            AuditEntry.action.in_(list(actions))).order_by(AuditEntry.seq)))
    return found


def _rows():
    """Stream entries in seq order, in batches, as plain dicts."""
    last = 0
    while True:
        batch = db.session.execute(
            select(AuditEntry).where(AuditEntry.seq > last)
            .order_by(AuditEntry.seq).limit(VERIFY_BATCH)
        ).scalars().all()
        if not batch:
            return
        for entry in batch:
            yield {name: getattr(entry, name) for name in (
                "seq", "at", "actor_id", "actor_name", "device_id", "action", "entity",
                "entity_id", "details", "prev_hash", "hash", "seal")}
        last = batch[-1].seq
        db.session.expunge_all()


def head_holds() -> bool:
    """Whether the chain's head is sealed under this instance's audit key or a retired one
    (an empty chain holds): the check before appending to a chain written elsewhere (a
    restore)."""
    head = db.session.get(AuditHead, 1)
    if head is None or head.seq == 0:
        return True
    return head_sealer([audit_key(), *retired_keys()], head.seq, head.hash,
                       head.seal) is not None


def rotate() -> tuple[str, str | None, AuditEntry | None]:
    """Move the chain to the current key now (a rotation entry) if its head is sealed under
    a retired one; the current key's id, the retired key's it moved from (None: it was at
    the current key already) and the last entry before the move, for the operator to check
    that it is the last they expect (a chain cut back looks like one not yet rotated).
    Commits."""
    head = db.session.get(AuditHead, 1)
    key = audit_key()
    if head is None or head.seq == 0 or head_sealer([key], head.seq, head.hash,
                                                     head.seal) is not None:
        return key_id(key), None, None
    old = head_sealer(retired_keys(), head.seq, head.hash, head.seal)
    if old is None:
        raise ValueError("the audit chain's head holds under neither the current key nor a "
                         "retired one: set AUDIT_SEAL_RETIRED_KEYS to the key it was sealed "
                         "with")
    if _rotated_from(key_id(key)):
        raise ValueError("the audit chain was sealed under the current key before and moved "
                         "on from it: a rotation back to it would not verify; set "
                         "AUDIT_SEAL_KEY to a key never used on this chain")
    last = db.session.get(AuditEntry, head.seq)
    rotate_on_commit()
    db.session.commit()
    return key_id(key), key_id(old), last


def _rotated_from(id_: str) -> bool:
    """Whether a rotation entry moved the chain away from the key of this id."""
    return any((details or {}).get("from") == id_ for details in db.session.scalars(
        select(AuditEntry.details).where(AuditEntry.action == ROTATED)))


def rotate_on_commit() -> None:
    """Have this transaction's commit move the chain to the current key if it is not there
    yet (an operator's act: `audit rotate`, a restore of a backup sealed before a rotation)."""
    db.session.connection()
    db.session.info[ROTATE] = True


def verify() -> ChainReport:
    """Check the whole chain against its head, and every seal under the audit key."""
    head = db.session.get(AuditHead, 1)
    head_seq, head_hash, sealed = (head.seq, head.hash, head.seal) if head else (
        0, "0" * 64, None)
    return verify_chain(_rows(), head_seq, head_hash, audit_key(), sealed, retired_keys())
