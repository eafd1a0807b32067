"""GET /healthz: the database answers and evidence storage takes writes."""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from schemas.registry import HealthSchema
from server.apidoc import ApiBlueprint
from server.errors import ServiceUnavailable
from server.evidence.storage import store_from_url
from server.extensions import db

log = logging.getLogger(__name__)
blp = ApiBlueprint("health", __name__, description="Liveness")


@blp.route("/healthz", methods=["GET"])
@blp.response(200, HealthSchema)
@blp.problem(503, "A dependency is down")
def healthz():
    """Check the database and the evidence store."""
    failures = {}
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        log.error("health: database unreachable: %s", error)
        db.session.rollback()
        failures["database"] = "unreachable"
    try:
        store_from_url(current_app.config["EVIDENCE_STORE"]).check_writable()
    except (OSError, ValueError) as error:
        log.error("health: evidence store not writable: %s", error)
        failures["evidence_store"] = "not writable"
    if failures:
        raise ServiceUnavailable("; ".join(f"{k}: {v}" for k, v in failures.items()),
                                 checks=failures)
    return {"status": "ok", "database": "ok", "evidence_store": "ok"}
