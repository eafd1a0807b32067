"""Evidence records (content-addressed, write-once) and the tus uploads that deliver them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from server.clock import utcnow
from server.db_types import JSONType, UTCDateTime
from server.extensions import db

# Derivation states: thumbnails are made off the upload path, by the derive_pending job or on
# the first read of the evidence, whichever comes first.
PENDING, READY, FAILED, NOT_APPLICABLE = "pending", "ready", "failed", "none"


class Evidence(db.Model):
    """One original file, addressed by its SHA-256; only derived facts are ever updated."""

    __tablename__ = "evidence"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    mime: Mapped[str] = mapped_column(String(100), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    filename: Mapped[str | None] = mapped_column(String(255))
    uploaded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    district: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    device_id: Mapped[str | None] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    captured_offset: Mapped[str | None] = mapped_column(String(6))
    gps_lat: Mapped[float | None] = mapped_column(Float)
    gps_lon: Mapped[float | None] = mapped_column(Float)
    gps_alt: Mapped[float | None] = mapped_column(Float)
    orientation: Mapped[int | None] = mapped_column(Integer)
    make: Mapped[str | None] = mapped_column(String(100))
    model: Mapped[str | None] = mapped_column(String(100))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    flags: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    derivation: Mapped[str] = mapped_column(String(10), nullable=False, default=NOT_APPLICABLE)


class EvidenceHolder(db.Model):
    """A district whose staff uploaded this file: the same bytes uploaded in two districts are
    one piece of evidence that each may read (Evidence.district is the first uploader's)."""

    __tablename__ = "evidence_holders"

    sha256: Mapped[str] = mapped_column(ForeignKey("evidence.sha256"), primary_key=True)
    district: Mapped[str] = mapped_column(String(6), primary_key=True)


class Upload(db.Model):
    """A tus upload in progress, bound to the user and device that created it."""

    __tablename__ = "uploads"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False,
                                               index=True)
    device_id: Mapped[str | None] = mapped_column(String(100))
    length: Mapped[int] = mapped_column(BigInteger, nullable=False)
    offset: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    metadata_header: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # The staged parts that count, in order: {key, offset, size, sha256}.
    parts: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    filename: Mapped[str | None] = mapped_column(String(255))
    declared_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[str | None] = mapped_column(String(20))
    filetype: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    refused: Mapped[str | None] = mapped_column(Text)
