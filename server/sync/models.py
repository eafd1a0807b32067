"""The change log (one row per synced record, latest state), version snapshots, mutations
seen from tablets, and conflicts kept for a supervisor."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from server.clock import utcnow
from server.db_types import JSONType, NullableJSONType, UTCDateTime
from server.extensions import db


class SyncCounter(db.Model):
    """The one counter row; it is locked from allocation to commit so that sequence numbers
    become visible in order (no reader sees N+1 before N)."""

    __tablename__ = "sync_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class SyncChange(db.Model):
    """The latest change of one record: a new change moves the row to a higher `seq`.

    Scope keys: `district` and `users` (",uuid,uuid,") now, `everyone` for reference data, and
    `other_districts` (",code,code,") whose staff pull it as its district's do (the further
    holders of an evidence file; empty for every other record); `past_districts` /
    `past_users` accumulate every key the record ever had, so a reader who had it and lost it
    gets a revocation."""

    __tablename__ = "sync_changes"
    __table_args__ = (Index("ix_sync_changes_seq", "seq", unique=True),)

    entity: Mapped[str] = mapped_column(String(20), primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    op: Mapped[str] = mapped_column(String(10), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    everyone: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    district: Mapped[str | None] = mapped_column(String(6))
    users: Mapped[str] = mapped_column(Text, nullable=False, default="")
    other_districts: Mapped[str] = mapped_column(Text, nullable=False, default="",
                                                 server_default="")
    past_districts: Mapped[str] = mapped_column(Text, nullable=False, default="")
    past_users: Mapped[str] = mapped_column(Text, nullable=False, default="")
    data: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class SyncVersion(db.Model):
    """The tablet-editable fields of a record at one version: the base of field-wise merges."""

    __tablename__ = "sync_versions"

    entity: Mapped[str] = mapped_column(String(20), primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    fields: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)


HELD = "status = 'pending'"  # literally in the queries too, so the planner uses the index


class SyncMutation(db.Model):
    """A mutation a device sent, with its first result (replayed on a retry); `pending` ones
    wait for the record they need (`waits_for`) and keep their request to apply later."""

    __tablename__ = "sync_mutations"
    __table_args__ = (Index("ix_sync_mutations_waits_for", "waits_for"),
                      # the held ones only: each push asks for them, and the settled ones
                      # grow by every mutation every tablet ever sent
                      Index("ix_sync_mutations_held", "user_id", "waits_for",
                            sqlite_where=text(HELD), postgresql_where=text(HELD)))

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    mutation_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    device_id: Mapped[str] = mapped_column(String(120), nullable=False)
    entity: Mapped[str] = mapped_column(String(20), nullable=False)
    entity_id: Mapped[str] = mapped_column(String(200), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False)
    result: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    request: Mapped[dict[str, Any] | None] = mapped_column(NullableJSONType)
    waits_for: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SyncConflict(db.Model):
    """Edits from a stale base: soft (merged field-wise) or hard (both values kept until a
    supervisor resolves)."""

    __tablename__ = "sync_conflicts"
    __table_args__ = (Index("ix_sync_conflicts_district_status", "district", "status"),
                      Index("ix_sync_conflicts_record", "entity", "entity_id"))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(4), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False)
    entity: Mapped[str] = mapped_column(String(20), nullable=False)
    entity_id: Mapped[str] = mapped_column(String(120), nullable=False)
    district: Mapped[str] = mapped_column(String(6), nullable=False)
    mutation_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    device_id: Mapped[str] = mapped_column(String(120), nullable=False)
    base_version: Mapped[int] = mapped_column(Integer, nullable=False)
    server_version: Mapped[int] = mapped_column(Integer, nullable=False)
    fields: Mapped[list[str]] = mapped_column(JSONType, nullable=False)
    server_values: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    tablet_values: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    merged_fields: Mapped[list[str]] = mapped_column(JSONType, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    tablet_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # its clock
    resolved_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution: Mapped[dict[str, Any] | None] = mapped_column(NullableJSONType)
