"""UTCDateTime's own SQLite bind processor stores what SQLAlchemy's DATETIME would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import DateTime, create_engine
from sqlalchemy.dialects import postgresql, sqlite

from server.db_types import UTCDateTime

SQLITE = sqlite.dialect()
AWARE = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                     timezones=st.sampled_from([UTC, timezone(timedelta(hours=8)),
                                                timezone(timedelta(hours=-11, minutes=-30))]))


def _sqlalchemy_text(value: datetime) -> str:
    """What SQLAlchemy's SQLite DATETIME stores for the naive UTC value."""
    naive = value.astimezone(UTC).replace(tzinfo=None)
    return DateTime().dialect_impl(SQLITE).bind_processor(SQLITE)(naive)


@given(AWARE)
def test_sqlite_text_is_sqlalchemys_datetime_text_of_the_utc_time(value: datetime) -> None:
    process = UTCDateTime().dialect_impl(SQLITE).bind_processor(SQLITE)
    assert process(value) == _sqlalchemy_text(value)


def test_whole_seconds_keep_their_microseconds_digits() -> None:
    process = UTCDateTime().dialect_impl(SQLITE).bind_processor(SQLITE)
    assert process(datetime(2026, 12, 1, 12, 0, tzinfo=timezone(timedelta(hours=8)))) == \
        "2026-12-01 04:00:00.000000"


def test_none_is_null_and_a_naive_datetime_is_refused() -> None:
    process = UTCDateTime().dialect_impl(SQLITE).bind_processor(SQLITE)
    assert process(None) is None
    with pytest.raises(ValueError, match="naive datetime"):
        process(datetime(2026, 12, 1, 12, 0))


def test_postgresql_binds_through_sqlalchemys_own_processing() -> None:
    dialect = postgresql.dialect()
    process = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    value = datetime(2026, 12, 1, 12, 0, tzinfo=timezone(timedelta(hours=8)))
    stored = process(value) if process else value
    assert stored == datetime(2026, 12, 1, 4, 0)


def test_a_stored_value_reads_back_as_the_same_instant(tmp_path) -> None:
    from sqlalchemy import Column, Integer, MetaData, Table, insert, select

    table = Table("t", MetaData(), Column("id", Integer, primary_key=True),
                  Column("at", UTCDateTime()))
    engine = create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    table.metadata.create_all(engine)
    value = datetime(2026, 12, 1, 12, 0, 0, 7, tzinfo=timezone(timedelta(hours=8)))
    with engine.begin() as conn:
        conn.execute(insert(table), [{"id": 1, "at": value}])
        assert conn.execute(select(table.c.at)).scalar_one() == value
    engine.dispose()
