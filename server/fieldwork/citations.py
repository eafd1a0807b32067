"""Which records cite an evidence file (violations' lists, inspections' signature images), and
the districts of those an uploader works on: read by the file's digest from the citations
index (models.EvidenceCitation), which every flush of a record keeps in step."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable

from sqlalchemy import Select, select

from server.extensions import db
from server.fieldwork.models import EvidenceCitation, Inspection, Violation

VIOLATION, INSPECTION = "violation", "inspection"


def _cited(sha256: str, entity: str, districts: Collection[str] | None = None) -> Select:
    """The ids of the records of `entity` citing the file (of these districts, if given)."""
    query = select(EvidenceCitation.record_id).where(EvidenceCitation.sha256 == sha256,
                                                     EvidenceCitation.entity == entity)
    if districts is not None:
        query = query.where(EvidenceCitation.district.in_(list(districts)))
    return query


def cited_by(sha256: str) -> list[tuple[str, uuid.UUID]]:
    """(entity, id) of each record citing the file, without reading the records."""
    return [(entity, key) for entity, key in db.session.execute(
        select(EvidenceCitation.entity, EvidenceCitation.record_id)
        .where(EvidenceCitation.sha256 == sha256))]


def citing(sha256: str) -> tuple[list[Violation], list[Inspection]]:
    """Records that cite an evidence item (violations' lists, inspections' signatures)."""
    found = db.session.scalars(select(Violation).where(
        Violation.id.in_(_cited(sha256, VIOLATION)))).all()
    signed = db.session.scalars(select(Inspection).where(
        Inspection.id.in_(_cited(sha256, INSPECTION)))).all()
    return list(found), list(signed)


def _inspections(ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Inspection]:
    """The inspection records of these ids, in one query."""
    wanted = set(ids)
    if not wanted:
        return {}
    return {record.id: record for record in db.session.scalars(
        select(Inspection).where(Inspection.id.in_(wanted)))}


def records_citing(sha256: str, districts: Collection[str]) -> list[Inspection]:
    """The inspection records of these districts (those holding the file) that cite it, by
    their signatures or by one of their violations: a digest alone opens nothing."""
    signed = db.session.scalars(_cited(sha256, INSPECTION, districts)).all()
    parents = db.session.scalars(select(Violation.inspection_id).where(
        Violation.id.in_(_cited(sha256, VIOLATION, districts)))).all()
    return list(_inspections([*signed, *parents]).values())


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
    parents = _inspections(item.inspection_id for item in violations)
    for item in violations:
        parent = parents.get(item.inspection_id)
        if str(item.created_by) == user or (parent is not None and user in workers(parent)):
            districts.add(item.district)
    return districts
