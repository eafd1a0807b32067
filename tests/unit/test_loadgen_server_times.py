"""The load bench's server-side latencies, read from gunicorn's access log."""

from __future__ import annotations

from bench import loadgen


def test_server_times_are_read_per_sync_route_in_milliseconds(tmp_path):
    log = tmp_path / "access.log"
    log.write_text("POST /api/v1/sync/push 200 391800\n"
                   "GET /api/v1/sync/pull 200 52300\n"
                   "GET /healthz 200 900\n"
                   "POST /api/v1/sync/push 503 1000\n"
                   "GET /api/v1/sync/push 405 10\n")
    assert loadgen.server_times(log) == {"push": [391.8, 1.0], "pull": [52.3]}


def test_server_times_of_an_empty_log_are_empty(tmp_path):
    log = tmp_path / "access.log"
    log.write_text("")
    assert loadgen.server_times(log) == {"push": [], "pull": []}
