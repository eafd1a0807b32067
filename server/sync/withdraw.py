"""A tablet withdraws one of its own held mutations (entity `mutation`, op `withdraw`, id = the
held mutation's id), e.g. an edit behind a create the inspector discarded, which would
otherwise wait on the server until it expires (held.py). The held mutation is settled once, as
rejected (410, withdrawn by the device), so that a later send of it replays that final
result."""

from __future__ import annotations

from typing import Any

from schemas.sync import WITHDRAW
from server.audit import service as audit
from server.clock import utcnow
from server.db_types import json_safe
from server.errors import PROBLEM_BASE, PROBLEM_TYPES, Conflict, NotFound
from server.extensions import db
from server.sync.models import SyncMutation
from server.sync.mutations import Context, Outcome, record_id

ENTITY, OP = WITHDRAW


def is_withdrawal(mutation: dict[str, Any]) -> bool:
    """Whether a pushed mutation withdraws a held one."""
    return (mutation["entity"], mutation["op"]) == (ENTITY, OP)


def withdrawn_result(row: SyncMutation, withdrawal: dict[str, Any]) -> dict[str, Any]:
    """The final result of a held mutation its device withdrew (RFC 9457, 410 gone)."""
    return {"mutation_id": str(row.mutation_id), "entity": row.entity, "id": row.entity_id,
            "status": "rejected", "version": None, "problem": {
                "type": PROBLEM_BASE + "gone", "title": PROBLEM_TYPES["gone"][1],
                "status": 410, "withdrawn_by": str(withdrawal["mutation_id"]),
                "detail": f"withdrawn by the device before {row.waits_for} arrived; it was "
                          "never applied."}}


def withdraw(ctx: Context) -> Outcome:
    """Settle the user's own held mutation `id` as withdrawn; NotFound for none of theirs,
    Conflict (nothing changed) for one already settled, saying how in `settled`."""
    key = (ctx.actor.user_id, record_id(ctx.mutation["id"]))
    # locked and read afresh: a withdrawal committing meanwhile is seen, not overwritten
    row = db.session.get(SyncMutation, key, with_for_update=True, populate_existing=True)
    if row is None:
        raise NotFound("No mutation of yours with this id reached the server: nothing to "
                       "withdraw.")
    if row.status != "pending":
        problem = (row.result or {}).get("problem") or {}
        how = "withdrawn" if problem.get("withdrawn_by") else row.status
        raise Conflict(f"The mutation was already settled ({how}): only one the server "
                       "holds (pending) can be withdrawn; nothing changed.", settled=how)
    waited_for = row.waits_for
    row.result = json_safe(withdrawn_result(row, ctx.mutation))
    row.status, row.request, row.waits_for, row.settled_at = "rejected", None, None, utcnow()
    db.session.flush()
    audit.record(ctx.actor, "sync.withdraw", row.entity, row.entity_id, {
        "mutation_id": str(row.mutation_id), "withdrawal": str(ctx.mutation["mutation_id"]),
        "waited_for": waited_for, "received_at": row.received_at.isoformat()})
    return Outcome(None)
