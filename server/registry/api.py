"""HTTP: the enterprise register and district outlines."""

from __future__ import annotations

import uuid

from flask import request

from schemas.enterprise import (
    CrsQuerySchema,
    DeleteQuerySchema,
    EnterpriseCreateSchema,
    EnterpriseFields,
    EnterpriseListQuerySchema,
    EnterprisePageSchema,
    EnterpriseSchema,
    EnterpriseUpdateSchema,
    ImportQuerySchema,
    ImportReportSchema,
    NearbyEnterpriseSchema,
    NearQuerySchema,
)
from schemas.registry import DistrictSchema
from server.apidoc import ApiBlueprint
from server.errors import ValidationFailed
from server.http import accepts, body_limit
from server.registry import bulk, districts, service
from server.registry.views import enterprise_json, enterprise_page_response, json_response

blp = ApiBlueprint("enterprises", __name__, url_prefix="/api/v1",
                description="The register of regulated enterprises (监管对象)")

UPDATABLE = tuple(EnterpriseFields().fields)


@blp.route("/enterprises", methods=["GET"])
@blp.list_arguments(EnterpriseListQuerySchema)
@blp.response(200, EnterprisePageSchema)
@blp.secured
def list_enterprises(actor, query: dict):
    """List enterprises in your scope (filters; pages of up to 500)."""
    filters = service.EnterpriseFilter(**{k: query.get(k) for k in (
        "district", "permit_class", "positive_list", "industry", "name")})
    items, total = service.list_enterprises(actor, filters, query["page"], query["per_page"])
    return enterprise_page_response(items, total, query["page"], query["per_page"],
                                    query["crs"])


@blp.route("/enterprises/near", methods=["GET"])
@blp.arguments(NearQuerySchema, location="query")
@blp.response(200, NearbyEnterpriseSchema(many=True))
@blp.secured
def enterprises_near(actor, query: dict):
    """Enterprises in your scope whose site lies within `radius_m` of a WGS-84 point."""
    found = service.enterprises_near(actor, query["lon"], query["lat"], query["radius_m"])
    return json_response([{"distance_m": round(distance, 1),
                           "enterprise": enterprise_json(enterprise, query["crs"])}
                          for enterprise, distance in found])


@blp.route("/enterprises", methods=["POST"])
@blp.arguments(EnterpriseCreateSchema)
@blp.response(201, EnterpriseSchema)
@blp.problem(409, "Credit code already registered")
@blp.problem(422, "Invalid fields")
@blp.secured
def create_enterprise(actor, body: dict):
    """Register an enterprise."""
    return json_response(enterprise_json(service.register_enterprise(actor, body)), 201)


@blp.route("/enterprises/<uuid:enterprise_id>", methods=["GET"])
@blp.arguments(CrsQuerySchema, location="query")
@blp.response(200, EnterpriseSchema)
@blp.problem(404, "Unknown or outside your scope")
@blp.secured
def get_enterprise(actor, query: dict, enterprise_id: uuid.UUID):
    """One enterprise; `?crs=gcj02` converts the site for Chinese basemaps."""
    return json_response(enterprise_json(service.get_enterprise(actor, enterprise_id),
                                         query["crs"]))


@blp.route("/enterprises/<uuid:enterprise_id>", methods=["PATCH"])
@blp.arguments(EnterpriseUpdateSchema(partial=UPDATABLE))
@blp.response(200, EnterpriseSchema)
@blp.problem(404, "Unknown or outside your scope")
@blp.problem(409, "Stale version or duplicate credit code")
@blp.secured
def update_enterprise(actor, body: dict, enterprise_id: uuid.UUID):
    """Change fields; send the `version` you read."""
    version = body.pop("version")
    return json_response(enterprise_json(
        service.update_enterprise(actor, enterprise_id, version, body)))


@blp.route("/enterprises/<uuid:enterprise_id>", methods=["DELETE"])
@blp.arguments(DeleteQuerySchema, location="query")
@blp.response(204)
@blp.problem(404, "Unknown or outside your scope")
@blp.problem(409, "Stale version")
@blp.secured
def delete_enterprise(actor, query: dict, enterprise_id: uuid.UUID):
    """Remove from the register (soft delete; history is kept)."""
    service.remove_enterprise(actor, enterprise_id, query["version"])


@blp.route("/enterprises/import", methods=["POST"])
@blp.arguments(ImportQuerySchema, location="query")
@blp.response(200, ImportReportSchema)
@blp.problem(413, "File larger than MAX_IMPORT_BYTES")
@blp.problem(422, "Unreadable file, or bad rows in all_or_nothing mode")
@blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary",
                            "description": "CSV or GeoJSON FeatureCollection"}}}}}})
@body_limit("MAX_IMPORT_BYTES")
@accepts("multipart/form-data")
@blp.secured
def import_enterprises(actor, query: dict):
    """Import a CSV or GeoJSON file: all rows or none (or only the valid rows, if asked)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed("Send the file as multipart field 'file'.",
                               errors={"file": ["missing"]})
    report = bulk.import_enterprises(actor, upload.read(), upload.filename, query["mode"],
                                     query["dry_run"])
    if report.rejected and query["mode"] == "all_or_nothing" and not query["dry_run"]:
        raise ValidationFailed(
            f"{len(report.rejected)} of {report.total} rows are invalid; nothing was imported.",
            errors={f"line {r['line']}": r["errors"] for r in report.rejected},
            rejected=report.rejected, total=report.total)
    return report


@blp.route("/districts", methods=["GET"])
@blp.response(200, DistrictSchema(many=True))
@blp.secured
def list_districts(actor):
    """District outlines (WGS-84) and their provenance."""
    return districts.list_districts()
