"""Which records cite an evidence file (violations' lists, inspections' signatures), and the
districts of those an uploader works on."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import Text, select

from server.extensions import db
from server.fieldwork.models import Inspection, Violation


def citing(sha256: str) -> tuple[list[Violation], list[Inspection]]:
    """Records that cite an evidence item (violations' lists, inspections' signatures)."""
    needle = f'"{sha256}"'
    found = db.session.scalars(select(Violation).where(
        Violation.evidence.cast(Text).contains(needle))).all()
    signed = db.session.scalars(select(Inspection).where(
        Inspection.signatures.cast(Text).contains(needle))).all()
    return list(found), list(signed)


def records_citing(sha256: str, districts: Collection[str]) -> list[Inspection]:
    """The inspection records of these districts (those holding the file) that cite it, by
    their signatures or by one of their violations: a digest alone opens nothing."""
    violations, inspections = citing(sha256)
    found = {record.id: record for record in inspections if record.district in districts}
    for item in violations:
        if item.district in districts and item.inspection_id not in found:
            parent = db.session.get(Inspection, item.inspection_id)
            if parent is not None:
                found[parent.id] = parent
    return list(found.values())


def officers(inspection: Inspection) -> set[str]:
    """The record's officers (user ids): the inspectors who read it wherever they work
    (inspections.authorize_on), so also those who pull it and what it cites."""
    return {o["user_id"] for o in inspection.officers}


def workers(inspection: Inspection) -> set[str]:
    """The record's officers and its creator (user ids)."""
    return officers(inspection) | {str(inspection.created_by)}


def districts_citing(sha256: str, user_id: uuid.UUID) -> set[str]:
    """Districts of the records citing the file that the user works on (an officer or the
    creator of the record, or the creator of the violation)."""
    user = str(user_id)
    violations, inspections = citing(sha256)
    districts = {record.district for record in inspections if user in workers(record)}
    for item in violations:
        parent = db.session.get(Inspection, item.inspection_id)
        if str(item.created_by) == user or (parent is not None and user in workers(parent)):
            districts.add(item.district)
    return districts
