"""Sync conflicts from tablets, the server's and the tablet's values side by side, resolved by
a supervisor (the server's value, the tablet's, or a merged one)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext, pgettext

from schemas.sync import ConflictQuerySchema, ResolveSchema
from server.auth.policy import Actor, allowed, in_scope
from server.console.web import bp, load, page
from server.errors import ValidationFailed
from server.sync import conflict_context, conflicts
from server.sync import resolve as resolving

VALUE = "value:"


def field_label(field: str) -> str:
    """A record field a tablet edits, as the console names it (not its internal name)."""
    return pgettext("sync field", field)


def _merged_values(form: Any) -> dict[str, Any]:
    """The merged values typed in the form, each as JSON (a string needs its quotes)."""
    values, errors = {}, {}
    for key, text in form.items():
        if key.startswith(VALUE):
            try:
                values[key[len(VALUE):]] = json.loads(text)
            except ValueError:
                errors[field_label(key[len(VALUE):])] = [gettext("not valid JSON")]
    if errors:
        raise ValidationFailed(gettext(
            'Type each merged value as JSON: text in double quotes, e.g. "%(example)s".',
            example=gettext("the findings of both")), errors=errors)
    return values


@bp.route("/conflicts", methods=["GET"], endpoint="conflicts")
@page("sync.conflict.read")
def conflicts_page(actor: Actor) -> str:
    """Conflicts of the district (open ones first by default)."""
    query = load(ConflictQuerySchema(), request.args)
    found = conflicts.list_conflicts(actor, query["status"], query["limit"])
    return render_template("console/conflicts.html", conflicts=found, status=query["status"],
                           contexts=conflict_context.describe(actor, found),
                           may_resolve=allowed(actor.role, "sync.conflict.resolve"),
                           may_open_enterprise=lambda e: _may_open_enterprise(actor, e),
                           may_open_task=allowed(actor.role, "task.assign"))


def _may_open_enterprise(actor: Actor, enterprise: Any) -> bool:
    """Whether the console's enterprise page would show this unit to the actor."""
    return (enterprise is not None and enterprise.deleted_at is None
            and allowed(actor.role, "enterprise.read") and in_scope(actor, enterprise.district))


@bp.route("/conflicts/<uuid:conflict_id>/resolve", methods=["POST"])
@page("sync.conflict.resolve")
def resolve_conflict(actor: Actor, conflict_id: uuid.UUID):
    """Apply the supervisor's choice as a new version of the record."""
    choice = request.form.get("choice", "")
    values = _merged_values(request.form) if choice == "merged" else {}
    body = ResolveSchema().load({"choice": choice, "values": values})
    resolving.resolve(actor, conflict_id, body["choice"], body["values"])
    flash(gettext("The conflict was resolved."))
    return redirect(url_for("console.conflicts"), 303)
