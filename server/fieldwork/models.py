"""Inspection records with their revision history, violations and their rule decisions, and
the index of the evidence files they cite (kept in step at every flush)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
    delete,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from server.clock import utcnow
from server.db_types import JSONType, NullableJSONType, UTCDateTime
from server.extensions import db


class Inspection(db.Model):
    """An on-site inspection record; ids come from the tablet that created it."""

    __tablename__ = "inspections"
    __table_args__ = (Index("ix_inspections_enterprise_started", "enterprise_id", "started_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    enterprise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enterprises.id"), nullable=False)
    district: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    task_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    officers: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checkin: Mapped[dict[str, Any] | None] = mapped_column(NullableJSONType)
    people_present: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False)
    checklist: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False)
    findings: Mapped[str] = mapped_column(Text, nullable=False, default="")
    signatures: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="draft")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    device_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class InspectionRevision(db.Model):
    """A submitted record's earlier content, kept when a correction replaces it."""

    __tablename__ = "inspection_revisions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    inspection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inspections.id"),
                                                     nullable=False, index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    content: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    replaced_by_version: Mapped[int] = mapped_column(Integer, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    corrected_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    corrected_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class Violation(db.Model):
    """A violation found at an enterprise, with the facts the rules need."""

    __tablename__ = "violations"
    __table_args__ = (Index("ix_violations_enterprise_code", "enterprise_id", "code",
                            "occurred_on"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    inspection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inspections.id"),
                                                     nullable=False, index=True)
    enterprise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enterprises.id"), nullable=False)
    district: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    occurred_on: Mapped[date] = mapped_column(Date, nullable=False)
    discovered_on: Mapped[date] = mapped_column(Date, nullable=False)
    # A continuing act (处罚法 第36条: its limitation runs from its end): ended_on is that end,
    # None while it goes on.
    continuing: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    ended_on: Mapped[date | None] = mapped_column(Date)
    party_type: Mapped[str] = mapped_column(String(20), nullable=False, default="organisation")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    facts: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    bases: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    factors: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    mitigation: Mapped[list[str]] = mapped_column(JSONType, nullable=False)
    evidence: Mapped[list[str]] = mapped_column(JSONType, nullable=False)
    first_offence: Mapped[bool] = mapped_column(Boolean, nullable=False)
    distance_to_site_m: Mapped[float | None] = mapped_column(Float)
    flags: Mapped[list[str]] = mapped_column(JSONType, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    device_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class ViolationDecision(db.Model):
    """The rules engine's decision on a violation's facts; every evaluation is kept."""

    __tablename__ = "violation_decisions"
    __table_args__ = (Index("ix_violation_decisions_violation", "violation_id", "sequence",
                            unique=True),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    violation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("violations.id"), nullable=False)
    # Not read anywhere: it tells the unit of work to insert a new violation before its
    # decision when both are flushed together (the services add them without a flush between).
    violation: Mapped[Violation] = relationship()
    sequence: Mapped[int] = mapped_column(Integer, nullable=False)
    violation_version: Mapped[int] = mapped_column(Integer, nullable=False)
    rule_sets: Mapped[list[str]] = mapped_column(JSONType, nullable=False)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    outcome: Mapped[str] = mapped_column(String(40), nullable=False)
    amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    would_be_fen: Mapped[int | None] = mapped_column(BigInteger)
    result: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class EvidenceCitation(db.Model):
    """An evidence file a record cites: an item of a violation's evidence list, or the image of
    a signature on an inspection record. Written by the flush that changes the record, so the
    records citing a file are found by its digest (citations.py)."""

    __tablename__ = "evidence_citations"
    __table_args__ = (Index("ix_evidence_citations_record", "entity", "record_id"),)

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    entity: Mapped[str] = mapped_column(String(20), primary_key=True)  # violation | inspection
    record_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    district: Mapped[str] = mapped_column(String(6), nullable=False)  # the record's


# What a record cites is in one field of it: (entity, field) by model.
CITING_FIELD = {Violation: ("violation", "evidence"), Inspection: ("inspection", "signatures")}


def digests_cited(record: Violation | Inspection) -> set[str]:
    """The digests of the evidence a record cites: its evidence list, or its signatures'
    images (a signature's other fields are words, never a citation)."""
    if isinstance(record, Violation):
        return {sha for sha in record.evidence or () if sha}
    return signature_digests(record.signatures)


def signature_digests(signatures: list[dict[str, Any]] | None) -> set[str]:
    """The images a record's signatures cite (the one rule for what a signature cites)."""
    return {s["evidence_sha256"] for s in signatures or () if s.get("evidence_sha256")}


def _citation_rows(record: Violation | Inspection) -> list[dict[str, Any]]:
    entity, _ = CITING_FIELD[type(record)]
    return [{"sha256": sha, "entity": entity, "record_id": record.id,
             "district": record.district} for sha in sorted(digests_cited(record))]


def _cites_anew(record: Violation | Inspection) -> bool:
    """Whether this flush changed what the record cites, or its district."""
    _, field = CITING_FIELD[type(record)]
    attrs = inspect(record).attrs
    return attrs[field].history.has_changes() or attrs.district.history.has_changes()


@event.listens_for(Session, "after_flush")
def _keep_citations(session: Session, _context: Any) -> None:
    """Write the citations of the records this flush created, changed or deleted, in the same
    transaction (and savepoint): a rollback takes them back with the records."""
    rows: list[dict[str, Any]] = []
    stale: dict[str, list[uuid.UUID]] = {}
    for record in session.new:
        if type(record) in CITING_FIELD:
            rows += _citation_rows(record)
    for record in session.dirty:
        if type(record) in CITING_FIELD and _cites_anew(record):
            stale.setdefault(CITING_FIELD[type(record)][0], []).append(record.id)
            rows += _citation_rows(record)
    for record in session.deleted:
        if type(record) in CITING_FIELD:
            stale.setdefault(CITING_FIELD[type(record)][0], []).append(record.id)
    table = EvidenceCitation.__table__
    for entity, ids in stale.items():
        for start in range(0, len(ids), 500):
            session.execute(delete(table).where(table.c.entity == entity,
                                                table.c.record_id.in_(ids[start:start + 500])))
    if rows:
        session.execute(table.insert(), rows)
