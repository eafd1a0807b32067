"""Human API docs at /api/v1/docs (Swagger UI served from the installed package, no CDN),
and the problem-type descriptions that problem+json `type` URIs point at."""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from flask import Blueprint, Response, abort, jsonify, send_from_directory, url_for

from server.errors import PROBLEM_TYPES

ASSETS = Path(swagger_ui_bundle.swagger_ui_path)
bp = Blueprint("docs", __name__, url_prefix="/api/v1")

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Field enforcement API</title>
<link rel="stylesheet" href="{css}"></head>
<body><div id="swagger-ui"></div>
<script src="{bundle}"></script>
<script src="{init}"></script>
</body></html>
"""

INIT = """window.onload = function () {
  window.ui = SwaggerUIBundle({url: %r, dom_id: "#swagger-ui", deepLinking: true});
};
"""


@bp.get("/docs")
def docs() -> Response:
    """The Swagger UI page."""
    return Response(PAGE.format(css=url_for("docs.asset", name="swagger-ui.css"),
                                bundle=url_for("docs.asset", name="swagger-ui-bundle.js"),
                                init=url_for("docs.init_script")), mimetype="text/html")


@bp.get("/docs/init.js")
def init_script() -> Response:
    """Points Swagger UI at our OpenAPI document."""
    return Response(INIT % url_for("api-docs.openapi_json"), mimetype="text/javascript")


@bp.get("/docs/assets/<path:name>")
def asset(name: str) -> Response:
    """Swagger UI's static files, from the swagger_ui_bundle package."""
    return send_from_directory(ASSETS, name, max_age=86400)


@bp.get("/problems/<slug>")
def problem_type(slug: str) -> Response:
    """What a problem type means."""
    if slug not in PROBLEM_TYPES:
        abort(404)
    status, title, description = PROBLEM_TYPES[slug]
    return jsonify(type=f"/api/v1/problems/{slug}", status=status, title=title,
                   description=description)
