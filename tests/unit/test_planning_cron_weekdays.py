"""A plan's schedule numbers weekdays as crontab does (0 or 7 Sunday, 1 Monday … 6 Saturday),
though APScheduler 3 on its own numbers them from Monday = 0."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from schemas.planning import PlanCreateSchema
from server.planning.service import _due_fire_time

SHANGHAI = ZoneInfo("Asia/Shanghai")
SUNDAY = datetime(2026, 11, 29, tzinfo=SHANGHAI)  # a Sunday, midnight


def _fire_days(schedule: str, days: int = 7) -> list[str]:
    """The weekdays (mon … sun) the schedule fires on in the week from SUNDAY."""
    plan = SimpleNamespace(schedule=schedule, created_at=SUNDAY - timedelta(days=1),
                           period_start=date(2026, 1, 1), period_end=date(2027, 12, 31))
    fired = []
    for offset in range(days):
        end = SUNDAY + timedelta(days=offset, hours=23, minutes=59)
        found = _due_fire_time(plan, end - timedelta(days=1) + timedelta(minutes=1), end)
        if found is not None:
            fired.append(found.astimezone(SHANGHAI).strftime("%a").lower())
    return fired


@pytest.mark.parametrize(("schedule", "weekdays"), [
    ("0 9 * * 1", ["mon"]),
    ("0 9 * * 0", ["sun"]),
    ("0 9 * * 7", ["sun"]),
    ("0 9 * * 1-5", ["mon", "tue", "wed", "thu", "fri"]),
    ("0 9 * * */2", ["sun", "tue", "thu", "sat"]),
    ("0 9 * * 6,0", ["sun", "sat"]),
    ("0 9 * * mon", ["mon"]),
])
def test_a_numbered_weekday_fires_on_crontabs_day(schedule, weekdays):
    assert _fire_days(schedule) == weekdays


def test_sunday_as_seven_is_a_valid_schedule():
    body = {"name": "周日", "district": "310104", "sample": {"count": 1},
            "period": {"start": "2026-01-01", "end": "2026-12-31"}, "schedule": "0 9 * * 7"}
    assert PlanCreateSchema().load(body)["schedule"] == "0 9 * * 7"
