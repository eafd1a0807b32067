"""An enforcement certificate's state on a day: none, valid, expiring within 30 days, expired."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from server.auth.certificates import WARNING_DAYS, certificate_state

TODAY = date(2026, 11, 30)


@pytest.mark.parametrize(("expires", "state"), [
    (None, "none"),
    (TODAY - timedelta(days=1), "expired"),
    (TODAY, "expiring"),  # still valid today: an officer may sign until the day it ends
    (TODAY + timedelta(days=WARNING_DAYS), "expiring"),
    (TODAY + timedelta(days=WARNING_DAYS + 1), "valid"),
])
def test_a_certificate_is_expiring_within_30_days_and_expired_after_its_last_day(
        expires, state):
    assert WARNING_DAYS == 30
    assert certificate_state(expires, TODAY) == state


def test_days_left_counts_to_the_last_valid_day():
    from server.auth.certificates import days_left

    assert days_left(TODAY + timedelta(days=3), TODAY) == 3
    assert days_left(None, TODAY) is None
