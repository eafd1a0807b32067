"""HTTP: tablet sync (/api/v1/sync/pull, /sync/push, /sync/conflicts)."""

from __future__ import annotations

import orjson
from flask import Response

from schemas.sync import PullQuerySchema, PullResponseSchema
from server.apidoc import ApiBlueprint
from server.sync import pull as pulling

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
