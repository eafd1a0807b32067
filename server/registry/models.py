"""Districts and regulated enterprises (监管对象)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Float, Index, Integer, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from server.clock import utcnow
from server.db_types import JSONType, NullableJSONType, UTCDateTime
from server.extensions import db


class District(db.Model):
    """A county-level division (区) with its outline in WGS-84."""

    __tablename__ = "districts"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(40), nullable=False)
    name_en: Mapped[str] = mapped_column(String(60), nullable=False)
    geometry: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    source: Mapped[str] = mapped_column(Text, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class Enterprise(db.Model):
    """A regulated unit: identity, permit, positive-list status and site polygon."""

    __tablename__ = "enterprises"
    __table_args__ = (
        # A credit code is unique among live records; a soft-deleted unit may be registered anew.
        Index("uq_enterprises_credit_code_live", "credit_code", unique=True,
              sqlite_where=text("deleted_at IS NULL"),
              postgresql_where=text("deleted_at IS NULL")),
        Index("ix_enterprises_district_name", "district", "name"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    credit_code: Mapped[str] = mapped_column(String(18), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    address: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    district: Mapped[str] = mapped_column(String(6), nullable=False)
    industry: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    permit_class: Mapped[str] = mapped_column(String(20), nullable=False)
    permit_number: Mapped[str | None] = mapped_column(String(40))
    positive_list: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    positive_list_from: Mapped[date | None] = mapped_column(Date)
    positive_list_until: Mapped[date | None] = mapped_column(Date)
    credit_rating: Mapped[str | None] = mapped_column(String(20))
    contacts: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    site: Mapped[dict[str, Any] | None] = mapped_column(NullableJSONType)
    site_area_m2: Mapped[float | None] = mapped_column(Float)
    centroid_lon: Mapped[float | None] = mapped_column(Float)
    centroid_lat: Mapped[float | None] = mapped_column(Float)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
