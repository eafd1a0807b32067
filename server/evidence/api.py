"""HTTP: tus 1.0 uploads at /api/v1/uploads/ and the evidence they become.

The tus server is written here from the specification, since no maintained tus server for
Flask exists (see server/evidence/tus.py). Errors are problem+json; the statuses tus prescribes
(409 offset, 412 version, 460 checksum, 410 gone) keep their codes and still carry a problem
body.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

from flask import Response, current_app, json, request, url_for

from schemas.evidence import EvidenceSchema, UploadSchema
from server.apidoc import ApiBlueprint
from server.disposition import attachment
from server.errors import PROBLEM_JSON, DomainError
from server.evidence import service, tus, uploads
from server.evidence.models import READY, Evidence, Upload
from server.evidence.storage import CHUNK
from server.http import accepts, body_limit
from server.registry.views import json_response

blp = ApiBlueprint("evidence", __name__, url_prefix="/api/v1",
                   description="Evidence: resumable uploads (tus 1.0), originals, thumbnails")

UPLOADS = "/api/v1/uploads/"
OFFSET_BODY = {"required": False, "content": {tus.OFFSET_TYPE: {"schema": {
    "type": "string", "format": "binary"}}}}
TUS_HEADERS = {"parameters": [{"in": "header", "name": "Tus-Resumable", "required": True,
                               "schema": {"type": "string", "enum": [tus.VERSION]}}]}


class MethodOverride:
    """tus clients behind proxies send POST with X-HTTP-Method-Override: PATCH or DELETE."""

    def __init__(self, wsgi_app: Any):
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Any) -> Any:
        override = environ.get("HTTP_X_HTTP_METHOD_OVERRIDE", "").upper()
        if (override in ("PATCH", "DELETE", "HEAD") and environ.get("REQUEST_METHOD") == "POST"
                and environ.get("PATH_INFO", "").startswith(UPLOADS)):
            environ["REQUEST_METHOD"] = override
        return self.wsgi_app(environ, start_response)


@blp.record
def _install_override(state) -> None:
    state.app.wsgi_app = MethodOverride(state.app.wsgi_app)


def _is_tus() -> bool:
    return request.path.startswith(UPLOADS)


@blp.before_request
def _tus_version():
    if _is_tus() and request.method != "OPTIONS":
        sent = request.headers.get("Tus-Resumable")
        if sent != tus.VERSION:
            raise tus.unsupported_version(sent)


@blp.after_request
def _tus_headers(response: Response) -> Response:
    if _is_tus():
        response.headers["Tus-Resumable"] = tus.VERSION
        if response.status_code == 204 or (request.method == "HEAD" and response.status_code
                                           < 400):
            response.headers.pop("Content-Type", None)  # no body, so no type
        if response.status_code >= 400 and request.method in ("POST", "PATCH"):
            response.headers["Connection"] = "close"  # the unread body must not be parsed next
    return response


@blp.errorhandler(tus.TusError)
def _tus_problem(error: tus.TusError) -> Response:
    body = {"type": "about:blank", "title": error.title, "status": error.status,
            "detail": error.detail, "instance": request.path}
    return Response(json.dumps(body, ensure_ascii=False), status=error.status,
                    mimetype=PROBLEM_JSON, headers=error.headers)


def _integer_header(name: str) -> int | None:
    try:
        return tus.parse_integer(request.headers.get(name))
    except ValueError as error:
        raise DomainError(f"{name}: {error}.") from error


def _checksum() -> tuple[str, bytes] | None:
    try:
        return tus.parse_checksum(request.headers.get("Upload-Checksum"))
    except ValueError as error:
        raise DomainError(f"Upload-Checksum: {error}.") from error


def _has_body() -> bool:
    return bool(request.content_length) or "chunked" in request.headers.get(
        "Transfer-Encoding", "").lower()


def _location(upload: Upload) -> str:
    return url_for("evidence.upload_head", upload_id=upload.id)


def _upload_headers(upload: Upload) -> dict[str, str]:
    headers = {"Upload-Offset": str(upload.offset), "Upload-Length": str(upload.length),
               "Upload-Expires": tus.http_date(upload.expires_at)}
    if upload.evidence_sha256:
        headers["Evidence-Location"] = url_for("evidence.get_evidence",
                                               sha256=upload.evidence_sha256)
    return headers


@blp.route("/uploads/", methods=["OPTIONS"])
@blp.response(204)
def upload_options():
    """What this tus server supports (no token needed)."""
    return Response(status=204, headers={
        "Tus-Version": tus.VERSION, "Tus-Extension": ",".join(tus.EXTENSIONS),
        "Tus-Max-Size": str(current_app.config["TUS_MAX_SIZE"]),
        "Tus-Checksum-Algorithm": ",".join(tus.CHECKSUMS)})


@blp.route("/uploads/", methods=["POST"])
@blp.response(201, UploadSchema)
@blp.problem(400, "Missing Upload-Length, malformed header, or a zero-byte file")
@blp.problem(412, "Unsupported Tus-Resumable version")
@blp.problem(413, "Upload-Length beyond Tus-Max-Size")
@blp.problem(422, "Upload-Metadata lacks a valid sha256")
@blp.problem(429, "Too many unfinished uploads (TUS_MAX_OPEN_UPLOADS)")
@blp.doc(requestBody=OFFSET_BODY, **TUS_HEADERS)
@body_limit("TUS_MAX_SIZE")
@accepts(tus.OFFSET_TYPE)
@blp.secured
def create_upload(actor):
    """Create an upload (Upload-Length, Upload-Metadata: filename, sha256, kind, filetype);
    a body of application/offset+octet-stream is its first chunk (creation-with-upload)."""
    upload = uploads.create_upload(actor, _integer_header("Upload-Length"),
                                   request.headers.get("Upload-Metadata"))
    location = _location(upload)
    if _has_body():
        try:
            upload = uploads.receive_chunk(actor, upload.id, 0, request.stream,
                                           request.content_length, _checksum())
        except (DomainError, tus.TusError) as error:
            error.headers = {**(error.headers or {}), "Location": location}
            raise
    body = UploadSchema().dump({"id": upload.id, "length": upload.length,
                                "offset": upload.offset, "expires_at": upload.expires_at,
                                "sha256": upload.declared_sha256})
    response = json_response(body, 201)
    response.headers.update({"Location": location, **_upload_headers(upload)})
    return response


@blp.route("/uploads/<uuid:upload_id>", methods=["HEAD"])
@blp.response(200)
@blp.problem(404, "Not your upload, or purged")
@blp.problem(410, "Expired or refused")
@blp.doc(**TUS_HEADERS)
@blp.secured
def upload_head(actor, upload_id: uuid.UUID):
    """How many bytes arrived (Upload-Offset) of how many (Upload-Length)."""
    upload = uploads.upload_status(actor, upload_id)
    headers = {**_upload_headers(upload), "Cache-Control": "no-store"}
    if upload.metadata_header:
        headers["Upload-Metadata"] = upload.metadata_header
    return Response(status=200, headers=headers)


@blp.route("/uploads/<uuid:upload_id>", methods=["PATCH"])
@blp.response(204)
@blp.problem(400, "Missing Upload-Offset or malformed Upload-Checksum")
@blp.problem(404, "Not your upload, or purged")
@blp.problem(409, "Upload-Offset is not the upload's offset")
@blp.problem(410, "Expired or refused")
@blp.problem(413, "The chunk goes beyond Upload-Length")
@blp.problem(415, "Not application/offset+octet-stream; or, at the end, not an accepted file")
@blp.problem(422, "At the end: the bytes do not have the declared SHA-256")
@blp.problem(460, "The chunk does not match Upload-Checksum (discarded)")
@blp.doc(requestBody={**OFFSET_BODY, "required": True}, **TUS_HEADERS)
@body_limit("TUS_MAX_SIZE")
@accepts(tus.OFFSET_TYPE)
@blp.secured
def upload_patch(actor, upload_id: uuid.UUID):
    """Send bytes from Upload-Offset; the last byte turns the file into evidence."""
    offset = _integer_header("Upload-Offset")
    if offset is None:
        raise DomainError("Upload-Offset is required.")
    upload = uploads.receive_chunk(actor, upload_id, offset, request.stream,
                                   request.content_length, _checksum())
    return Response(status=204, headers=_upload_headers(upload))


@blp.route("/uploads/<uuid:upload_id>", methods=["DELETE"])
@blp.response(204)
@blp.problem(404, "Not your upload, or purged")
@blp.doc(**TUS_HEADERS)
@blp.secured
def upload_delete(actor, upload_id: uuid.UUID):
    """Abandon an upload (tus termination); evidence it already became stays."""
    uploads.terminate_upload(actor, upload_id)
    return Response(status=204)


def evidence_json(evidence: Evidence) -> dict[str, Any]:
    """The metadata of one piece of evidence."""
    gps = None
    if evidence.gps_lat is not None:
        gps = {"lat": evidence.gps_lat, "lon": evidence.gps_lon, "alt": evidence.gps_alt}
    return EvidenceSchema().dump({
        **{name: getattr(evidence, name) for name in (
            "sha256", "size", "mime", "kind", "filename", "uploaded_by", "device_id",
            "uploaded_at", "captured_at", "captured_offset", "orientation", "make", "model",
            "width", "height", "flags")},
        "gps": gps, "thumbnail": evidence.derivation == READY})


@blp.route("/evidence/<string:sha256>", methods=["GET"])
@blp.response(200, EvidenceSchema)
@blp.problem(404, "Unknown, still uploading, or outside your scope")
@blp.secured
def get_evidence(actor, sha256: str):
    """Metadata: size, type, who uploaded it from which device, when and where it was taken."""
    return json_response(evidence_json(service.get_evidence(actor, sha256)))


@blp.route("/evidence/<string:sha256>/original", methods=["GET"])
@blp.response(200, {"type": "string", "format": "binary"}, content_type="*/*",
              description="The bytes, as the media type recorded at upload (image/jpeg, "
                          "video/mp4, …; application/octet-stream when none was recognised)")
@blp.problem(404, "Unknown, still uploading, or outside your scope")
@blp.secured
def get_original(actor, sha256: str):
    """The untouched original bytes; every view is recorded in the audit log."""
    evidence, stream = service.open_original(actor, sha256)

    def chunks():
        with stream:
            while chunk := stream.read(CHUNK):
                yield chunk

    digest = base64.b64encode(bytes.fromhex(evidence.sha256)).decode("ascii")
    name = evidence.filename or evidence.sha256
    return Response(chunks(), mimetype=evidence.mime, headers={
        "Content-Length": str(evidence.size), "ETag": f'"{evidence.sha256}"',
        "Repr-Digest": f"sha-256=:{digest}:", "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": attachment(name, name)})


def _derived(actor, sha256: str, variant: str) -> Response:
    data = service.derived_image(actor, sha256, variant)
    return Response(data, mimetype="image/jpeg", headers={
        "ETag": f'"{sha256}-{variant}"', "Cache-Control": "private, max-age=86400",
        "X-Content-Type-Options": "nosniff"})


@blp.route("/evidence/<string:sha256>/thumbnail", methods=["GET"])
@blp.response(200, {"type": "string", "format": "binary"}, content_type="image/jpeg")
@blp.problem(404, "Unknown, outside your scope, or no image (e.g. undecodable)")
@blp.secured
def get_thumbnail(actor, sha256: str):
    """A JPEG at most 320 px on its longer side, upright."""
    return _derived(actor, sha256, "thumbnail")


@blp.route("/evidence/<string:sha256>/preview", methods=["GET"])
@blp.response(200, {"type": "string", "format": "binary"}, content_type="image/jpeg")
@blp.problem(404, "Unknown, outside your scope, or no image (e.g. undecodable)")
@blp.secured
def get_preview(actor, sha256: str):
    """A JPEG at most 1280 px on its longer side, upright."""
    return _derived(actor, sha256, "preview")
