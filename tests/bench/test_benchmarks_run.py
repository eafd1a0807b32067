"""`make bench` is not part of CI: the benchmarks that need no server or database of their own
run here in their quick mode, so a change that breaks one fails the suite (the evidence
holders once stopped bench_casefile). Their figures are not checked: timing is `make bench`'s
business, on a quiet machine."""

from __future__ import annotations

import importlib

import pytest

from bench.__main__ import FIELDS

IN_PROCESS = ("bench_casefile", "bench_enterprise_list", "bench_geofence", "bench_rules")


@pytest.mark.parametrize("name", IN_PROCESS)
def test_the_benchmark_runs_and_reports_its_entries(name):
    entries = importlib.import_module(f"bench.{name}").run(True)
    assert entries
    for key, entry in entries.items():
        assert FIELDS <= set(entry), key
        assert entry["value"] > 0 and entry["baseline"] > 0, key
