"""The representation of inspection records and violations, shared by the REST views and the
sync change log (one source, so a pulled record equals the record read over REST)."""

from __future__ import annotations

from datetime import date
from typing import Any

from server.fieldwork import violations
from server.fieldwork.models import Inspection, Violation, ViolationDecision
from server.rulesets import service as rulesets

LATEST = object()  # "look the decision in force up"


def inspection_json(record: Inspection) -> dict[str, Any]:
    """An inspection record with its officers' ids and evidence checks."""
    data = {k: getattr(record, k) for k in (
        "id", "enterprise_id", "task_id", "officers", "district", "started_at", "ended_at",
        "checkin", "people_present", "checklist", "findings", "signatures", "status",
        "submitted_at", "version", "created_at", "updated_at")}
    data["inspector_ids"] = [o["user_id"] for o in record.officers]
    data["evidence_checks"] = violations.inspection_evidence_report(record)
    data["missing_evidence"] = [c["sha256"] for c in data["evidence_checks"] if not c["present"]]
    return data


def _facts(stored: dict[str, Any] | None) -> dict[str, Any] | None:
    """The facts as the schema dumps them: the correction day, stored as JSON text, a date."""
    if not stored or not isinstance(stored.get("corrected_on"), str):
        return stored
    return {**stored, "corrected_on": date.fromisoformat(stored["corrected_on"])}


def violation_json(record: Violation, decision: ViolationDecision | None | object = LATEST
                   ) -> dict[str, Any]:
    """A violation with the decision in force and its evidence checks.

    `decision` may be given when the caller loaded the decisions of many violations at once."""
    data = {k: getattr(record, k) for k in (
        "id", "inspection_id", "enterprise_id", "district", "code", "occurred_on",
        "discovered_on", "continuing", "ended_on", "party_type", "description", "facts",
        "bases", "factors", "mitigation", "evidence", "first_offence", "distance_to_site_m",
        "flags", "version", "created_at", "updated_at")}
    data["facts"] = _facts(record.facts)
    data["location"] = None if record.lat is None else {
        "lat": record.lat, "lon": record.lon, "accuracy_m": record.accuracy_m, "crs": "wgs84"}
    claimed = (record.facts or {}).get("first_offence")
    codes = " or ".join([record.code, *sorted(rulesets.same_act(record.code) - {record.code})])
    data["first_offence_disagreement"] = None if claimed in (None, record.first_offence) else (
        f"The inspector recorded first_offence={str(claimed).lower()}, but the server's history "
        f"{'has no' if record.first_offence else 'has an'} earlier {codes} violation at "
        "this enterprise; the server's finding is used.")
    if decision is LATEST:
        decision = violations.latest_decision(record.id)
    data["decision"] = decision.result if isinstance(decision, ViolationDecision) else None
    data["evidence_checks"] = violations.evidence_report(record)
    data["missing_evidence"] = [c["sha256"] for c in data["evidence_checks"] if not c["present"]]
    return data
