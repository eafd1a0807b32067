"""POST /sync/push: each mutation in its own savepoint inside one transaction, exactly once
per (user, mutation_id); out-of-order mutations are held until what they need arrives."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import current_app
from sqlalchemy import func, select, text
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    PendingRollbackError,
    SQLAlchemyError,
)

from schemas.sync import MALFORMED
from server.audit import service as audit
from server.auth import service as auth
from server.auth.policy import Actor, authorize
from server.clock import utcnow
from server.db_types import json_safe
from server.errors import (
    PROBLEM_BASE,
    PROBLEM_TYPES,
    DomainError,
    ServiceUnavailable,
    ValidationFailed,
)
from server.extensions import db
from server.sync import held as holding
from server.sync import parts, payloads, records, withdraw
from server.sync.models import HELD, SyncMutation
from server.sync.mutations import Context, Outcome, Waiting
from server.uow import all_or_nothing, among, batch, savepoint

log = logging.getLogger(__name__)

Handler = Callable[[Context], Outcome]
HANDLERS: dict[tuple[str, str], Handler] = {
    ("inspection", "create"): records.inspection_create,
    ("inspection", "update"): records.inspection_update,
    ("inspection", "status"): records.inspection_status,
    ("inspection", "delete"): records.refuse_delete,
    ("violation", "create"): records.violation_create,
    ("violation", "update"): records.violation_update,
    ("violation", "delete"): records.refuse_delete,
    ("evidence_link", "create"): parts.evidence_link,
    ("evidence_link", "delete"): parts.evidence_link,
    ("signature", "create"): parts.signature,
    ("signature", "delete"): parts.signature,
    ("checklist_answer", "create"): parts.checklist_answer,
    ("checklist_answer", "update"): parts.checklist_answer,
    ("task", "status"): parts.task_status,
    (withdraw.ENTITY, withdraw.OP): withdraw.withdraw,
}


def problem(error: DomainError) -> dict[str, Any]:
    """RFC 9457 details of a refused mutation."""
    body = {"type": PROBLEM_BASE + error.slug, "title": PROBLEM_TYPES[error.slug][1],
            "status": error.status, "detail": error.detail}
    if error.errors:
        body["errors"] = json_safe(error.errors)
    return body | json_safe(error.extra)  # e.g. a withdrawal's `settled`


TRANSIENT = "_transient"  # a refusal of the moment (deadlock, key taken concurrently)
RUN = 100  # mutations applied together in one savepoint while none of them fails
# The log's entity column: an entity no handler knows may be named longer; it is rejected,
# and its result (replayed on a resend) keeps the whole name.
ENTITY_WIDTH = SyncMutation.__table__.c.entity.type.length
ID_WIDTH = SyncMutation.__table__.c.entity_id.type.length  # a malformed id is clipped too
DATABASE_REFUSED_CHANGE = "The database refused this change; send it again."
DATABASE_CANNOT_STORE = ("The database cannot store a value of this change (a text too long, a "
                         "number out of range or a malformed value); correct the record and "
                         "send the correction.")


def _base(mutation: dict[str, Any]) -> dict[str, Any]:
    key = mutation["mutation_id"]
    return {"mutation_id": str(key) if key is not None
            else mutation["sent"].get("mutation_id"),
            "entity": mutation["entity"], "id": mutation["id"]}


def _malformed(mutation: dict[str, Any]) -> dict[str, Any]:
    """A mutation that did not match the contract, in the shape the batch reads: rejected
    alone (its errors). Its mutation_id when that is a UUID, so that its rejection is
    remembered and replayed like any other; else None: nothing can log it as seen, so it is
    answered in order but not remembered, and sent again it is tried again."""
    sent, errors = mutation["sent"], mutation[MALFORMED]
    key = None if "mutation_id" in errors else uuid.UUID(str(sent["mutation_id"]))
    return {"mutation_id": key, "entity": sent.get("entity"), "op": sent.get("op"),
            "id": sent.get("id"), "base_version": None, "values": {}, "recorded_at": None,
            "sent": sent, MALFORMED: errors}


def _canonical(mutation: dict[str, Any]) -> dict[str, Any]:
    """The record id in the server's form when it is a UUID (a tablet may write uppercase, as
    iOS does): conflicts, merge bases and the change log key a record by one spelling."""
    if MALFORMED in mutation:
        return _malformed(mutation)
    key = payloads.as_uuid(mutation["id"])
    return mutation if key is None else mutation | {"id": str(key)}


def _connection_lost(error: SQLAlchemyError) -> bool:
    """The database connection is gone: no later mutation of the batch can run or commit."""
    return isinstance(error, PendingRollbackError) or (
        isinstance(error, DBAPIError) and error.connection_invalidated)


def _attempt(actor: Actor, mutation: dict[str, Any]) -> dict[str, Any]:
    """Apply one mutation in a savepoint; the result (never an exception)."""
    result = _base(mutation)
    try:
        if MALFORMED in mutation:
            raise ValidationFailed("This mutation does not match the push contract; correct "
                                   "the fields named and send it again.",
                                   errors=mutation[MALFORMED])
        handler = HANDLERS.get((mutation["entity"], mutation["op"]))
        if handler is None:
            ops = sorted(o for e, o in HANDLERS if e == mutation["entity"])
            raise ValidationFailed(
                f"Unknown entity/op {mutation['entity']}/{mutation['op']}.",
                errors={"entity": [f"one of {', '.join(sorted({e for e, _ in HANDLERS}))}"]}
                if not ops else {"op": [f"one of {', '.join(ops)}"]})
        with savepoint():
            outcome = handler(Context(actor, mutation))
    except Waiting as waiting:
        return result | {"status": "pending", "version": None, "waits_for": waiting.key}
    except DomainError as error:
        return result | {"status": "rejected", "version": None, "problem": problem(error)}
    except SQLAlchemyError as error:  # e.g. a unique key taken concurrently: refuse this one
        if _connection_lost(error):
            raise  # the whole push is refused (503): nothing of the batch was committed
        if isinstance(error, DataError):  # the same value fails every time: final, not resent
            log.warning("sync mutation %s holds a value the database cannot store: %s",
                        result["mutation_id"], error.orig)
            return result | {"status": "rejected", "version": None,
                             "problem": problem(ValidationFailed(DATABASE_CANNOT_STORE))}
        log.warning("sync mutation %s refused by the database: %s", result["mutation_id"],
                    error.__class__.__name__)
        return result | {"status": "rejected", "version": None, TRANSIENT: True, "problem": {
            "type": PROBLEM_BASE + "conflict", "title": PROBLEM_TYPES["conflict"][1],
            "status": 409, "detail": DATABASE_REFUSED_CHANGE,
            "transient": True}}
    except Exception:  # a defect must not fail the other mutations of the batch
        error_id = str(uuid.uuid4())
        log.exception("sync mutation %s failed (error %s)", result["mutation_id"], error_id)
        return result | {"status": "rejected", "version": None, "problem": {
            "type": PROBLEM_BASE + "internal-error", "title": PROBLEM_TYPES["internal-error"][1],
            "status": 500, "detail": "An unexpected error; it was logged.",
            "error_id": error_id}}
    return result | _result(outcome)


def _result(outcome: Outcome) -> dict[str, Any]:
    """The status part of a result of a mutation that was applied (perhaps in conflict)."""
    if outcome.conflict is None:
        return {"status": "applied", "version": outcome.version}
    return {"status": "conflict", "version": outcome.version, "conflict": outcome.conflict.kind,
            "conflict_id": str(outcome.conflict.id),
            "conflicting_fields": list(outcome.overlap), "server": outcome.server}


def _stored(mutation: dict[str, Any]) -> dict[str, Any]:
    return json_safe({k: mutation.get(k) for k in ("mutation_id", "entity", "op", "id",
                                                    "base_version", "values", "recorded_at")})


def _seen(actor: Actor, mutations: list[dict[str, Any]]) -> set[uuid.UUID]:
    """Which of the batch's mutation ids this user sent before (one query per 500)."""
    ids = [m["mutation_id"] for m in mutations if m["mutation_id"] is not None]
    return set(db.session.scalars(select(SyncMutation.mutation_id).where(
        SyncMutation.user_id == actor.user_id, among(SyncMutation.mutation_id, ids))))


def _one(actor: Actor, mutation: dict[str, Any], maybe_seen: bool,
         settled: dict[uuid.UUID, dict[str, Any]]) -> dict[str, Any]:
    """Apply one mutation, or replay its first result; a final result joins `settled`, the
    batch's mutation-log rows, written together by _remember."""
    if mutation["mutation_id"] is None:  # unusable: cannot be logged as seen, so not kept
        return _attempt(actor, mutation)
    first = settled.get(mutation["mutation_id"]) if maybe_seen else None
    if first is not None:
        first = first["result"]
    elif maybe_seen:
        seen = db.session.get(SyncMutation, (actor.user_id, mutation["mutation_id"]))
        first = seen.result if seen is not None else None
    if first is not None:
        return _base(mutation) | {"status": "duplicate", "version": first.get("version"),
                                  "first": first}
    result = _attempt(actor, mutation)
    if result.pop(TRANSIENT, False):
        return result  # not remembered: the same mutation_id sent again is tried again
    if result["status"] == "pending" and (full := _no_room_to_hold(actor)) is not None:
        return _base(mutation) | full  # not remembered either: sent again once there is room
    row = _log_row(actor, mutation, result)
    if result["status"] == "pending":  # held: _release must find it, in this batch too
        db.session.add(SyncMutation(**row | {"request": _stored(mutation), "settled_at": None}))
        with _unless_taken():
            db.session.flush()
    else:
        settled[mutation["mutation_id"]] = row
    return result


def _no_room_to_hold(actor: Actor) -> dict[str, Any] | None:
    """None while the user holds fewer than SYNC_MAX_HELD mutations; else the refusal of one
    more (429, transient): every push reads what held mutations wait for, so a tablet sending
    updates of records that never arrive must not grow that without end."""
    limit = current_app.config["SYNC_MAX_HELD"]
    held = db.session.scalar(select(func.count()).select_from(SyncMutation).where(
        SyncMutation.user_id == actor.user_id, text(HELD)))
    if held < limit:
        return None
    return {"status": "rejected", "version": None, "problem": {
        "type": PROBLEM_BASE + "rate-limited", "title": PROBLEM_TYPES["rate-limited"][1],
        "status": 429, "transient": True,
        "detail": f"You have {held} mutations held, waiting for records that have not arrived "
                  f"(at most {limit}): send those records or withdraw the held mutations you no "
                  "longer need (a mutation {entity: \"mutation\", op: \"withdraw\", id: <the "
                  "held mutation's id>}; the tablet sends one for each edit behind a record "
                  "you discard), then send this one again. Each held mutation expires "
                  f"{holding.expiry_days()} days after the server received it: it is rejected "
                  "and never applied."}}


def _log_row(actor: Actor, mutation: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """The mutation log's row of a mutation and its result."""
    return {"user_id": actor.user_id, "mutation_id": mutation["mutation_id"],
            "device_id": actor.device_id or "", "entity": str(mutation["entity"])[:ENTITY_WIDTH],
            "entity_id": str(mutation["id"])[:ID_WIDTH], "status": result["status"],
            "result": json_safe(result), "request": None, "waits_for": result.get("waits_for"),
            "received_at": utcnow(), "settled_at": utcnow()}


def _run(mutations: list[dict[str, Any]], seen: set[uuid.UUID], held: set[str]
         ) -> list[dict[str, Any]]:
    """The leading mutations that may be applied together: none sent before or twice, all
    of known kinds, ending at a create that held mutations wait for (released next) and
    before a withdrawal (which starts a run, once what came before it is written)."""
    run: list[dict[str, Any]] = []
    ids: set[uuid.UUID] = set()
    for mutation in mutations[:RUN]:
        if MALFORMED in mutation \
                or mutation["mutation_id"] in seen or mutation["mutation_id"] in ids \
                or (mutation["entity"], mutation["op"]) not in HANDLERS \
                or (run and withdraw.is_withdrawal(mutation)):
            break
        run.append(mutation)
        ids.add(mutation["mutation_id"])
        if mutation["op"] == "create" and _key(mutation) in held:
            break
    return run


def _together(actor: Actor, run: list[dict[str, Any]]
              ) -> tuple[list[dict[str, Any]] | None, int]:
    """Apply a run of mutations in one savepoint (the fast path: no savepoint and no flush
    each): their results. When one of them would be refused or held, or the database
    refuses the run, nothing of it is kept: None, and how many to try alone, each in its
    own savepoint (up to that one; all when the refusal came at the final flush)."""
    outcomes: list[Outcome] = []
    try:
        with all_or_nothing(), records.prepared(run) as unused:
            for mutation in run:
                new = mutation["op"] == "create" and mutation["id"] in unused
                unused.discard(mutation["id"])  # a second create of the id finds the first
                outcomes.append(HANDLERS[(mutation["entity"], mutation["op"])](
                    Context(actor, mutation, new)))
    except SQLAlchemyError as error:
        if _connection_lost(error):
            raise
        return None, min(len(outcomes) + 1, len(run))
    except Exception:  # noqa: BLE001 - alone, it gets its own result (a defect is logged)
        return None, len(outcomes) + 1
    return [_base(m) | _result(o) for m, o in zip(run, outcomes, strict=True)], len(run)


def _key(mutation: dict[str, Any]) -> str:
    """What held mutations name a record by."""
    return f"{mutation['entity']}:{mutation['id']}"


def _remember(settled: dict[uuid.UUID, dict[str, Any]]) -> None:
    """Write the batch's final results in one statement. A mutation id taken meanwhile means
    another request (a retry while this one ran) applied it first: this whole batch is
    refused, rolled back, and its retry replays their results."""
    if settled:
        with _unless_taken():
            db.session.execute(SyncMutation.__table__.insert(), list(settled.values()))


@contextmanager
def _unless_taken() -> Iterator[None]:
    """A mutation id written meanwhile by another request refuses this batch (503)."""
    try:
        yield
    except IntegrityError as error:
        raise ServiceUnavailable(
            "Another request is applying some of these mutations; send the batch again.",
            headers={"Retry-After": "1"}) from error


def _actor_of(row: SyncMutation) -> Actor | None:
    """Who a held mutation is applied as: its user as they are now, on the device that sent
    it, while that device is signed in. None (it stays held) once the tablet is revoked, its
    password reset, its user moved, given another role or disabled: like a chunk arriving at a
    revoked tablet's upload, nothing it sent enters the records after that, until its user
    signs in on it again and pushes (their push releases what waits)."""
    actor = auth.active_actor(row.user_id, row.device_id)
    return actor if actor is not None and auth.signed_in(actor) else None


def _release(keys: list[str], owner: uuid.UUID) -> list[dict[str, Any]]:
    """Apply held mutations whose record has arrived, in the order they were received; the
    results of `owner`'s among them (another user's results, which may carry the server's
    copy of a record, are theirs: their next send of the mutation replays them)."""
    released: list[dict[str, Any]] = []
    while keys:
        # locked and read afresh: one withdrawn (or released) by a request committing
        # meanwhile is skipped, never applied over its final result
        rows = db.session.scalars(select(SyncMutation).where(
            SyncMutation.waits_for.in_(keys), text(HELD))
            .order_by(SyncMutation.received_at).with_for_update()
            .execution_options(populate_existing=True)).all()
        keys = []
        for row in rows:
            actor = _actor_of(row)
            request = dict(row.request) | {"mutation_id": row.mutation_id}
            if actor is None:
                continue
            result = _attempt(actor, request)
            if result.pop(TRANSIENT, False):
                continue  # stays held: tried again at the next push
            if result["status"] == "pending":
                row.waits_for = result["waits_for"]
                continue
            row.status, row.result, row.request = result["status"], json_safe(result), None
            row.waits_for, row.settled_at = None, utcnow()
            audit.record(actor, "sync.release", row.entity, row.entity_id,
                         {"mutation_id": str(row.mutation_id), "status": result["status"]})
            if row.user_id == owner:
                released.append(json_safe(result))
            if request["op"] == "create" and result["status"] in ("applied", "conflict"):
                keys.append(f"{row.entity}:{row.entity_id}")
        db.session.flush()
    return released


def _held_keys() -> set[str]:
    """What held mutations wait for (one query per push instead of one per create; a
    mutation held by a push committing meanwhile is released by its owner's next push)."""
    return set(db.session.scalars(select(SyncMutation.waits_for).where(
        text(HELD), SyncMutation.waits_for.is_not(None)).distinct()))


def _waiting_keys(user_id: uuid.UUID) -> list[str]:
    """What this user's held mutations wait for that exists now (created some other way)."""
    keys = set(db.session.scalars(select(SyncMutation.waits_for).where(
        SyncMutation.user_id == user_id, text(HELD))))
    found = []
    for key in keys:
        entity, _, record = key.partition(":")
        serializer = payloads.SERIALIZERS.get(entity)
        if serializer is not None and _exists(entity, record):
            found.append(key)
    return found


def _exists(entity: str, key: str) -> bool:
    model = {"inspection": records.Inspection, "violation": records.Violation}.get(entity)
    try:
        return model is not None and db.session.get(model, uuid.UUID(key)) is not None
    except ValueError:
        return False


def push(actor: Actor, device_id: str, mutations: list[dict[str, Any]]
         ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Apply a batch: one result per mutation in order, and the held ones released."""
    authorize(actor, "sync.push")
    if actor.device_id is not None and device_id != actor.device_id:
        raise ValidationFailed("The device_id is not the device this token was issued to.",
                               errors={"device_id": [f"expected {actor.device_id}"]})
    with batch():
        released = _release(_waiting_keys(actor.user_id), actor.user_id)
        queue = list(map(_canonical, mutations))
        results, seen, held, settled = [], _seen(actor, queue), _held_keys(), {}
        while len(results) < len(queue):
            todo = queue[len(results):]
            if withdraw.is_withdrawal(todo[0]):  # it finds the batch's earlier results
                _remember(settled)
                settled.clear()
            run = _run(todo, seen, held) or todo[:1]
            together, count = _together(actor, run) if len(run) > 1 else (None, 1)
            if together is not None:
                settled.update({m["mutation_id"]: _log_row(actor, m, r)
                                for m, r in zip(run, together, strict=True)})
            for index, mutation in enumerate(run[:count]):  # else alone, each in a savepoint
                result = together[index] if together is not None else _one(
                    actor, mutation, mutation["mutation_id"] in seen, settled)
                if mutation["mutation_id"] is not None:
                    seen.add(mutation["mutation_id"])
                results.append(result)
                if result["status"] == "pending":
                    held.add(result["waits_for"])
                elif mutation["op"] == "create" and result["status"] in ("applied", "conflict") \
                        and _key(mutation) in held:
                    released += _release([_key(mutation)], actor.user_id)
        _remember(settled)
        audit.record(actor, "sync.push", "device", device_id,
                     {"mutations": len(mutations),
                      "statuses": {s: sum(r["status"] == s for r in results)
                                   for s in {r["status"] for r in results}}})
    return results, released
