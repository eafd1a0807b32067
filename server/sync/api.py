"""HTTP: tablet sync (/api/v1/sync/pull, /sync/push, /sync/conflicts, /sync/held)."""

from __future__ import annotations

import uuid

import orjson
from flask import Response

from schemas.sync import (
    ConflictQuerySchema,
    ConflictSchema,
    HeldMutationSchema,
    HeldQuerySchema,
    PullQuerySchema,
    PullResponseSchema,
    PushRequestSchema,
    PushResponseSchema,
    ResolveSchema,
)
from server.apidoc import ApiBlueprint
from server.sync import conflicts, held
from server.sync import pull as pulling
from server.sync import push as pushing
from server.sync import resolve as resolving

blp = ApiBlueprint("sync", __name__, url_prefix="/api/v1/sync",
                   description="Tablet sync: pull changes, push offline mutations, conflicts")


def _json(body: object, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status=status, mimetype="application/json")


@blp.route("/pull", methods=["GET"])
@blp.arguments(PullQuerySchema, location="query")
@blp.response(200, PullResponseSchema)
@blp.problem(422, "Invalid limit, or a cursor this server did not issue to you")
@blp.secured
def pull(actor, query: dict):
    """Changes in your scope after `cursor` (empty: a first sync), oldest first."""
    page = pulling.pull(actor, query["cursor"], query["limit"])
    changes = [{"entity": entity, "id": key, "op": op, "version": version,
                "data": orjson.Fragment(data) if data is not None else None}
               for entity, key, op, version, data in page.changes]
    return _json({"changes": changes, "next_cursor": page.next_cursor,
                  "has_more": page.has_more, "reset": page.reset})


@blp.route("/push", methods=["POST"])
@blp.arguments(PushRequestSchema)
@blp.response(200, PushResponseSchema)
@blp.problem(422, "Malformed batch (each mutation's own problems are in its result)")
@blp.secured
def push(actor, body: dict):
    """Apply offline mutations: one result per mutation, in order (applied, duplicate,
    conflict, rejected, pending); entity `mutation`, op `withdraw`, id = a mutation of yours
    held as pending withdraws it (it is then rejected, 410, and replayed so)."""
    results, released = pushing.push(actor, body["device_id"], body["mutations"])
    return _json({"results": results, "released": released})


@blp.route("/conflicts", methods=["GET"])
@blp.arguments(ConflictQuerySchema, location="query")
@blp.response(200, ConflictSchema(many=True))
@blp.secured
def list_conflicts(actor, query: dict):
    """Conflicts from tablets in your district (open ones by default), oldest first."""
    return conflicts.list_conflicts(actor, query["status"], query["limit"])


@blp.route("/conflicts/<uuid:conflict_id>", methods=["GET"])
@blp.response(200, ConflictSchema)
@blp.problem(404, "Unknown or outside your district")
@blp.secured
def get_conflict(actor, conflict_id: uuid.UUID):
    """One conflict from a tablet in your district, as the list gives it."""
    return conflicts.get_conflict(actor, conflict_id)


@blp.route("/conflicts/<uuid:conflict_id>/resolve", methods=["POST"])
@blp.arguments(ResolveSchema)
@blp.response(200, ConflictSchema)
@blp.problem(404, "Unknown or outside your district")
@blp.problem(409, "Already resolved")
@blp.problem(422, "Merged values missing or invalid")
@blp.secured
def resolve_conflict(actor, body: dict, conflict_id: uuid.UUID):
    """Keep the server's value, take the tablet's, or give merged values; applied as a new
    version of the record."""
    return resolving.resolve(actor, conflict_id, body["choice"], body["values"])


@blp.route("/held", methods=["GET"])
@blp.arguments(HeldQuerySchema, location="query")
@blp.response(200, HeldMutationSchema(many=True))
@blp.secured
def list_held(actor, query: dict):
    """Mutations from tablets of your district held as pending (waiting for a record that has
    not arrived), oldest first; each is rejected (410) by the hourly expiry job's first run
    after `expires_at` unless it arrives first."""
    return held.list_held(actor, query["limit"])
