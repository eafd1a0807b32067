"""Fixtures for planning: units, inspector teams, plans, a movable clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from server import clock

DISTRICT = "310115"


class FrozenClock:
    """A fake wall clock: `server.clock.utcnow` answers `now` while it is set."""

    def __init__(self) -> None:
        self.now: datetime | None = None

    def at(self, day: date, hour: int = 10) -> datetime:
        """Stand at `hour` o'clock Shanghai time (UTC+8) on `day`."""
        self.now = datetime.combine(day, time(hour)).replace(tzinfo=UTC) - timedelta(hours=8)
        return self.now


@pytest.fixture
def frozen(monkeypatch) -> FrozenClock:
    """Freeze the clock that planning reads (tokens keep real time)."""
    fake = FrozenClock()
    real = clock.utcnow
    monkeypatch.setattr(clock, "utcnow", lambda: fake.now or real())
    return fake


@pytest.fixture
def city(login) -> dict[str, str]:
    """A city-wide supervisor's headers."""
    return login("supervisor", "310000")


@pytest.fixture
def unit(client, city, enterprise_body) -> Callable[..., str]:
    """Register an enterprise; returns its id."""
    serials = iter(range(100, 100_000))

    def make(district: str = DISTRICT, **extra: Any) -> str:
        response = client.post("/api/v1/enterprises",
                               json=enterprise_body(district, next(serials), **extra),
                               headers=city)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    return make


@pytest.fixture
def team(make_user) -> Callable[..., list[str]]:
    """Create inspectors; returns their ids."""

    def make(count: int = 2, district: str = DISTRICT, **extra: Any) -> list[str]:
        return [str(make_user("inspector", district, **extra)[0].id) for _ in range(count)]

    return make


@pytest.fixture
def plan_body() -> Callable[..., dict[str, Any]]:
    """A valid POST /plans body covering this year and the next."""

    def make(**extra: Any) -> dict[str, Any]:
        today = date.today()
        body = {"name": "2026年第四季度双随机抽查", "district": DISTRICT,
                "sample": {"count": 2}, "inspectors_per_task": 2,
                "period": {"start": date(today.year - 3, 1, 1).isoformat(),
                           "end": date(today.year + 1, 12, 31).isoformat()}}
        body.update(extra)
        return body

    return make


@pytest.fixture
def make_plan(client, plan_body) -> Callable[..., str]:
    """Create a plan as the given headers; returns its id."""

    def make(headers: dict[str, str], **extra: Any) -> str:
        response = client.post("/api/v1/plans", json=plan_body(**extra), headers=headers)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    return make
