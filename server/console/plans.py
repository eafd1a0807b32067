"""Random-inspection plans: create, preview a draw, run it, see its seed and verification."""

from __future__ import annotations

import uuid
from typing import Any

from flask import redirect, render_template, request, url_for
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from schemas.enterprise import PERMIT_CLASSES
from schemas.planning import DrawCreateSchema, PlanCreateSchema
from server.auth import service as auth
from server.auth.policy import CITY, Actor
from server.console.field_labels import label
from server.console.refusal import refusal
from server.console.web import bp, load, page, submit
from server.errors import DomainError
from server.planning import service as planning
from server.registry import districts
from server.registry import service as registry


def _plan_body(form: MultiDict) -> dict[str, Any]:
    """The form's fields in the shape of POST /api/v1/plans."""
    sample_kind = form.get("sample_kind", "count")
    body: dict[str, Any] = {
        "name": form.get("name", ""), "district": form.get("district", ""),
        "population": {"permit_classes": form.getlist("permit_classes"),
                       "industries": [i.strip() for i in form.get("industries", "").split(",")
                                      if i.strip()],
                       "include_positive_list": "include_positive_list" in form},
        "sample": {sample_kind if sample_kind in ("count", "ratio") else "count":
                   form.get("sample_value", "")},
        "cross_district": "cross_district" in form,
        "period": {"start": form.get("period_start", ""), "end": form.get("period_end", "")},
    }
    for name in ("inspectors_per_task", "due_working_days", "max_open_tasks", "schedule"):
        if form.get(name):
            body[name] = form[name]
    return body


def _plans_page(actor: Actor, typed: MultiDict | None = None,
                refused: DomainError | ValidationError | None = None) -> tuple[str, int]:
    """The plans of the scope and the creation form; after a refusal, the form as typed with
    the reasons by field label."""
    status, detail, errors = refusal(refused) if refused else (200, None, {})
    return render_template("console/plans.html", plans=planning.list_plans(actor),
                           districts=districts.in_scope(actor), city=CITY,
                           permit_classes=PERMIT_CLASSES, values=typed or MultiDict(),
                           refused=detail, errors={label(k): v for k, v in errors.items()},
                           ), status


@bp.route("/plans", methods=["GET"])
@page("plan.read")
def plans(actor: Actor):
    """The plans of the scope and the form to create one."""
    return _plans_page(actor)


@bp.route("/plans", methods=["POST"])
@page("plan.create")
def create_plan(actor: Actor):
    """Create a plan from the form (validated by the API's schema); a refusal shows the form
    again as typed."""
    def save():
        body = PlanCreateSchema().load(_plan_body(request.form))
        sample = body["sample"]
        body["sample"] = ({"count": sample["count"]} if "count" in sample
                          else {"ratio": format(sample["ratio"], "f")})
        plan = planning.create_plan(actor, body)
        return redirect(url_for("console.plan", plan_id=plan.id), 303)

    return submit(save, lambda error: _plans_page(actor, request.form, error))


def _plan_page(actor: Actor, plan_id: uuid.UUID,
               refused: DomainError | ValidationError | None = None):
    """One plan, its draws, and (on request) a preview of a draw run now; after a refused
    draw, the reason as typed and why not."""
    found = planning.get_plan(actor, plan_id)
    preview = planning.preview(actor, plan_id) if request.args.get("preview") else None
    status, detail, errors = refusal(refused) if refused else (200, None, {})
    return render_template("console/plan.html", plan=found, preview=preview,
                           draws=planning.list_draws(actor, plan_id),
                           unvisited=planning.unvisited_draws(found.id),
                           reason=request.form.get("reason", "") if refused else "",
                           refused=detail, errors={label(k): v for k, v in errors.items()},
                           ), status


@bp.route("/plans/<uuid:plan_id>", methods=["GET"])
@page("plan.read")
def plan(actor: Actor, plan_id: uuid.UUID):
    """One plan, its draws, and (on request) a preview of a draw run now."""
    return _plan_page(actor, plan_id)


@bp.route("/plans/<uuid:plan_id>/draws", methods=["POST"])
@page("draw.create")
def run_draw(actor: Actor, plan_id: uuid.UUID):
    """Run the draw now, on a seed the server makes (with a reason when one is required); a
    refusal shows the plan again with the reason typed."""
    def save():
        body = load(DrawCreateSchema(), request.form)
        record = planning.draw(actor, plan_id, body["reason"])
        return redirect(url_for("console.draw", draw_id=record.id), 303)

    return submit(save, lambda error: _plan_page(actor, plan_id, error))


@bp.route("/draws/<uuid:draw_id>", methods=["GET"])
@page("draw.read")
def draw(actor: Actor, draw_id: uuid.UUID) -> str:
    """A draw: seed, population hash, selected units and officers, and its verification."""
    record = planning.get_draw(actor, draw_id)
    later = planning.superseded_by(planning.list_draws(actor, record.plan_id))[str(record.id)]
    users = {str(u.id): u for u in auth.list_users()}
    names = {}
    for item in record.selected:
        unit = registry.get_enterprise(actor, uuid.UUID(item["enterprise_id"]))
        names[item["enterprise_id"]] = unit.name
    return render_template("console/draw.html", draw=record, users=users, names=names,
                           superseded_by=later, verification=planning.verify_draw(actor, draw_id))
