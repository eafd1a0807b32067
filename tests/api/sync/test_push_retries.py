"""Push retries and failures: replays, defects, transient refusals, lost connections, flushes."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import text

from tests.api.sync.conftest import mutation
from tests.api.sync.pushed import pushed_inspection


def test_a_retried_batch_replays_the_first_results_and_changes_nothing(client, world):
    tablet = world["a"]
    key = str(uuid.uuid4())
    batch = [mutation("inspection", "create", key, world["inspection_fields"]()),
             mutation("inspection", "update", key, {"findings": "一"}, base=1),
             mutation("violation", "update", str(uuid.uuid4()), {"findings": 1}, base=1)]
    first = tablet.push(*batch)
    assert [r["status"] for r in first] == ["applied", "applied", "rejected"]
    again = tablet.push(*batch)
    assert [r["status"] for r in again] == ["duplicate"] * 3
    assert [r["first"] for r in again] == first
    assert [r["version"] for r in again] == [1, 2, None]
    record = client.get(f"/api/v1/inspections/{key}", headers=tablet.headers).get_json()
    assert record["version"] == 2


def test_the_same_mutation_id_from_another_user_is_not_a_duplicate(world):
    key = pushed_inspection(world)
    edit = mutation("inspection", "update", key, {"findings": "甲"}, base=1)
    assert world["a"].push(edit)[0]["status"] == "applied"
    # B's tablet made the same edit on the same base: not a replay, and nothing conflicts
    again = world["b"].push(edit)[0]
    assert (again["status"], again["version"]) == ("applied", 2)


def test_a_defect_in_one_mutation_is_reported_and_the_others_still_apply(world, monkeypatch):
    from server.sync import push

    def broken(_ctx):
        raise RuntimeError("a bug")

    monkeypatch.setitem(push.HANDLERS, ("signature", "create"), broken)
    key = str(uuid.uuid4())
    results = world["a"].push(mutation("signature", "create", str(uuid.uuid4()), {}),
                              mutation("inspection", "create", key,
                                       world["inspection_fields"]()))
    assert [r["status"] for r in results] == ["rejected", "applied"]
    assert results[0]["problem"]["status"] == 500 and "error_id" in results[0]["problem"]


def test_a_refusal_of_the_moment_is_not_remembered_and_the_resend_applies(world, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from server.sync import push

    real = push.HANDLERS[("inspection", "create")]

    def deadlocked(_ctx):
        raise OperationalError("INSERT", {}, Exception("deadlock detected"))

    monkeypatch.setitem(push.HANDLERS, ("inspection", "create"), deadlocked)
    create = mutation("inspection", "create", str(uuid.uuid4()), world["inspection_fields"]())
    first = world["a"].push(create)[0]
    assert first["status"] == "rejected" and first["problem"]["status"] == 409
    assert "_transient" not in first
    assert first["problem"]["transient"] is True  # says so: a tablet sends it again
    monkeypatch.setitem(push.HANDLERS, ("inspection", "create"), real)
    again = world["a"].push(create)[0]  # the same mutation_id: tried again, not replayed
    assert (again["status"], again["version"]) == ("applied", 1)


def test_a_value_the_database_cannot_store_is_refused_for_good_not_sent_again(
        world, monkeypatch):
    from sqlalchemy.exc import DataError

    from server.sync import push

    def too_long(_ctx):
        raise DataError("INSERT", {}, Exception("value too long for type character varying"))

    monkeypatch.setitem(push.HANDLERS, ("inspection", "create"), too_long)
    create = mutation("inspection", "create", str(uuid.uuid4()), world["inspection_fields"]())
    first = world["a"].push(create)[0]
    assert first["status"] == "rejected" and first["problem"]["status"] == 422
    assert "transient" not in first["problem"]  # sending it again would fail again
    assert "cannot store" in first["problem"]["detail"]
    again = world["a"].push(create)[0]  # a retry replays the refusal
    assert again["status"] == "duplicate" and again["first"] == first


def test_a_connection_lost_mid_batch_refuses_the_whole_push_with_503_and_keeps_nothing(
        world, app, monkeypatch):
    from sqlalchemy import func, select
    from sqlalchemy.exc import OperationalError

    from server.extensions import db
    from server.fieldwork.models import Inspection
    from server.sync import push as pushing
    from server.sync.models import SyncMutation

    tablet, calls = world["a"], []
    real = pushing.HANDLERS[("inspection", "create")]

    def dying(ctx):
        calls.append(ctx.mutation["id"])
        if len(calls) == 2:  # the server closed the connection under the second mutation
            raise OperationalError("INSERT", {}, Exception("server closed the connection"),
                                   connection_invalidated=True)
        return real(ctx)

    monkeypatch.setitem(pushing.HANDLERS, ("inspection", "create"), dying)
    batch = [mutation("inspection", "create", str(uuid.uuid4()), world["inspection_fields"]())
             for _ in range(3)]
    response = tablet.client.post("/api/v1/sync/push", headers=tablet.headers,
                                  json={"device_id": tablet.device, "mutations": batch})
    assert response.status_code == 503, response.get_json()
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.headers["Retry-After"]
    assert len(calls) == 2  # no mutation ran on the dead connection after it died
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Inspection)) == 0
        assert db.session.scalar(select(func.count()).select_from(SyncMutation)) == 0
    monkeypatch.setitem(pushing.HANDLERS, ("inspection", "create"), real)
    assert [r["status"] for r in tablet.push(*batch)] == ["applied"] * 3  # the retry: once


def test_a_mutation_applied_meanwhile_by_another_request_refuses_the_batch_then_replays(
        world, app, monkeypatch):
    from sqlalchemy import func, select

    from server.extensions import db
    from server.fieldwork.models import Inspection
    from server.sync import push as pushing

    tablet = world["a"]
    first = mutation("inspection", "create", str(uuid.uuid4()), world["inspection_fields"]())
    assert tablet.push(first)[0]["status"] == "applied"
    # A retry of that push arrives while the first is still running: its check for seen ids
    # ran before the first committed.
    monkeypatch.setattr(pushing, "_seen", lambda actor, mutations: set())
    monkeypatch.setattr(pushing, "_attempt", lambda actor, m: pushing._base(m) | {
        "status": "applied", "version": 1})
    other = mutation("inspection", "create", str(uuid.uuid4()), world["inspection_fields"]())
    response = tablet.client.post("/api/v1/sync/push", headers=tablet.headers,
                                  json={"device_id": tablet.device, "mutations": [other, first]})
    assert response.status_code == 503, response.get_json()
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.headers["Retry-After"] == "1"
    monkeypatch.undo()
    results = tablet.push(other, first)  # the tablet sends the batch again
    assert [r["status"] for r in results] == ["applied", "duplicate"]
    assert results[1]["first"]["version"] == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Inspection)) == 2


def test_a_refused_mutation_amid_a_batch_leaves_the_others_applied_and_audited_once(
        app, world):
    from sqlalchemy import func, select

    from server.audit.models import AuditEntry
    from server.extensions import db
    from server.sync.models import SyncChange

    made = [str(uuid.uuid4()) for _ in range(4)]
    batch = [mutation("inspection", "create", key, world["inspection_fields"]())
             for key in made]
    batch.insert(2, mutation("violation", "create", str(uuid.uuid4()), {
        "inspection_id": made[0], "code": "NO_SUCH_CODE", "occurred_on": "2026-06-01"}))
    results = world["a"].push(*batch)
    assert [r["status"] for r in results] == ["applied"] * 2 + ["rejected"] + ["applied"] * 2
    assert [r["version"] for r in results] == [1, 1, None, 1, 1]
    with app.app_context():
        audited = db.session.execute(select(AuditEntry.entity_id, func.count()).where(
            AuditEntry.action == "inspection.create").group_by(AuditEntry.entity_id)).all()
        logged = db.session.scalars(select(SyncChange.entity_id).where(
            SyncChange.entity == "inspection")).all()
    assert sorted(audited) == sorted((key, 1) for key in made)
    assert sorted(logged) == sorted(made)


def test_a_run_the_database_refuses_at_its_flush_keeps_the_audit_of_earlier_mutations(
        app, world, monkeypatch):
    from sqlalchemy import select

    from server.audit.models import AuditEntry
    from server.extensions import db
    from server.sync import records

    taken = pushed_inspection(world)
    # Another request creates the id after the run looked: the run's flush is refused.
    monkeypatch.setattr(records, "_unused", lambda mutations: {
        m["id"] for m in mutations if m["op"] == "create"})
    first, later = str(uuid.uuid4()), str(uuid.uuid4())
    results = world["a"].push(
        mutation("inspection", "create", first, world["inspection_fields"]()),
        mutation("inspection", "update", first, {"findings": "乙"}, base=9),  # refused
        mutation("inspection", "create", later, world["inspection_fields"]()),
        mutation("inspection", "create", taken, world["inspection_fields"]()))
    assert [r["status"] for r in results] == ["applied", "rejected", "applied", "applied"]
    with app.app_context():
        created = db.session.scalars(select(AuditEntry.entity_id).where(
            AuditEntry.action == "inspection.create")).all()
    assert sorted(created) == sorted([taken, first, later])


@pytest.mark.skipif(os.environ.get("TEST_DATABASE") != "postgresql",
                    reason="row locks are PostgreSQL's")
def test_a_record_read_before_it_is_locked_is_read_again_under_the_lock(app, world,
                                                                         database_url):
    from sqlalchemy import create_engine

    from server.config import normalise_database_url
    from server.extensions import db
    from server.fieldwork.models import Inspection
    from server.uow import find

    key = uuid.UUID(pushed_inspection(world))
    other = create_engine(normalise_database_url(database_url))
    with app.app_context():
        before = db.session.get(Inspection, key)  # read without a lock, and kept
        assert before.version == 1
        with other.begin() as conn:  # another request changes it meanwhile
            conn.execute(text("UPDATE inspections SET version = 2, findings = '他人' "
                              "WHERE id = :id"), {"id": key})
        locked = find(Inspection, key, lock=True)
        assert locked is before and (locked.version, locked.findings) == (2, "他人")
        assert find(Inspection, key, lock=True) is locked  # locked once per transaction
        db.session.rollback()
    other.dispose()


def test_a_create_refused_for_the_moment_by_a_racing_retry_is_a_duplicate_under_its_own_id(
        world, monkeypatch):
    # The tablet sends a refusal of the moment again under its own mutation_id (offline_sync
    # Store._resend): here is why. Its retry of a push (a read timeout) ran while the first
    # request applied the create, looked before that committed, and hit the record's key.
    from server.fieldwork import inspections
    from server.sync import push

    tablet, key = world["a"], str(uuid.uuid4())
    create = mutation("inspection", "create", key, world["inspection_fields"]())
    assert tablet.push(create)[0]["status"] == "applied"  # its answer lost on the way
    seen, opened = push._seen, inspections.open_inspection
    monkeypatch.setattr(push, "_seen", lambda actor, mutations: set())
    monkeypatch.setattr(inspections, "open_inspection", lambda *args, **kwargs: opened(
        *args, **kwargs | {"new": True}))
    raced = tablet.push(create)[0]
    assert (raced["status"], raced["problem"]["status"], raced["problem"]["transient"]) == (
        "rejected", 409, True)
    monkeypatch.setattr(push, "_seen", seen)
    monkeypatch.setattr(inspections, "open_inspection", opened)
    edited = world["b"].push(mutation("inspection", "update", key, {"findings": "乙补记"},
                                      base=1))[0]
    assert edited["status"] == "applied"  # the co-officer's edit, before the tablet resends
    again = tablet.push(create)[0]
    assert (again["status"], again["first"]["status"]) == ("duplicate", "applied")
    renamed = tablet.push(create | {"mutation_id": str(uuid.uuid4())})[0]
    assert (renamed["status"], list(renamed["problem"]["errors"])) == ("rejected", ["findings"])
