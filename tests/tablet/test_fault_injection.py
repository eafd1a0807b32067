"""Must show: many tablets syncing through a network that drops responses after commit,
duplicates requests and cuts connections mid-body, with server restarts in between; at the end
the server holds exactly what the tablets meant to send: nothing lost, nothing twice."""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import func, select

from offline_sync import Offline, Tablet

from .conftest import LiveServer, make_photo
from .faults import FaultInjector

TABLETS = 8
OPERATIONS = 6
BUDGET_S = 45.0  # the whole run stops by itself well inside a minute


@dataclass
class Intended:
    """What one tablet's user meant to do (the model the server must end up equal to)."""

    photos: set[str] = field(default_factory=set)


class Restarter(threading.Thread):
    """Restarts the server (a new app on the same database) every `every` seconds."""

    def __init__(self, live: LiveServer, every: float):
        super().__init__(daemon=True)
        self.live, self.every, self.halt = live, every, threading.Event()

    def run(self) -> None:
        while not self.halt.wait(self.every):
            self.live.restart()


@pytest.fixture
def network(app):
    faults = FaultInjector(rate=0.35, seed=20261128)
    live = LiveServer(app, faults)
    live.start()
    yield live
    live.stop()


def _work(tablet: Tablet, seed: int, camera: Path, deadline: float) -> Intended:
    """Random intended operations with syncs in between; then sync until nothing is owed."""
    rng, intended = random.Random(seed), Intended()
    for step in range(OPERATIONS):
        if rng.random() < 0.7:
            item = tablet.add_photo(make_photo(camera, seed * 100 + step, size=96))
            intended.photos.add(item.sha256)
        if rng.random() < 0.5:
            try:
                tablet.upload_evidence()
            except Offline:
                pass  # the evening network; the outbox and the evidence wait
    while time.monotonic() < deadline:
        try:
            tablet.upload_evidence()
        except Offline:
            continue
        if not tablet.store.evidence("pending"):
            break
    return intended


def test_many_tablets_under_faults_and_restarts_lose_and_duplicate_no_evidence(
        network, tablet_for, tmp_path):
    from server.audit.models import AuditEntry
    from server.evidence.models import Evidence
    from server.extensions import db

    tablets = [tablet_for(network) for _ in range(TABLETS)]
    deadline = time.monotonic() + BUDGET_S
    restarter = Restarter(network, every=0.8)
    restarter.start()
    try:
        with ThreadPoolExecutor(TABLETS) as pool:
            futures = [pool.submit(_work, tablet, n + 1, tmp_path / f"camera-{n}", deadline)
                       for n, tablet in enumerate(tablets)]
            intended = [f.result() for f in futures]
    finally:
        restarter.halt.set()
        restarter.join()
    assert network.restarts >= 1, "the run was too short to restart the server"
    assert {key.split()[0] for key in network.faults.counts} == {"drop", "duplicate", "cut"}
    assert any(key.endswith("PATCH") for key in network.faults.counts)
    expected = set().union(*(i.photos for i in intended))
    assert all(not t.store.evidence("pending") for t in tablets), "a tablet still owes files"
    with network.app.app_context():
        held = db.session.scalars(select(Evidence.sha256)).all()
        created = dict(db.session.execute(
            select(AuditEntry.entity_id, func.count()).where(
                AuditEntry.action == "evidence.create").group_by(AuditEntry.entity_id)).all())
    assert sorted(held) == sorted(expected)  # zero lost, zero extra
    assert set(created) == expected and set(created.values()) == {1}  # each admitted once
