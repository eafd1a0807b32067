"""A tablet's evening on the network — a push of every kind of record and part, its edits,
the photos uploaded and read back, a pull — sends no query that reads a growing table whole:
every one of them grows with the years (records, evidence, the change and mutation logs),
so a full read at each request slows the whole bureau down year after year.

SQLite's query plans are deterministic, so they are checked there; PostgreSQL plans by cost,
over tables this test leaves nearly empty (test_push_plans.py checks its key lookups with the
statistics of thousands of rows)."""

from __future__ import annotations

import uuid

from tests.api import plans
from tests.api.cases.conftest import upload_photo
from tests.api.sync.conftest import mutation
from tests.api.sync.pushed import visit_batch

# Tables that stay small whatever the years bring: reference data, one-row counters, accounts.
SMALL = {"districts", "imported_rule_sets", "users", "recusals", "sync_counter", "audit_head",
         "scheduler_lease", "alembic_version", "case_counters"}


def _evening(client, world, assigned_task) -> None:
    tablet = world["a"]
    task = assigned_task(world["own"])
    inspection, violation = str(uuid.uuid4()), str(uuid.uuid4())
    photo, _ = upload_photo(client, tablet.headers)
    signature, _ = upload_photo(client, tablet.headers, shade=40)
    first = tablet.push(*visit_batch(world, task, inspection, violation, photo, signature))
    assert {r["status"] for r in first} == {"applied"}, first
    later = tablet.push(
        mutation("inspection", "update", inspection, {"findings": "已整改"}, base=3),
        mutation("violation", "update", violation, {"description": "补充"}, base=2))
    assert {r["status"] for r in later} == {"applied"}, [r.get("problem") for r in later]
    for sha in (photo, signature):
        assert client.get(f"/api/v1/evidence/{sha}", headers=tablet.headers).status_code == 200
    tablet.pull()


def _reads(statement: str) -> bool:
    return statement.lstrip().upper().startswith(("SELECT", "WITH"))


def test_a_tablets_evening_reads_no_growing_table_whole(app, client, world, assigned_task):
    from server.extensions import db

    asked = plans.statements(app, lambda: _evening(client, world, assigned_task), _reads)
    assert len(asked) > 50
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return  # PostgreSQL plans by cost over these few rows (see the module's text)
        growing = set(db.metadata.tables) - SMALL
    whole = {(line, " ".join(statement.split())[:160]) for statement, parameters in asked
             for line in plans.scans(plans.plan(app, statement, parameters), growing)}
    assert not whole, sorted(whole)
