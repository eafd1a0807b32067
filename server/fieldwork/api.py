"""HTTP: inspection records and violations (/api/v1/inspections, /api/v1/violations)."""

from __future__ import annotations

import uuid

from marshmallow import fields

from schemas.common import PageSchema
from schemas.fieldwork import (
    InspectionCreateSchema,
    InspectionFields,
    InspectionListQuerySchema,
    InspectionSchema,
    InspectionUpdateSchema,
    RevisionSchema,
    VersionSchema,
    ViolationCreateSchema,
    ViolationFields,
    ViolationListQuerySchema,
    ViolationSchema,
    ViolationUpdateSchema,
)
from schemas.rules import DecisionRecordSchema
from server.apidoc import ApiBlueprint
from server.fieldwork import inspections, violations
from server.fieldwork.views import inspection_json, violation_json

blp = ApiBlueprint("fieldwork", __name__, url_prefix="/api/v1",
                   description="Inspection records (现场检查笔录) and violations")

INSPECTION_FIELDS = tuple(InspectionFields().fields)
VIOLATION_FIELDS = tuple(ViolationFields().fields)


class InspectionPageSchema(PageSchema):
    """A page of inspection records."""

    items = fields.List(fields.Nested(InspectionSchema), required=True)


class ViolationPageSchema(PageSchema):
    """A page of violations."""

    items = fields.List(fields.Nested(ViolationSchema), required=True)


@blp.route("/inspections", methods=["POST"])
@blp.arguments(InspectionCreateSchema)
@blp.response(201, InspectionSchema)
@blp.alt_response(200, schema=InspectionSchema, description="Already created (a retry)")
@blp.problem(404, "Enterprise unknown or outside your scope")
@blp.problem(409, "The id is taken by another record")
@blp.problem(422, "Invalid fields, officers or certificates")
@blp.secured
def create_inspection(actor, body: dict):
    """Open an inspection record (draft) under the tablet's UUID."""
    record, created = inspections.open_inspection(actor, body)
    return inspection_json(record), 201 if created else 200


@blp.route("/inspections", methods=["GET"])
@blp.list_arguments(InspectionListQuerySchema)
@blp.response(200, InspectionPageSchema)
@blp.secured
def list_inspections(actor, query: dict):
    """Inspection records in your scope, newest first."""
    items, total = inspections.list_inspections(actor, query.get("enterprise_id"),
                                                query.get("status"), query["page"],
                                                query["per_page"])
    return {"items": [inspection_json(i) for i in items], "total": total, "page": query["page"],
            "per_page": query["per_page"]}


@blp.route("/inspections/<uuid:inspection_id>", methods=["GET"])
@blp.response(200, InspectionSchema)
@blp.problem(404, "Unknown or outside your scope")
@blp.secured
def get_inspection(actor, inspection_id: uuid.UUID):
    """One inspection record."""
    return inspection_json(inspections.get_inspection(actor, inspection_id))


@blp.route("/inspections/<uuid:inspection_id>", methods=["PATCH"])
@blp.arguments(InspectionUpdateSchema(partial=INSPECTION_FIELDS))
@blp.response(200, InspectionSchema)
@blp.problem(404, "Unknown or outside your scope")
@blp.problem(409, "Stale version")
@blp.problem(422, "Invalid fields; a submitted record needs a correction_reason")
@blp.secured
def update_inspection(actor, body: dict, inspection_id: uuid.UUID):
    """Edit a draft, or correct a submitted record (the earlier version is kept)."""
    version, reason = body.pop("version"), body.pop("correction_reason", None)
    return inspection_json(inspections.update_inspection(actor, inspection_id, version, body,
                                                         reason))


@blp.route("/inspections/<uuid:inspection_id>/submit", methods=["POST"])
@blp.arguments(VersionSchema)
@blp.response(200, InspectionSchema)
@blp.problem(404, "Unknown or outside your scope")
@blp.problem(409, "Stale version or already submitted")
@blp.problem(422, "Missing end time or signatures")
@blp.secured
def submit_inspection(actor, body: dict, inspection_id: uuid.UUID):
    """Submit the record: signatures of two officers and of the party (or its refusal)."""
    return inspection_json(inspections.submit_inspection(actor, inspection_id, body["version"]))


@blp.route("/inspections/<uuid:inspection_id>/revisions", methods=["GET"])
@blp.response(200, RevisionSchema(many=True))
@blp.problem(404, "Unknown or outside your scope")
@blp.secured
def inspection_revisions(actor, inspection_id: uuid.UUID):
    """Earlier versions of a corrected record, with the reasons."""
    return inspections.revisions(actor, inspection_id)


@blp.route("/violations", methods=["POST"])
@blp.arguments(ViolationCreateSchema)
@blp.response(201, ViolationSchema)
@blp.alt_response(200, schema=ViolationSchema, description="Already created (a retry)")
@blp.problem(404, "Inspection unknown or outside your scope")
@blp.problem(409, "The id is taken by another record")
@blp.problem(422, "Invalid fields or unknown catalogue code")
@blp.secured
def create_violation(actor, body: dict):
    """Record a violation; the waiver list and penalty rules decide it at once."""
    record, created = violations.record_violation(actor, body)
    return violation_json(record), 201 if created else 200


@blp.route("/violations", methods=["GET"])
@blp.list_arguments(ViolationListQuerySchema)
@blp.response(200, ViolationPageSchema)
@blp.secured
def list_violations(actor, query: dict):
    """Violations in your scope, of an inspection or an enterprise, in the order the acts
    happened, a page at a time."""
    items, total = violations.page_violations(actor, query.get("inspection_id"),
                                              query.get("enterprise_id"), query["page"],
                                              query["per_page"])
    return {"items": [violation_json(v) for v in items], "total": total, "page": query["page"],
            "per_page": query["per_page"]}


@blp.route("/violations/<uuid:violation_id>", methods=["GET"])
@blp.response(200, ViolationSchema)
@blp.problem(404, "Unknown or outside your scope")
@blp.secured
def get_violation(actor, violation_id: uuid.UUID):
    """One violation with the rules engine's latest decision."""
    return violation_json(violations.get_violation(actor, violation_id))


@blp.route("/violations/<uuid:violation_id>", methods=["PATCH"])
@blp.arguments(ViolationUpdateSchema(partial=VIOLATION_FIELDS))
@blp.response(200, ViolationSchema)
@blp.problem(404, "Unknown or outside your scope")
@blp.problem(409, "Stale version")
@blp.secured
def update_violation(actor, body: dict, violation_id: uuid.UUID):
    """Change facts; the violation is re-decided and the earlier decision kept."""
    version = body.pop("version")
    return violation_json(violations.update_violation(actor, violation_id, version, body))


@blp.route("/violations/<uuid:violation_id>/decisions", methods=["GET"])
@blp.response(200, DecisionRecordSchema(many=True))
@blp.problem(404, "Unknown or outside your scope")
@blp.secured
def violation_decisions(actor, violation_id: uuid.UUID):
    """Every decision taken on the violation, with the rule-set versions used."""
    return violations.decisions(actor, violation_id)
