"""HTTP: case-file exports (POST /api/v1/cases/<id>/exports, /api/v1/exports/<id>) and the
public keys anyone verifies them with (GET /api/v1/casefile/keys, no account needed)."""

from __future__ import annotations

import uuid

from flask import current_app, send_file

from schemas.cases import CaseExportSchema, CasefileKeysSchema
from server.apidoc import ApiBlueprint
from server.cases import casefile, casefile_keys, exports
from server.disposition import attachment

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
    """The finished case file, streamed from disk, named by its case number and title."""
    path, name, fallback = exports.download_path(actor, export_id)
    response = send_file(path, mimetype="application/zip", conditional=True)
    response.headers["Content-Disposition"] = attachment(name, fallback)
    return response


@blp.route("/casefile/keys", methods=["GET"])
@blp.response(200, CasefileKeysSchema)
def casefile_public_keys():
    """The public keys case files are signed with, for anyone to verify one (a court, a
    party's lawyer, a reviewing authority): no token needed, no secret shown."""
    dates = casefile_keys.key_dates(current_app.config)
    return {"format": casefile.FORMAT,
            "keys": [casefile_keys.describe(key, dates)
                     for key in casefile_keys.published(current_app.config)]}
