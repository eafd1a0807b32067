"""Held mutations (answered `pending`: waiting for a record that has not arrived): those of a
supervisor's district, and their expiry. One still held SYNC_HELD_EXPIRY_DAYS after the server
received it is settled as rejected (410: the record it waited for never arrived), so that its
tablet, sending it again, hears a final answer instead of keeping it queued for ever."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select, text

from server.audit import service as audit
from server.auth.models import User
from server.auth.policy import Actor, authorize
from server.clock import utcnow
from server.db_types import json_safe
from server.errors import PROBLEM_BASE, PROBLEM_TYPES
from server.extensions import db
from server.sync.models import HELD, SyncMutation
from server.uow import unit_of_work

CHUNK = 200  # held mutations settled per transaction
HELD_ROW = text(f"sync_mutations.{HELD}")  # literal, so the planner uses the partial index


def expiry_days() -> int:
    """How many days after the server received it a held mutation expires."""
    return current_app.config["SYNC_HELD_EXPIRY_DAYS"]


def expired_result(row: SyncMutation, days: int) -> dict[str, Any]:
    """The final result of a held mutation whose record never arrived (RFC 9457, 410 gone)."""
    return {"mutation_id": str(row.mutation_id), "entity": row.entity, "id": row.entity_id,
            "status": "rejected", "version": None, "problem": {
                "type": PROBLEM_BASE + "gone", "title": PROBLEM_TYPES["gone"][1],
                "status": 410, "waited_for": row.waits_for, "expired_after_days": days,
                "held_since": row.received_at.isoformat(),
                "detail": f"held {days} days waiting for {row.waits_for}, which never "
                          "arrived; it was never applied. If the record is still wanted, "
                          "send it and make this edit again."}}


def _expire(row: SyncMutation, days: int) -> None:
    """Settle one held mutation as expired and audit it (by the server: no actor), with the
    mutation as the tablet sent it: the held row forgets it, the audit trail keeps it."""
    waited_for, sent = row.waits_for, row.request or {}
    row.result = json_safe(expired_result(row, days))
    row.status, row.request, row.waits_for, row.settled_at = "rejected", None, None, utcnow()
    audit.record(None, "sync.expire", row.entity, row.entity_id, {
        "mutation_id": str(row.mutation_id), "op": sent.get("op"), "user_id": str(row.user_id),
        "device_id": row.device_id, "waited_for": waited_for, "sent": sent,
        "received_at": row.received_at.isoformat(), "expired_after_days": days})


def expire_held(now: datetime) -> dict[str, int]:
    """The scheduled job: settle every mutation held longer than SYNC_HELD_EXPIRY_DAYS as
    rejected, CHUNK per transaction. One a push holds locked meanwhile (releasing or
    withdrawing it) is skipped, never waited for: that push settles it, or the next run does."""
    days = expiry_days()
    cutoff, expired = now - timedelta(days=days), 0
    while True:
        with unit_of_work() as session:
            rows = session.scalars(select(SyncMutation).where(
                HELD_ROW, SyncMutation.received_at <= cutoff)
                .order_by(SyncMutation.received_at).limit(CHUNK)
                .with_for_update(skip_locked=True)
                .execution_options(populate_existing=True)).all()
            for row in rows:
                _expire(row, days)
        expired += len(rows)
        if len(rows) < CHUNK:
            return {"expired": expired}


def list_held(actor: Actor, limit: int) -> list[dict[str, Any]]:
    """Mutations held for users of the reader's district (as each user's district is now),
    oldest first, with when each expires."""
    authorize(actor, "sync.held.read")
    query = select(SyncMutation, User.username, User.display_name, User.district).join(
        User, User.id == SyncMutation.user_id).where(HELD_ROW)
    if not actor.city_wide:
        query = query.where(User.district == actor.scope)
    found = db.session.execute(query.order_by(
        SyncMutation.received_at, SyncMutation.user_id, SyncMutation.mutation_id).limit(limit))
    held_for = timedelta(days=expiry_days())
    return [{"mutation_id": row.mutation_id, "user_id": row.user_id, "username": username,
             "display_name": name, "district": district, "device_id": row.device_id,
             "entity": row.entity, "entity_id": row.entity_id,
             "op": (row.request or {}).get("op"), "waits_for": row.waits_for,
             "received_at": row.received_at, "expires_at": row.received_at + held_for}
            for row, username, name, district in found]
