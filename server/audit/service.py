"""Append to the audit chain inside the caller's transaction; verify it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from server.audit.chain import ChainReport, entry_hash, verify_chain
from server.audit.models import AuditEntry, AuditHead
from server.auth.policy import Actor
from server.clock import utcnow
from server.extensions import db

VERIFY_BATCH = 5000


def record(
    actor: Actor | None,
    action: str,
    entity: str,
    entity_id: object,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry; the caller's transaction commits it together with the write."""
    session = db.session
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()
    ).scalar_one()
    fields: dict[str, Any] = {
        "seq": head.seq + 1,
        "at": utcnow(),
        "actor_id": str(actor.user_id) if actor else None,
        "actor_name": actor.username if actor else None,
        "device_id": actor.device_id if actor else None,
        "action": action,
        "entity": entity,
        "entity_id": str(entity_id),
        "details": details or {},
        "prev_hash": head.hash,
    }
    entry = AuditEntry(**fields, hash=entry_hash(fields))
    session.add(entry)
    head.seq, head.hash = entry.seq, entry.hash
    return entry


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
                "entity_id", "details", "prev_hash", "hash")}
        last = batch[-1].seq
        db.session.expunge_all()


def verify() -> ChainReport:
    """Check the whole chain against its head."""
    head = db.session.get(AuditHead, 1)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, "0" * 64)
    return verify_chain(_rows(), head_seq, head_hash)
