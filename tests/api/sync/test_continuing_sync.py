"""A continuing act (continuing, ended_on) through the sync push."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from tests.api.sync.conftest import mutation, shared_record


def test_a_push_creates_and_ends_a_continuing_act(client, world):
    key = shared_record(world)
    violation = str(uuid.uuid4())
    created = world["a"].push(mutation("violation", "create", violation, {
        "inspection_id": key, "code": "AIR_VOC", "occurred_on": "2024-03-01",
        "continuing": True}))[0]
    assert created["status"] == "applied", created
    old_tablet = world["a"].push(mutation("violation", "create", str(uuid.uuid4()), {
        "inspection_id": key, "code": "AIR_VOC", "occurred_on": "2026-06-01"}))[0]
    assert old_tablet["status"] == "applied", old_tablet  # a tablet that sends neither
    ended = world["a"].push(mutation("violation", "update", violation,
                                     {"ended_on": "2024-05-01"}, base=1))[0]
    assert ended["status"] == "applied", ended
    bad = world["a"].push(mutation("violation", "update", violation,
                                   {"ended_on": "2024-01-01"}, base=ended["version"]))[0]
    assert bad["status"] == "rejected", bad
    found = client.get(f"/api/v1/violations/{violation}", headers=world["a"].headers).get_json()
    assert (found["continuing"], found["ended_on"]) == (True, "2024-05-01")


def test_a_base_kept_before_migration_0013_makes_no_conflict_on_continuing(
        app, client, world):
    from server.extensions import db
    from server.sync.models import SyncVersion

    key = shared_record(world)
    violation = str(uuid.uuid4())
    world["a"].push(mutation("violation", "create", violation, {
        "inspection_id": key, "code": "AIR_VOC", "occurred_on": "2024-03-01"}))
    assert world["a"].push(mutation("violation", "update", violation, {"description": "甲"},
                                    base=1))[0]["status"] == "applied"
    with app.app_context():  # the version-1 base as kept before the upgrade: no new fields
        for kept in db.session.scalars(select(SyncVersion).where(
                SyncVersion.entity == "violation")):
            kept.fields = {k: v for k, v in kept.fields.items()
                           if k not in ("continuing", "ended_on")}
        db.session.commit()
    result = world["b"].push(mutation("violation", "update", violation,
                                      {"continuing": True}, base=1))[0]
    # nobody changed `continuing` on the server: it merges (soft), it is not held
    assert result.get("conflicting_fields") == [], result
