"""HTTP: case-file exports (POST /api/v1/cases/<id>/exports, /api/v1/exports/<id>)."""

from __future__ import annotations

import uuid

from flask import send_file

from schemas.cases import CaseExportSchema
from server.apidoc import ApiBlueprint
from server.cases import exports

blp = ApiBlueprint("case_exports", __name__, url_prefix="/api/v1",
                   description="Case-file exports (案卷): a signed ZIP built in the background")


@blp.route("/cases/<uuid:case_id>/exports", methods=["POST"])
@blp.response(202, CaseExportSchema)
@blp.problem(404, "Unknown case or outside your scope")
@blp.secured
def request_export(actor, case_id: uuid.UUID):
    """Start building the case file; poll the export for progress and the download link."""
    row = exports.request_export(actor, case_id)
    return exports.as_dict(row), 202, {"Location": f"/api/v1/exports/{row.id}"}


@blp.route("/exports/<uuid:export_id>", methods=["GET"])
@blp.response(200, CaseExportSchema)
@blp.problem(404, "Unknown export or outside your scope")
@blp.secured
def get_export(actor, export_id: uuid.UUID):
    """Status, progress and, once done, the download link."""
    return exports.as_dict(exports.get_export(actor, export_id))


@blp.route("/exports/<uuid:export_id>/download", methods=["GET"])
@blp.response(200, content_type="application/zip", description="The case file ZIP")
@blp.problem(404, "Unknown export, outside your scope, or no longer kept")
@blp.problem(409, "Not finished yet")
@blp.problem(410, "Expired: the file was deleted after CASE_EXPORT_TTL_HOURS")
@blp.secured
def download_export(actor, export_id: uuid.UUID):
    """The finished case file, streamed from disk."""
    path, name = exports.download_path(actor, export_id)
    return send_file(path, mimetype="application/zip", as_attachment=True, download_name=name,
                     conditional=True)
