"""HTTP: plans, random draws, verification, publication and recusals."""

from __future__ import annotations

import uuid

from schemas.planning import (
    DrawCreateSchema,
    DrawDetailSchema,
    DrawSchema,
    PlanCreateSchema,
    PlanSchema,
    PublicationSchema,
    RecusalCreateSchema,
    RecusalQuerySchema,
    RecusalSchema,
    VerifySchema,
)
from server.apidoc import ApiBlueprint
from server.planning import recusals, service

blp = ApiBlueprint("planning", __name__, url_prefix="/api/v1",
                   description="Random inspection plans and draws (双随机), recusals")


@blp.route("/plans", methods=["POST"])
@blp.arguments(PlanCreateSchema)
@blp.response(201, PlanSchema)
@blp.problem(422, "Invalid fields")
@blp.secured
def create_plan(actor, body: dict):
    """Define a plan: population, sample (count or ratio), officers per unit, period."""
    sample = body["sample"]
    body["sample"] = ({"count": sample["count"]} if "count" in sample
                      else {"ratio": format(sample["ratio"], "f")})
    return service.create_plan(actor, body)


@blp.route("/plans", methods=["GET"])
@blp.response(200, PlanSchema(many=True))
@blp.secured
def list_plans(actor):
    """Plans in your scope."""
    return service.list_plans(actor)


@blp.route("/plans/<uuid:plan_id>", methods=["GET"])
@blp.response(200, PlanSchema)
@blp.problem(404, "Unknown or outside your scope")
@blp.secured
def get_plan(actor, plan_id: uuid.UUID):
    """One plan."""
    return service.get_plan(actor, plan_id)


@blp.route("/plans/<uuid:plan_id>/draws", methods=["POST"])
@blp.arguments(DrawCreateSchema)
@blp.response(201, DrawSchema)
@blp.problem(404, "Unknown or outside your scope")
@blp.problem(409, "The period is over, or drawn units cannot be staffed")
@blp.problem(422, "A seed was sent, or no reason while earlier drawn units are not visited")
@blp.secured
def create_draw(actor, body: dict, plan_id: uuid.UUID):
    """Draw units and officers now on a server-made seed; the snapshot is frozen and the
    result reproducible. A seed in the body is refused: choosing it would choose the units.
    While an earlier draw of the plan has units not visited, `reason` is required."""
    return service.draw(actor, plan_id, body["reason"])


@blp.route("/plans/<uuid:plan_id>/draws", methods=["GET"])
@blp.response(200, DrawSchema(many=True))
@blp.problem(404, "Unknown or outside your scope")
@blp.secured
def list_draws(actor, plan_id: uuid.UUID):
    """The draws of a plan (supervisors only: confidential before the visits)."""
    return service.list_draws(actor, plan_id)


@blp.route("/plans/<uuid:plan_id>/publication", methods=["GET"])
@blp.response(200, PublicationSchema)
@blp.problem(404, "Unknown or outside your scope")
@blp.secured
def publication(actor, plan_id: uuid.UUID):
    """What may be made public: inspected units; seed and snapshot once all visits started."""
    return service.publication(actor, plan_id)


@blp.route("/draws/<uuid:draw_id>", methods=["GET"])
@blp.response(200, DrawDetailSchema)
@blp.problem(404, "Unknown or outside your scope")
@blp.secured
def get_draw(actor, draw_id: uuid.UUID):
    """One draw with its frozen snapshot."""
    return service.get_draw(actor, draw_id)


@blp.route("/draws/<uuid:draw_id>/verify", methods=["GET"])
@blp.response(200, VerifySchema)
@blp.problem(404, "Unknown or outside your scope")
@blp.secured
def verify_draw(actor, draw_id: uuid.UUID):
    """Re-run the published algorithm on the stored snapshot and seed."""
    return service.verify_draw(actor, draw_id)


@blp.route("/recusals", methods=["POST"])
@blp.arguments(RecusalCreateSchema)
@blp.response(201, RecusalSchema)
@blp.problem(404, "Unknown enterprise")
@blp.problem(409, "Already declared")
@blp.problem(422, "Invalid fields")
@blp.secured
def declare_recusal(actor, body: dict):
    """Declare a conflict (relative, direct interest, other relation): never sent there."""
    recusal, affected = recusals.declare(actor, body)
    return {**{c.name: getattr(recusal, c.name) for c in recusal.__table__.columns},
            "affected_tasks": affected}


@blp.route("/recusals", methods=["GET"])
@blp.arguments(RecusalQuerySchema, location="query")
@blp.response(200, RecusalSchema(many=True))
@blp.secured
def list_recusals(actor, query: dict):
    """Recusals: supervisors see their scope, inspectors their own."""
    return recusals.list_recusals(actor, query.get("enterprise_id"))
