"""The audit chain: every write is recorded with its actor; tampering is detected."""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import inspect, select, text

from server.audit.models import AuditEntry
from server.extensions import db


@pytest.fixture
def history(client, login, enterprise_body):
    """Three writes through the API."""
    headers = login("supervisor", "310115", device_id="desk-7")
    created = client.post("/api/v1/enterprises", json=enterprise_body(), headers=headers).get_json()
    client.patch(f"/api/v1/enterprises/{created['id']}", json={"version": 1, "address": "新"},
                 headers=headers)
    return created


def _entries(app):
    with app.app_context():
        return db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()


def test_each_write_records_actor_device_action_and_entity(app, history):
    entries = _entries(app)
    update = entries[-1]
    assert (update.action, update.entity, update.entity_id) == (
        "enterprise.update", "enterprise", history["id"])
    assert update.device_id == "desk-7" and update.actor_name.startswith("supervisor")
    assert update.details["fields"] == ["address"]
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]


def test_a_refused_write_leaves_no_audit_entry(app, client, login, enterprise_body):
    headers = login()
    before = len(_entries(app))
    assert client.post("/api/v1/enterprises", json=enterprise_body(credit_code="bad"),
                       headers=headers).status_code == 422
    assert len(_entries(app)) == before


def test_verify_passes_on_an_intact_chain(runner, history):
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "intact" in result.output


def test_verify_names_an_edited_entry(app, runner, history):
    with app.app_context():
        target = _entries(app)[2].seq
        db.session.execute(text("UPDATE audit_entries SET action = 'enterprise.read' "
                                "WHERE seq = :s"), {"s": target})
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"BROKEN at entry {target}" in result.output and "altered" in result.output


def test_verify_names_a_deleted_entry(app, runner, history):
    with app.app_context():
        target = _entries(app)[1].seq
        db.session.execute(text("DELETE FROM audit_entries WHERE seq = :s"), {"s": target})
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"BROKEN at entry {target}" in result.output and "missing" in result.output


def test_verify_notices_the_last_entry_removed(app, runner, history):
    with app.app_context():
        last = _entries(app)[-1].seq
        db.session.execute(text("DELETE FROM audit_entries WHERE seq = :s"), {"s": last})
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "removed from the end" in result.output


def test_concurrent_writers_keep_one_unbroken_chain(app, client, login, enterprise_body):
    headers = login("supervisor", "310000")
    errors: list[object] = []

    def write(worker: int) -> None:
        local = app.test_client()
        for n in range(5):
            body = enterprise_body("310115", serial=1000 + worker * 10 + n)
            response = local.post("/api/v1/enterprises", json=body, headers=headers)
            if response.status_code != 201:
                errors.append(response.get_json())

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    seqs = [e.seq for e in _entries(app)]
    assert seqs == list(range(1, len(seqs) + 1))


def test_entries_noted_in_a_rolled_back_savepoint_are_never_written(app):
    from server import uow
    from server.audit import service as audit

    with app.app_context():
        with uow.batch():
            audit.record(None, "test.kept", "thing", 1)
            with pytest.raises(ValueError), uow.unit_of_work():
                audit.record(None, "test.dropped", "thing", 2)
                raise ValueError("this mutation is rejected")
            with uow.unit_of_work():
                audit.record(None, "test.kept_too", "thing", 3)
        with pytest.raises(RuntimeError), uow.unit_of_work():
            audit.record(None, "test.rolled_back", "thing", 4)
            raise RuntimeError("the whole transaction fails")
        with uow.unit_of_work():
            audit.record(None, "test.last", "thing", 5)
        assert audit.verify().ok
    assert [e.action for e in _entries(app)] == ["test.kept", "test.kept_too", "test.last"]


@pytest.mark.skipif(os.environ.get("TEST_DATABASE") != "postgresql",
                    reason="row locks are PostgreSQL's")
def test_the_chain_head_is_locked_only_at_commit(app, database_url):
    from sqlalchemy import create_engine

    from server.audit import service as audit
    from server.config import normalise_database_url

    other = create_engine(normalise_database_url(database_url))
    with app.app_context():
        audit.record(None, "test.long_transaction", "thing", 1)
        db.session.execute(text("SELECT 1"))  # the transaction is open and has noted an entry
        with other.connect() as conn:  # another writer can take the head meanwhile
            conn.execute(text("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE NOWAIT"))
            conn.rollback()
        db.session.commit()
    other.dispose()
    assert [e.action for e in _entries(app)] == ["test.long_transaction"]


def test_a_commit_writes_the_change_log_before_it_locks_the_chain_head(
        app, client, login, enterprise_body):
    # The head row serialises every writer's commit; taking it last keeps that wait short,
    # and every transaction takes the change-log counter before it (one lock order).
    from sqlalchemy import event

    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def note(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        headers = login("supervisor", "310115")
        statements.clear()
        response = client.post("/api/v1/enterprises", json=enterprise_body(), headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert response.status_code == 201
    counter = next(n for n, s in enumerate(statements) if s.startswith("UPDATE sync_counter"))
    head = next(n for n, s in enumerate(statements) if "FROM audit_head" in s)
    assert counter < head


def _rewrite_from(app, seq: int, **changes) -> None:
    """What anyone who can write to the database can do without the key: edit an entry, then
    hash it and every later entry again with the published algorithm, and move the head."""
    from server.audit.chain import HASHED_FIELDS, entry_hash
    from server.audit.models import AuditHead

    with app.app_context():
        prev = None
        for entry in db.session.scalars(select(AuditEntry).where(AuditEntry.seq >= seq)
                                        .order_by(AuditEntry.seq)):
            if entry.seq == seq:
                for name, value in changes.items():
                    setattr(entry, name, value)
            if prev is not None:
                entry.prev_hash = prev
            entry.hash = prev = entry_hash({n: getattr(entry, n) for n in HASHED_FIELDS})
        head = db.session.get(AuditHead, 1)
        head.hash = prev
        db.session.commit()


def test_verify_names_an_entry_edited_and_hashed_again_to_the_head(app, runner, history):
    target = _entries(app)[1].seq
    _rewrite_from(app, target, action="enterprise.read", actor_name="someone_else")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1, result.output
    assert f"BROKEN at entry {target}" in result.output and "seal" in result.output


def test_a_chain_rewritten_without_the_key_refuses_the_next_write_and_stays_broken(
        app, client, runner, login, history, enterprise_body):
    headers, target = login(), _entries(app)[1].seq
    _rewrite_from(app, target, details={"forged": True})
    refused = client.post("/api/v1/enterprises", json=enterprise_body(serial=2),
                          headers=headers)
    assert refused.status_code == 503 and "audit verify" in refused.get_json()["detail"]
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"BROKEN at entry {target}" in result.output


def test_the_upgrade_seals_the_entries_written_before_it_with_the_configured_key(
        app, runner, history):
    from flask_migrate import downgrade, upgrade

    from server.audit import service as audit

    with app.app_context():
        db.session.remove()
        downgrade(revision="0023")  # entries as an older version wrote them: no seals
        try:
            columns = inspect(db.engine).get_columns("audit_entries")
            assert "seal" not in {column["name"] for column in columns}
        finally:
            upgrade(revision="heads")
        assert audit.verify().ok
    app.config["AUDIT_SEAL_KEY"] = "another key than the one the upgrade sealed with"
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "BROKEN at entry 1" in result.output


def _rotate_keys(app) -> str:
    """Deploy a new audit key, the old one retired; the old secret."""
    old = app.config["AUDIT_SEAL_KEY"]
    app.config["AUDIT_SEAL_KEY"] = "the audit key after the rotation of this test"
    app.config["AUDIT_SEAL_RETIRED_KEYS"] = [old]
    return old


def test_after_a_key_rotation_writes_wait_for_audit_rotate_and_the_chain_then_verifies(
        app, client, runner, login, history, enterprise_body):
    from server.audit.chain import ROTATED, key_id, seal_key

    headers = login()
    old = _rotate_keys(app)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "audit rotate" in result.output, result.output
    refused = client.post("/api/v1/enterprises", json=enterprise_body(serial=2),
                          headers=headers)
    assert refused.status_code == 503, refused.get_data(as_text=True)
    assert refused.mimetype == "application/problem+json"
    assert "audit rotate" in refused.get_json()["detail"]
    listed = client.get("/api/v1/enterprises", headers=headers)  # reads go on; nothing written
    assert listed.status_code == 200 and len(listed.get_json()["items"]) == 1
    before = len(_entries(app))
    moved = runner.invoke(args=["audit", "rotate"])
    assert moved.exit_code == 0 and key_id(seal_key(old)) in moved.output, moved.output
    rotation = _entries(app)[-1]
    assert len(_entries(app)) == before + 1 and rotation.action == ROTATED
    assert rotation.details == {"from": key_id(seal_key(old)),
                                "to": key_id(seal_key(app.config["AUDIT_SEAL_KEY"]))}
    assert "already" in runner.invoke(args=["audit", "rotate"]).output
    assert client.post("/api/v1/enterprises", json=enterprise_body(serial=2),
                       headers=headers).status_code == 201
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "intact" in result.output, result.output
    app.config["AUDIT_SEAL_RETIRED_KEYS"] = []  # what the old key sealed needs it
    assert runner.invoke(args=["audit", "verify"]).exit_code == 1


def test_a_holder_of_the_retired_key_cannot_cut_the_chain_back_to_before_its_rotation(
        app, client, runner, login, history, enterprise_body):
    from server.audit.chain import head_seal, seal_key
    from server.audit.models import AuditHead

    headers = login()
    old = _rotate_keys(app)
    assert runner.invoke(args=["audit", "rotate"]).exit_code == 0
    assert client.post("/api/v1/enterprises", json=enterprise_body(serial=2),
                       headers=headers).status_code == 201
    with app.app_context():  # cut back to the last entry sealed under the old key
        rotation = db.session.scalar(select(AuditEntry.seq).where(
            AuditEntry.action == "audit.key_rotated"))
        kept = db.session.get(AuditEntry, rotation - 1)
        db.session.execute(text("DELETE FROM audit_entries WHERE seq >= :s"), {"s": rotation})
        head = db.session.get(AuditHead, 1)
        head.seq, head.hash = kept.seq, kept.hash
        head.seal = head_seal(seal_key(old), kept.seq, kept.hash)
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "cut back" in result.output, result.output
    # the next write does not move the chain on by itself, which would hide the cut
    assert client.post("/api/v1/enterprises", json=enterprise_body(serial=3),
                       headers=headers).status_code == 503
    assert runner.invoke(args=["audit", "verify"]).exit_code == 1


def test_a_host_still_on_the_old_key_after_a_rotation_refuses_to_write_rather_than_break(
        app, client, runner, login, history, enterprise_body):
    # a rolling restart: the other hosts rotated; this one still seals under the old key
    headers = login()
    old = _rotate_keys(app)
    moved = runner.invoke(args=["audit", "rotate"])
    assert moved.exit_code == 0 and "last entry before the move" in moved.output, moved.output
    new = app.config["AUDIT_SEAL_KEY"]
    app.config.update(AUDIT_SEAL_KEY=old, AUDIT_SEAL_RETIRED_KEYS=[])
    refused = client.post("/api/v1/enterprises", json=enterprise_body(serial=2),
                          headers=headers)
    assert refused.status_code == 503 and "AUDIT_SEAL_KEY" in refused.get_json()["detail"]
    app.config.update(AUDIT_SEAL_KEY=new, AUDIT_SEAL_RETIRED_KEYS=[old])
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "intact" in result.output, result.output


def test_audit_rotate_refuses_a_chain_sealed_under_no_known_key(app, runner, history):
    app.config["AUDIT_SEAL_KEY"] = "a new key with the old one not retired"
    result = runner.invoke(args=["audit", "rotate"])
    assert result.exit_code == 1 and "AUDIT_SEAL_RETIRED_KEYS" in result.output


def test_audit_rotate_refuses_a_key_the_chain_was_sealed_under_before(
        app, runner, history):
    first = _rotate_keys(app)
    assert runner.invoke(args=["audit", "rotate"]).exit_code == 0
    second = app.config["AUDIT_SEAL_KEY"]
    app.config["AUDIT_SEAL_KEY"], app.config["AUDIT_SEAL_RETIRED_KEYS"] = first, [second]
    before = len(_entries(app))
    result = runner.invoke(args=["audit", "rotate"])  # back to the first key: it would break
    assert result.exit_code == 1 and "never" in result.output, result.output
    assert len(_entries(app)) == before
    app.config["AUDIT_SEAL_RETIRED_KEYS"] = [first, second]
    app.config["AUDIT_SEAL_KEY"] = "a third audit key, never used on this chain"
    assert runner.invoke(args=["audit", "rotate"]).exit_code == 0
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "intact" in result.output, result.output
