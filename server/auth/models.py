"""Users and the device tokens issued to them."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.clock import utcnow
from server.db_types import UTCDateTime
from server.extensions import db


class User(db.Model):
    """A person who signs in: inspector, supervisor, legal staff or administrator."""

    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    username: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    display_name: Mapped[str] = mapped_column(String(120), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    district: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    certificate_no: Mapped[str | None] = mapped_column(String(40))
    certificate_expires: Mapped[date | None] = mapped_column(Date)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # set by an administrator (created, reset): temporary until the user chooses their own
    password_must_change: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # counts changes to what an administrator edits (optimistic locking); not the password
    # nor whether it must change, which no edit form holds
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    tokens: Mapped[list[DeviceToken]] = relationship(back_populates="user")


class DeviceToken(db.Model):
    """An access token bound to one device; only its SHA-256 is stored."""

    __tablename__ = "device_tokens"
    __table_args__ = (Index("ix_device_tokens_user_device", "user_id", "device_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    device_id: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(back_populates="tokens")
