"""The command-line tablet prints stored times (often UTC) as the inspector's local time."""

from __future__ import annotations

import time

import pytest

from offline_sync.cli_base import shown


@pytest.fixture
def in_shanghai(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_utc_time_is_shown_in_the_tablets_local_time_to_the_minute(in_shanghai):
    assert shown("2026-06-01T08:30:45+00:00") == "2026-06-01 16:30 +08:00"
    assert shown("2026-06-01T23:10:00Z") == "2026-06-02 07:10 +08:00"


def test_a_missing_or_unreadable_time_is_shown_as_it_is(in_shanghai):
    assert shown(None) == "—" and shown("") == "—"
    assert shown("soon") == "soon"
    assert shown("2026-06-01T16:30") == "2026-06-01 16:30"  # no offset: as typed
