"""Held sync mutations of the district (edits a tablet sent before the record they need):
who sent each, what it waits for in words, since when and when it expires."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template
from flask_babel import gettext, lazy_gettext, lazy_pgettext

from schemas.sync import HeldQuerySchema
from server.auth.policy import Actor, allowed
from server.console.web import bp, load_query, page
from server.sync import held as holding

# the query's filters by the labels of the page's inputs (a refused one is named so)
FILTERS = {"limit": lazy_gettext("Number shown")}
# the records a held mutation is about, and those it may wait for
RECORDS = {"inspection": lazy_gettext("Inspection record"),
           "violation": lazy_gettext("Violation"),
           "signature": lazy_gettext("Signature"),
           "evidence_link": lazy_gettext("Evidence link"),
           "checklist_answer": lazy_gettext("Checklist answer")}
OPS = {"create": lazy_pgettext("held", "new"), "update": lazy_pgettext("held", "changed"),
       "status": lazy_pgettext("held", "submitted"), "delete": lazy_pgettext("held", "removed")}


def waiting(item: dict[str, Any]) -> str:
    """What a held mutation waits for, as a supervisor says it: the creation of the record
    it edits, or of the record it belongs to (a violation's inspection record, say)."""
    entity, _, key = (item["waits_for"] or "").partition(":")
    own = entity == item["entity"] and key == item["entity_id"]
    if entity == "inspection":
        return gettext("Waiting for this inspection record's creation to arrive by sync") \
            if own else gettext("Waiting for the creation of the inspection record it belongs "
                                "to (%(record)s) to arrive by sync", record=key[:8])
    if entity == "violation":
        return gettext("Waiting for this violation's creation to arrive by sync") \
            if own else gettext("Waiting for the creation of the violation it belongs to "
                                "(%(record)s) to arrive by sync", record=key[:8])
    # a kind of record no push handler waits for today: named as the API names it
    return gettext("Waiting for %(record)s to arrive by sync", record=item["waits_for"])


@bp.route("/held", methods=["GET"], endpoint="held")
@page("sync.held.read")
def held_page(actor: Actor) -> Response:
    """Mutations held for senders of the district, oldest first (the API's list)."""
    query = load_query(HeldQuerySchema(), FILTERS)
    found = holding.list_held(actor, query["limit"])
    body = render_template("console/held.html", held=found, limit=query["limit"],
                           days=holding.expiry_days(), waiting=waiting, records=RECORDS,
                           ops=OPS, may_open_account=allowed(actor.role, "user.read"),
                           city_wide=actor.city_wide)
    return Response(body, status=200, mimetype="text/html")
