"""A worker's heap is settled once the app is built (gunicorn.conf.py post_worker_init)."""

import gc
from pathlib import Path
from types import SimpleNamespace

import pytest

import server.heap
from server.deployment import UnsafeDeployment
from server.rulesets import service

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def test_settle_loads_the_rule_files_and_freezes_what_is_alive(monkeypatch):
    monkeypatch.setattr(service, "_shipped", {})
    threshold = gc.get_threshold()
    try:
        server.heap.settle()
        assert "book" in service._shipped
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (10_000, *threshold[1:])  # young collections less often
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


def _worker(workers: int, **config):
    """A gunicorn worker as post_worker_init sees it: its app's config and the worker count."""
    return SimpleNamespace(wsgi=SimpleNamespace(config={"APP_ENV": "development"} | config),
                           cfg=SimpleNamespace(workers=workers))


def _post_worker_init():
    config: dict = {}
    exec(compile(CONF.read_text(encoding="utf-8"), str(CONF), "exec"), config)
    return config["post_worker_init"]


def test_gunicorn_workers_settle_once_the_app_is_loaded(monkeypatch):
    calls = []
    monkeypatch.setenv("SCHEDULER", "off")
    monkeypatch.setattr(server.heap, "settle", lambda: calls.append("settle"))
    _post_worker_init()(_worker(4))
    assert calls == ["settle"]


def test_production_workers_refuse_to_start_counting_sign_ins_each_on_its_own(monkeypatch):
    calls = []
    monkeypatch.setenv("SCHEDULER", "off")
    monkeypatch.setattr(server.heap, "settle", lambda: calls.append("settle"))
    with pytest.raises(UnsafeDeployment, match="RATELIMIT_STORAGE_URI"):
        _post_worker_init()(_worker(4, APP_ENV="production",
                                    RATELIMIT_STORAGE_URI="memory://"))
    _post_worker_init()(_worker(4, APP_ENV="production",
                                RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379"))
    assert calls == ["settle"]
