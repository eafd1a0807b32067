"""The audit chain: every write is recorded with its actor; tampering is detected."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text

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
