"""Must show: many tablets syncing through a network that drops responses after commit,
duplicates requests and cuts connections mid-body, with server restarts in between; at the end
the server holds exactly what the tablets meant to send: nothing lost, nothing twice."""

from __future__ import annotations

import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import func, select

from offline_sync import Offline, Tablet

from .conftest import LiveServer, make_photo
from .faults import FaultInjector

TABLETS = 8
OPERATIONS = 10
BUDGET_S = 35.0  # with the final 10 s drain, the run stops by itself inside a minute


@dataclass
class Intended:
    """What one tablet's user meant to do: the model the server must end up equal to."""

    inspections: dict[str, dict] = field(default_factory=dict)  # id -> findings, version
    violations: dict[str, dict] = field(default_factory=dict)  # id -> evidence, version
    photos: set[str] = field(default_factory=set)
    mutations: int = 0


class Restarter(threading.Thread):
    """Restarts the server (a new app on the same database) `first` seconds after it starts,
    then every `every` seconds. The first comes early: on a fast machine the tablets' work
    may be over before a whole period has passed, and then no restart would have met it."""

    def __init__(self, live: LiveServer, every: float, first: float = 0.25):
        super().__init__(daemon=True)
        self.live, self.every, self.first = live, every, first
        self.halt = threading.Event()

    def run(self) -> None:
        wait = self.first
        while not self.halt.wait(wait):
            self.live.restart()
            wait = self.every


@pytest.fixture
def network(app):
    faults = FaultInjector(rate=0.35, seed=20261128)
    live = LiveServer(app, faults)
    live.start()
    yield live
    live.stop()


def _act(tablet: Tablet, rng: random.Random, intended: Intended, enterprise: str,
         team: list[str], camera: Path, step: int) -> None:
    """One random thing an inspector does offline."""
    choice = rng.random()
    if not intended.inspections or choice < 0.25:
        findings = f"第{step}项检查"
        key = tablet.new_inspection(enterprise, team, findings=findings)
        intended.inspections[key] = {"findings": findings, "version": 1}
    elif choice < 0.5:
        key = rng.choice(sorted(intended.inspections))
        findings = f"更正{step}"
        tablet.record("inspection", "update", key, {"findings": findings})
        intended.inspections[key] = {"findings": findings,
                                     "version": intended.inspections[key]["version"] + 1}
    elif choice < 0.7:
        key = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        tablet.record("violation", "create", key, {
            "inspection_id": rng.choice(sorted(intended.inspections)), "code": "AIR_VOC",
            "occurred_on": "2026-06-01"})
        intended.violations[key] = {"evidence": [], "version": 1}
    else:
        target = rng.choice(sorted(intended.violations)) if intended.violations else None
        item = tablet.add_photo(make_photo(camera, rng.getrandbits(48), size=96), target)
        intended.photos.add(item.sha256)
        if target:
            intended.violations[target]["evidence"].append(item.sha256)
            intended.violations[target]["version"] += 1
            intended.mutations += 1
        return
    intended.mutations += 1


def _work(tablet: Tablet, seed: int, enterprise: str, team: list[str], camera: Path,
          deadline: float) -> Intended:
    """Random intended operations with syncs in between; then sync until nothing is owed."""
    rng, intended = random.Random(seed), Intended()
    for step in range(OPERATIONS):
        _act(tablet, rng, intended, enterprise, team, camera, step)
        if rng.random() < 0.4:
            try:
                tablet.push()
                tablet.upload_evidence()
                tablet.pull(limit=100)  # pulls meet the faults too, not only the final drain
            except Offline:
                pass  # the evening network; the outbox and the evidence wait
    _drain(tablet, deadline)
    return intended


def _drain(tablet: Tablet, deadline: float) -> None:
    """Sync until the tablet owes nothing (or the time is up), then pull."""
    while time.monotonic() < deadline:
        try:
            tablet.push()
            tablet.upload_evidence()
            tablet.pull(limit=100)
        except Offline:
            continue
        if not tablet.store.queued() and not tablet.store.evidence("pending"):
            return


def test_many_tablets_under_faults_and_restarts_lose_and_duplicate_nothing(
        network, tablet_for, make_user, client, login, enterprise_body, tmp_path):
    from server.audit.models import AuditEntry
    from server.evidence.models import Evidence
    from server.extensions import db
    from server.fieldwork.models import Inspection, Violation
    from server.sync.models import SyncConflict, SyncMutation

    enterprise = client.post("/api/v1/enterprises", json=enterprise_body("310115", 1),
                             headers=login("supervisor", "310115")).get_json()["id"]
    users = [make_user("inspector", "310115") for _ in range(TABLETS)]
    tablets = [tablet_for(network, user, password) for user, password in users]
    teams = [[str(user.id), str(users[(n + 1) % TABLETS][0].id)]
             for n, (user, _) in enumerate(users)]
    deadline = time.monotonic() + BUDGET_S
    restarter = Restarter(network, every=1.5)
    restarter.start()
    try:
        with ThreadPoolExecutor(TABLETS) as pool:
            futures = [pool.submit(_work, tablet, n + 1, enterprise, teams[n],
                                   tmp_path / f"camera-{n}", deadline)
                       for n, tablet in enumerate(tablets)]
            intended = [f.result() for f in futures]
    finally:
        restarter.halt.set()
        restarter.join()
    network.faults.enabled = False  # the network comes back: whatever is still owed goes now
    final = time.monotonic() + 10
    for tablet in tablets:
        _drain(tablet, final)
    faults = network.faults.counts
    assert network.restarts >= 1, "the run was too short to restart the server"
    assert {key.split()[0] for key in faults} == {"drop", "duplicate", "cut"}, faults
    assert {k.split()[1] for k in faults} == {"GET", "POST", "PATCH"}, faults
    for tablet, meant in zip(tablets, intended, strict=True):
        assert tablet.store.queued() == [] and tablet.store.evidence("pending") == []
        pulled = {r["id"]: {"findings": r["findings"], "version": r["version"]}
                  for r in tablet.store.records("inspection")}
        assert {k: pulled.get(k) for k in meant.inspections} == meant.inspections
        assert {o.status for o in tablet.store.outcomes()} <= {"applied", "resent"}, \
            [o.result for o in tablet.store.outcomes() if o.status != "applied"]
    inspections = {k: v for i in intended for k, v in i.inspections.items()}
    violations = {k: {**v, "evidence": sorted(v["evidence"])}  # citing is a set
                  for i in intended for k, v in i.violations.items()}
    photos = set().union(*(i.photos for i in intended))
    with network.app.app_context():
        held = {str(r.id): {"findings": r.findings, "version": r.version}
                for r in db.session.scalars(select(Inspection))}
        cited = {str(r.id): {"evidence": sorted(r.evidence), "version": r.version}
                 for r in db.session.scalars(select(Violation))}
        evidence = db.session.scalars(select(Evidence.sha256)).all()
        admitted = dict(db.session.execute(
            select(AuditEntry.entity_id, func.count()).where(
                AuditEntry.action == "evidence.create").group_by(AuditEntry.entity_id)).all())
        statuses = dict(db.session.execute(select(SyncMutation.status, func.count())
                                           .group_by(SyncMutation.status)).all())
        conflicts = db.session.scalar(select(func.count()).select_from(SyncConflict))
    assert held == inspections  # every record, every edit exactly once (versions count them)
    assert cited == violations  # every link once
    assert sorted(evidence) == sorted(photos)  # zero lost, zero extra
    assert set(admitted) == photos and set(admitted.values()) == {1}  # each admitted once
    resent = sum(o.status == "resent" for t in tablets for o in t.store.outcomes())
    # each intended mutation applied once; a rejection only where the server said "send it
    # again" and the tablet did, under a new mutation_id. A refusal of the moment (the
    # database refused the row under concurrency) is not remembered at all, so the
    # remembered rejections are at most the resends.
    assert statuses.pop("applied") == sum(i.mutations for i in intended)
    assert set(statuses) <= {"rejected"} and statuses.get("rejected", 0) <= resent, statuses
    assert conflicts == 0  # retries and replays never look like a second editor
