"""`make bench` is not part of CI: the benchmarks run here in their quick mode on SQLite, so a
change that breaks one fails the suite (the evidence holders once stopped bench_casefile; an
audit key the seeding app and gunicorn did not share once stopped bench_evidence). The load
benchmark (PostgreSQL, 50 tablets) is not among them. Their figures are not checked: timing is
`make bench`'s business, on a quiet machine."""

from __future__ import annotations

import importlib

import pytest

from bench.__main__ import FIELDS

QUICK = ("bench_casefile", "bench_enterprise_list", "bench_geofence", "bench_rules",
         "bench_sync", "bench_evidence")


@pytest.mark.parametrize("name", QUICK)
def test_the_benchmark_runs_and_reports_its_entries(name, monkeypatch):
    for variable in ("BENCH_DATABASE_URL", "TEST_DATABASE_URL"):  # bench_sync would empty it
        monkeypatch.delenv(variable, raising=False)
    entries = importlib.import_module(f"bench.{name}").run(True)
    assert entries
    for key, entry in entries.items():
        assert FIELDS <= set(entry), key
        assert entry["value"] > 0 and entry["baseline"] > 0, key
