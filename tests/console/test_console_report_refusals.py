"""The statistics page refuses a period it cannot report in the user's language; the API
keeps its English."""

from __future__ import annotations

from tests.console.conftest import OWN


def test_a_period_ending_before_it_starts_is_refused_in_chinese(client, console, world):
    answer = console("supervisor", OWN).get("/console/reports?from=2026-12-01&to=2026-01-01")
    assert answer.status_code == 422
    body = answer.get_data(as_text=True).split("<main")[1]
    assert "截止日期早于起始日期" in body
    assert "ends before" not in body and "before from" not in body
    api = client.get("/api/v1/reports/summary?from=2026-12-01&to=2026-01-01",
                     headers=world["supervisor"])
    assert api.get_json()["detail"] == "The period ends before it starts."
    assert api.get_json()["errors"] == {"to": ["before from"]}


def test_a_period_too_long_is_refused_in_chinese(client, console, world):
    answer = console("supervisor", OWN).get("/console/reports?from=2000-01-01&to=2026-01-01")
    assert answer.status_code == 422
    body = answer.get_data(as_text=True).split("<main")[1]
    assert "10年" in body and "at most" not in body
    api = client.get("/api/v1/reports/summary?from=2000-01-01&to=2026-01-01",
                     headers=world["supervisor"])
    assert api.get_json()["detail"] == "A report covers at most 10 years."
