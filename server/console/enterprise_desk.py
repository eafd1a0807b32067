"""One enterprise of the register: its page, and the forms that correct it, register one and
remove it; server/registry/service.py decides, versions and audits."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from marshmallow import ValidationError

from schemas.enterprise import (
    PERMIT_CLASSES,
    DeleteQuerySchema,
    EnterpriseCreateSchema,
    EnterpriseFields,
    EnterpriseUpdateSchema,
)
from server.auth.policy import Actor, allowed
from server.console.field_labels import label
from server.console.refusal import refusal
from server.console.svgmap import Viewport
from server.console.web import bp, page, submit
from server.errors import DomainError, VersionConflict
from server.geo import to_shape
from server.registry import districts
from server.registry import service as registry
from server.registry.models import Enterprise

# the fields the forms hold (contacts and the site are kept as they are)
FIELDS = ("credit_code", "name", "address", "district", "industry", "permit_class",
          "permit_number", "positive_list", "positive_list_from", "positive_list_until",
          "credit_rating")
NULLABLE = ("permit_number", "positive_list_from", "positive_list_until", "credit_rating")
UPDATE = EnterpriseUpdateSchema(partial=tuple(EnterpriseFields().fields))
SITE_WIDTH = 240.0


def enterprise_body(form: Mapping[str, str]) -> dict[str, Any]:
    """The form in the shape of the API's bodies: blank optional inputs are null."""
    body: dict[str, Any] = {}
    for name in (*FIELDS, "version"):
        if name in form:
            value = form[name].strip()
            body[name] = None if not value and name in NULLABLE else value
    return body


def form_values(enterprise: Enterprise) -> dict[str, str]:
    """The enterprise as the edit form's inputs hold it."""
    values = {name: getattr(enterprise, name) for name in FIELDS}
    for name in ("positive_list_from", "positive_list_until"):
        values[name] = values[name].isoformat() if values[name] else ""
    values["positive_list"] = "true" if enterprise.positive_list else "false"
    return {name: "" if value is None else str(value)
            for name, value in values.items()} | {"version": str(enterprise.version)}


def site_outline(site: dict[str, Any] | None) -> dict[str, Any] | None:
    """The site's SVG path in a small viewport of its own, or None without a site."""
    if not site:
        return None
    view = Viewport.around(to_shape(site).bounds, width=SITE_WIDTH, margin=0.1)
    return {"path": view.path(site), "width": view.width, "height": round(view.height, 1)}


def _districts(actor: Actor) -> list[Any]:
    """The districts an enterprise of the actor's scope may be in."""
    return districts.in_scope(actor)


def _form_page(template: str, actor: Actor, status: int, detail: str | None,
               errors: dict[str, list[str]], **context: Any) -> Response:
    """A page with an enterprise form, its refusal and field notes."""
    body = render_template(template, districts=_districts(actor), permit_classes=PERMIT_CLASSES,
                           refused=detail, field_errors=errors,
                           labels={name: label(name) for name in errors}, **context)
    return Response(body, status=status, mimetype="text/html")


def _enterprise_page(actor: Actor, enterprise_id: uuid.UUID,
                     typed: Mapping[str, str] | None = None,
                     refused: DomainError | ValidationError | None = None) -> Response:
    """One enterprise; after a refused edit the form keeps what was typed and says why, and
    after a version conflict it holds the enterprise as saved now, at its version."""
    enterprise = registry.get_enterprise(actor, enterprise_id)
    status, detail, errors = refusal(refused) if refused else (200, None, {})
    conflict = isinstance(refused, VersionConflict)
    values = form_values(enterprise) if conflict or typed is None else dict(typed)
    return _form_page("console/enterprise.html", actor, status, detail, errors,
                      enterprise=enterprise, values=values,
                      listed=registry.positive_list_active(enterprise),
                      site=site_outline(enterprise.site),
                      may_update=allowed(actor.role, "enterprise.update"),
                      may_delete=allowed(actor.role, "enterprise.delete"))


def _new_page(actor: Actor, typed: Mapping[str, str] | None = None,
              refused: DomainError | ValidationError | None = None) -> Response:
    """The form to register one enterprise, again with what was typed after a refusal."""
    status, detail, errors = refusal(refused) if refused else (200, None, {})
    values = dict(typed) if typed is not None else {
        "district": actor.scope if not actor.city_wide else "", "positive_list": "false"}
    return _form_page("console/enterprise_new.html", actor, status, detail, errors,
                      values=values)


def _remove_page(actor: Actor, enterprise_id: uuid.UUID,
                 refused: DomainError | ValidationError | None = None) -> Response:
    """The confirmation of a removal, at the version the enterprise is at now."""
    enterprise = registry.get_enterprise(actor, enterprise_id)
    status, detail, errors = refusal(refused) if refused else (200, None, {})
    return _form_page("console/enterprise_remove.html", actor, status, detail, errors,
                      enterprise=enterprise)


@bp.route("/enterprises/<uuid:enterprise_id>", methods=["GET"])
@page("enterprise.read")
def enterprise(actor: Actor, enterprise_id: uuid.UUID) -> Response:
    """One enterprise of the scope (the edit form for those who may change it)."""
    return _enterprise_page(actor, enterprise_id)


@bp.route("/enterprises/<uuid:enterprise_id>", methods=["POST"])
@page("enterprise.update")
def update_enterprise(actor: Actor, enterprise_id: uuid.UUID) -> Response:
    """Save the edit form against the version it was read at."""
    def save() -> Response:
        body = UPDATE.load(enterprise_body(request.form))
        version = body.pop("version")
        registry.update_enterprise(actor, enterprise_id, version, body)
        flash(gettext("The enterprise was saved."))
        return redirect(url_for("console.enterprise", enterprise_id=enterprise_id), 303)

    return submit(save, lambda error: _enterprise_page(actor, enterprise_id, request.form,
                                                       error))


@bp.route("/enterprises/new", methods=["GET"])
@page("enterprise.create")
def new_enterprise(actor: Actor) -> Response:
    """The form to register one enterprise."""
    return _new_page(actor)


@bp.route("/enterprises/new", methods=["POST"])
@page("enterprise.create")
def register_enterprise(actor: Actor) -> Response:
    """Register the enterprise of the form, then show its page."""
    def save() -> Response:
        body = EnterpriseCreateSchema().load(enterprise_body(request.form))
        created = registry.register_enterprise(actor, body)
        flash(gettext("The enterprise was registered."))
        return redirect(url_for("console.enterprise", enterprise_id=created.id), 303)

    return submit(save, lambda error: _new_page(actor, request.form, error))


@bp.route("/enterprises/<uuid:enterprise_id>/remove", methods=["GET"])
@page("enterprise.delete")
def confirm_removal(actor: Actor, enterprise_id: uuid.UUID) -> Response:
    """Ask before removing the enterprise from the register."""
    return _remove_page(actor, enterprise_id)


@bp.route("/enterprises/<uuid:enterprise_id>/remove", methods=["POST"])
@page("enterprise.delete")
def remove_enterprise(actor: Actor, enterprise_id: uuid.UUID) -> Response:
    """Remove the enterprise (soft delete; its history stays) at the version confirmed."""
    def save() -> Response:
        version = DeleteQuerySchema().load({"version": request.form.get("version", "")})
        registry.remove_enterprise(actor, enterprise_id, version["version"])
        flash(gettext("The enterprise was removed from the register."))
        return redirect(url_for("console.enterprises"), 303)

    return submit(save, lambda error: _remove_page(actor, enterprise_id, error))
