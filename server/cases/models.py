"""Cases with their violations, history and the gap-free number counters."""

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
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    event,
    inspect,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from server.cases.procedure import DECIDED
from server.clock import utcnow
from server.db_types import JSONType, NullableJSONType, UTCDateTime
from server.extensions import db


class ArchivedImmutable(RuntimeError):
    """Something tried to change an archived case."""


class Case(db.Model):
    """A penalty case (行政处罚案件) against one party."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("authority", "filing_year", "filing_seq", name="uq_cases_filing"),
        UniqueConstraint("decision_series", "authority", "decision_year", "decision_seq",
                         name="uq_cases_decision"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    district: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    authority: Mapped[str] = mapped_column(String(4), nullable=False)
    enterprise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enterprises.id"),
                                                     nullable=False, index=True)
    party_type: Mapped[str] = mapped_column(String(20), nullable=False)
    state: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    filing_year: Mapped[int] = mapped_column(Integer, nullable=False)
    filing_seq: Mapped[int] = mapped_column(Integer, nullable=False)
    filing_number: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    decision_series: Mapped[str | None] = mapped_column(String(20))
    decision_year: Mapped[int | None] = mapped_column(Integer)
    decision_seq: Mapped[int | None] = mapped_column(Integer)
    decision_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    discovered_on: Mapped[date] = mapped_column(Date, nullable=False)
    filed_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    filing_extended: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    complex: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    acts: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False)
    proposed_fen: Mapped[int | None] = mapped_column(BigInteger)
    would_be_fen: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    intended_fen: Mapped[int | None] = mapped_column(BigInteger)
    fine_fen: Mapped[int | None] = mapped_column(BigInteger)
    surcharge_fen: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    paid_fen: Mapped[int | None] = mapped_column(BigInteger)
    daily_penalty_fen: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    daily_penalty_on: Mapped[date | None] = mapped_column(Date, index=True)
    daily_penalty: Mapped[dict[str, Any] | None] = mapped_column(NullableJSONType)
    notice_on: Mapped[date | None] = mapped_column(Date)
    hearing_requested_on: Mapped[date | None] = mapped_column(Date)
    hearing_on: Mapped[date | None] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date, index=True)
    served_on: Mapped[date | None] = mapped_column(Date)
    paid_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    archived_on: Mapped[date | None] = mapped_column(Date)
    # SHA-256 of the case file (ZIP) stored at archiving in the evidence store; set once.
    archive_sha256: Mapped[str | None] = mapped_column(String(64))
    steps: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    extensions: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False)
    suspensions: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False)
    next_due_on: Mapped[date | None] = mapped_column(Date, index=True)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class CaseViolation(db.Model):
    """A violation in a case (each violation belongs to one case), with the rules' answer."""

    __tablename__ = "case_violations"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    violation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("violations.id"),
                                                    primary_key=True, unique=True)
    act: Mapped[int] = mapped_column(Integer, nullable=False)
    code: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    decision_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    outcome: Mapped[str] = mapped_column(String(40), nullable=False)
    amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    would_be_fen: Mapped[int | None] = mapped_column(BigInteger)
    basis: Mapped[str | None] = mapped_column(Text)


class CaseEvent(db.Model):
    """One step in a case's history: filing, a transition, an extension or a suspension."""

    __tablename__ = "case_events"
    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_case_events_case_seq"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    event: Mapped[str] = mapped_column(String(20), nullable=False)
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20), nullable=False)
    on: Mapped[date] = mapped_column(Date, nullable=False)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class CaseCounter(db.Model):
    """The last number issued in a series, per authority and year; locked while issuing."""

    __tablename__ = "case_counters"

    series: Mapped[str] = mapped_column(String(20), primary_key=True)
    authority: Mapped[str] = mapped_column(String(4), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


@event.listens_for(Case, "load")
@event.listens_for(Case, "refresh")
def _remember_archived(target: Case, *_args) -> None:
    target._archived_when_loaded = target.state == "archived"


@event.listens_for(Case, "before_update")
def _archived_is_final(_mapper, _connection, target: Case) -> None:
    """Belt and braces under the service's check: a row read as archived is never rewritten."""
    if getattr(target, "_archived_when_loaded", False):
        raise ArchivedImmutable(f"case {target.id} is archived")


# What a link takes from its violation's decision, which an open case follows (follow.py).
FOLLOWED = ("decision_id", "outcome", "amount_fen", "would_be_fen", "basis")


@event.listens_for(CaseViolation, "before_update")
def _links_follow_only_while_open(_mapper, connection, target: CaseViolation) -> None:
    """A case's violations never change once filed; until its decision issues, the link
    follows the violation's decision (and nothing else of it changes)."""
    state = connection.scalar(select(Case.state).where(Case.id == target.case_id))
    moved = [a.key for a in inspect(target).attrs if a.history.has_changes()]
    if state in DECIDED or set(moved) - set(FOLLOWED):
        _links_are_final(_mapper, connection, target)


@event.listens_for(CaseViolation, "before_delete")
def _links_are_final(_mapper, _connection, target: CaseViolation) -> None:
    """A case's violations never leave it."""
    raise ArchivedImmutable(f"violation {target.violation_id} of case {target.case_id} is final")


class CaseExport(db.Model):
    """A case-file export: built by a background job, downloadable once complete."""

    __tablename__ = "case_exports"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), nullable=False,
                                               index=True)
    district: Mapped[str] = mapped_column(String(6), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, index=True)
    purpose: Mapped[str] = mapped_column(String(10), nullable=False, default="request",
                                         server_default="request")  # or "archive"
    progress: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    requested_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    actor: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    file_name: Mapped[str | None] = mapped_column(String(200))
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))  # of manifest.json
    archive_sha256: Mapped[str | None] = mapped_column(String(64))  # the ZIP, if the stored copy
    # Of the export the archive step queued: the case file's data as it stood at the archive
    # commit (casefile_build.fixed_data, JSON text); its copy is built from it. Not loaded
    # with the row (progress polls read the row).
    fixed_data: Mapped[str | None] = mapped_column(Text, deferred=True)
    members: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CaseInquiry(db.Model):
    """An inquiry record (调查询问笔录): who was questioned, by whom, the questions and answers."""

    __tablename__ = "case_inquiries"
    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_case_inquiries_case_seq"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    interviewee: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    place: Mapped[str] = mapped_column(String(200), nullable=False)
    officers: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False)
    recorder: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    qa: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False)
    signature: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    # Each officer who asked, and the recorder: user_id, name, evidence_sha256, signed_at.
    # NULL on records kept before they were recorded (migration 0023): the case file names
    # those signatures as not recorded.
    officer_signatures: Mapped[list[dict[str, Any]] | None] = mapped_column(NullableJSONType)
    recorder_signature: Mapped[dict[str, Any] | None] = mapped_column(NullableJSONType)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class CaseStatement(db.Model):
    """The party's statement or defence (陈述、申辩) after the notice, and the bureau's review."""

    __tablename__ = "case_statements"
    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_case_statements_case_seq"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    received_on: Mapped[date] = mapped_column(Date, nullable=False)
    form: Mapped[str] = mapped_column(String(10), nullable=False)
    made_by: Mapped[str] = mapped_column(String(60), nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    adopted: Mapped[str] = mapped_column(String(10), nullable=False)
    reasoning: Mapped[str] = mapped_column(Text, nullable=False)
    # the notice it answers: 1 for the first, n for the n-th (a re-notice, renotice.py)
    notice: Mapped[int] = mapped_column(Integer, nullable=False, default=1,
                                        server_default="1")
    reviewed_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


@event.listens_for(CaseInquiry, "before_update")
@event.listens_for(CaseInquiry, "before_delete")
@event.listens_for(CaseStatement, "before_update")
@event.listens_for(CaseStatement, "before_delete")
def _records_are_final(_mapper, _connection, target) -> None:
    """Signed records and received statements are evidence: appended, never rewritten."""
    raise ArchivedImmutable(f"{type(target).__name__} {target.id} is final")
