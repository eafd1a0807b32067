"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import JSON, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

JSONType = JSON().with_variant(JSONB(), "postgresql")
# For optional documents: Python None is stored as SQL NULL, not as the JSON value null.
NullableJSONType = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


# SQLAlchemy's SQLite DATETIME storage format, which UTCDateTime.bind_processor writes itself.
_SQLITE_FORMAT = ("%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d."
                  "%(microsecond)06d")


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in, aware UTC datetimes out (SQLite would drop the zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        """Store naive UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use server.clock.utcnow()")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        """Read back as aware UTC."""
        return None if value is None else value.replace(tzinfo=UTC)

    def bind_processor(self, dialect) -> Callable[[datetime | None], Any] | None:
        """On SQLite, the stored text in one step: process_bind_param and then SQLite's
        DATETIME formatting (a dict of seven fields %-formatted) cost a sync push 2% of its
        time, for the same "YYYY-MM-DD HH:MM:SS.ffffff" (tests/unit/test_db_types.py)."""
        if dialect.name != "sqlite" or _SQLITE_FORMAT != getattr(
                self.impl_instance.dialect_impl(dialect), "_storage_format", None):
            return super().bind_processor(dialect)
        naive = self.process_bind_param

        def process(value: datetime | None) -> str | None:
            if value is None:
                return None
            return naive(value, dialect).isoformat(" ", "microseconds")

        return process


def json_text(value: Any) -> str:
    """The engine's encoder of JSON columns: orjson, several times faster than json.dumps on
    the documents a sync push writes (officers, check-ins, rule results)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:  # what orjson does not encode (an integer beyond 64 bits)
        return json.dumps(value)


_PLAIN = frozenset({str, int, float, bool, type(None)})  # JSON as they are


def json_safe(value: Any) -> Any:
    """Dates, datetimes and UUIDs inside JSON documents are stored as ISO strings."""
    if type(value) in _PLAIN:  # most leaves: four isinstance checks spared each
        return value
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value
