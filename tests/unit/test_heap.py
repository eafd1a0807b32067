"""A worker's heap is settled once the app is built (gunicorn.conf.py post_worker_init)."""

import gc
from pathlib import Path

import server.heap
from server.rulesets import service

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def test_settle_loads_the_rule_files_and_freezes_what_is_alive(monkeypatch):
    monkeypatch.setattr(service, "_shipped", {})
    try:
        server.heap.settle()
        assert "book" in service._shipped
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_gunicorn_workers_settle_once_the_app_is_loaded(monkeypatch):
    config: dict = {}
    exec(compile(CONF.read_text(encoding="utf-8"), str(CONF), "exec"), config)
    calls = []
    monkeypatch.setenv("SCHEDULER", "off")
    monkeypatch.setattr(server.heap, "settle", lambda: calls.append("settle"))
    config["post_worker_init"](object())
    assert calls == ["settle"]
