"""Rule-set versions imported by legal staff (the shipped ones live in server/rules/data/)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.clock import utcnow
from server.db_types import JSONType, UTCDateTime
from server.extensions import db


class ImportedRuleSet(db.Model):
    """One imported version; immutable once stored (a correction is a newer version)."""

    __tablename__ = "imported_rule_sets"

    ref: Mapped[str] = mapped_column(String(120), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    rule_id: Mapped[str] = mapped_column(String(80), nullable=False)
    version: Mapped[str] = mapped_column(String(40), nullable=False)
    effective_from: Mapped[date] = mapped_column(Date, nullable=False)
    effective_until: Mapped[date | None] = mapped_column(Date)
    verified: Mapped[bool] = mapped_column(Boolean, nullable=False)
    document: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    diff_summary: Mapped[str] = mapped_column(Text, nullable=False, default="")
    imported_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
