"""Evidence reports of records: each cited item's presence, position and capture time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app

from server.evidence.service import evidence_facts
from server.extensions import db
from server.fieldwork.evidence_checks import RecordContext, check
from server.fieldwork.models import Inspection, Violation
from server.geo import to_shape
from server.registry.models import Enterprise


def _context(inspection: Any, site: dict[str, Any] | None,
             reported: tuple[float, float] | None) -> RecordContext:
    config = current_app.config
    return RecordContext(
        site=to_shape(site) if site else None, started_at=inspection.started_at,
        ended_at=inspection.ended_at, reported=reported,
        outside_site_m=config["OUTSIDE_SITE_M"], mismatch_m=config["LOCATION_MISMATCH_M"],
        tolerance=timedelta(minutes=config["CAPTURE_TOLERANCE_MIN"]))


def evidence_report(violation: Violation) -> list[dict[str, Any]]:
    """Each cited evidence item: present or missing, and its position and time checks."""
    if not violation.evidence:
        return []
    inspection = db.session.get(Inspection, violation.inspection_id)
    enterprise = db.session.get(Enterprise, violation.enterprise_id)
    checkin = inspection.checkin or {}
    reported = ((violation.lon, violation.lat) if violation.lat is not None
                else (checkin["lon"], checkin["lat"]) if checkin else None)
    context = _context(inspection, enterprise.site, reported)
    facts = evidence_facts(violation.evidence, violation.district)
    return [check(sha256, facts.get(sha256), context) for sha256 in violation.evidence]


def inspection_evidence_report(inspection: Inspection) -> list[dict[str, Any]]:
    """The signature images and their presence."""
    cited = [s["evidence_sha256"] for s in inspection.signatures if s.get("evidence_sha256")]
    if not cited:
        return []
    enterprise = db.session.get(Enterprise, inspection.enterprise_id)
    checkin = inspection.checkin or {}
    context = _context(inspection, enterprise.site,
                       (checkin["lon"], checkin["lat"]) if checkin else None)
    facts = evidence_facts(cited, inspection.district)
    return [check(sha256, facts.get(sha256), context) for sha256 in cited]
