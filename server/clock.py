"""The one place that reads the wall clock, so tests can move time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """Current time, timezone-aware UTC."""
    return datetime.now(UTC)


def today_shanghai() -> date:
    """Today's date in Asia/Shanghai, the legal calendar."""
    return utcnow().astimezone(SHANGHAI).date()
