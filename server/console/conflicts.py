"""Sync conflicts from tablets, the server's and the tablet's values side by side, resolved by
a supervisor (the server's value, the tablet's, or a merged one)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from marshmallow import ValidationError

from schemas.sync import ConflictQuerySchema, ResolveSchema
from server.auth.policy import Actor, allowed, in_scope
from server.console import conflict_form, schema_messages
from server.console.refusal import refusal
from server.console.web import bp, load_query, page, submit
from server.errors import DomainError, ValidationFailed
from server.sync import conflict_context, conflicts
from server.sync import resolve as resolving

# the query's filters by the labels of the page's inputs (a refused one is named so)
FILTERS = {"status": lazy_gettext("Status"), "limit": lazy_gettext("Number shown")}


def _page(actor: Actor, refused: dict[str, Any] | None = None) -> Response:
    """The conflicts page; after a refused resolution, its form as typed and why."""
    query = load_query(ConflictQuerySchema(), FILTERS)
    found = conflicts.list_conflicts(actor, query["status"], query["limit"])
    refused = refused or {}
    forms = {c.id: conflict_form.field_forms(c, refused.get("form") if c.id == refused.get(
        "id") else None) for c in found if c.status == "open"}
    body = render_template("console/conflicts.html", conflicts=found, status=query["status"],
                           contexts=conflict_context.describe(actor, found), forms=forms,
                           refused=refused, label=conflict_form.label,
                           side=conflict_form.side,
                           may_resolve=allowed(actor.role, "sync.conflict.resolve"),
                           may_open_enterprise=lambda e: _may_open_enterprise(actor, e),
                           may_open_task=allowed(actor.role, "task.assign"))
    return Response(body, status=refused.get("status", 200), mimetype="text/html")


def _may_open_enterprise(actor: Actor, enterprise: Any) -> bool:
    """Whether the console's enterprise page would show this unit to the actor."""
    return (enterprise is not None and enterprise.deleted_at is None
            and allowed(actor.role, "enterprise.read") and in_scope(actor, enterprise.district))


def _said(error: DomainError | ValidationError) -> tuple[int, str, dict[str, list[str]]]:
    """A refused resolution in the user's language: the API's English (its schema messages,
    its detail) as the console says it."""
    status, detail, errors = refusal(error)
    if isinstance(error, DomainError) and error.message is None:
        detail = gettext(detail)
        errors = {name: [schema_messages.said(name, message) for message in messages]
                  for name, messages in errors.items()}
    return status, detail, errors


@bp.route("/conflicts", methods=["GET"], endpoint="conflicts")
@page("sync.conflict.read")
def conflicts_page(actor: Actor) -> Response:
    """Conflicts of the district (open ones first by default)."""
    return _page(actor)


@bp.route("/conflicts/<uuid:conflict_id>/resolve", methods=["POST"])
@page("sync.conflict.resolve")
def resolve_conflict(actor: Actor, conflict_id: uuid.UUID):
    """Apply the supervisor's choice as a new version of the record: a side, or per field a
    side or a typed value (validated by the API's resolution); a refusal shows the page again
    with what was typed and why (422/409)."""
    def save() -> Response:
        choice, conflict = request.form.get("choice", ""), conflicts.get_conflict(
            actor, conflict_id)
        if choice != "merged" and conflict_form.merging_intended(conflict, request.form):
            raise ValidationFailed(
                gettext("You changed values of the fields but chose to keep one side, which "
                        "would drop them: choose the merged value to keep them, or undo them."),
                errors={"choice": [gettext("choose the merged value to keep your changes")]})
        values = conflict_form.merged_values(conflict, request.form) \
            if choice == "merged" else {}
        body = ResolveSchema().load({"choice": choice, "values": values})
        resolving.resolve(actor, conflict_id, body["choice"], body["values"])
        flash(gettext("The conflict was resolved."))
        return redirect(url_for("console.conflicts"), 303)

    def again(error: DomainError | ValidationError) -> Response:
        status, detail, errors = _said(error)
        return _page(actor, {"id": conflict_id, "form": request.form, "status": status,
                             "detail": detail, "errors": errors})

    return submit(save, again)
