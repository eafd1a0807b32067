"""A push's SQL statements do not grow with its size: records are loaded, checked and written
together (the work per mutation is Python's, measured by `make bench`). Counting statements
is deterministic, unlike timing, so a query or a flush slipped into the per-mutation path
fails here rather than only slowing the benchmark."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from tests.api.sync.conftest import mutation


def _records(world, count: int, tasks: list[str] | None = None) -> list[dict]:
    """`count` inspection records (each on its task, when given), each with four violations."""
    out = []
    for index in range(count):
        record = str(uuid.uuid4())
        on_task = {"task_id": tasks[index]} if tasks else {}
        out.append(mutation("inspection", "create", record,
                            world["inspection_fields"](**on_task)))
        out += [mutation("violation", "create", str(uuid.uuid4()), {
            "inspection_id": record, "code": ("AIR_VOC", "AIR_DUST")[n % 2],
            "occurred_on": "2026-06-01", "description": "无组织排放"}) for n in range(4)]
    return out


@contextmanager
def _counted(app) -> Iterator[list[str]]:
    from server.extensions import db

    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_a_push_of_many_records_runs_about_as_many_statements_as_a_push_of_a_few(app, world):
    tablet = world["a"]
    tablet.push(*_records(world, 2))  # warm: first-use lookups (rule sets, users) are cached
    with _counted(app) as few:
        assert {r["status"] for r in tablet.push(*_records(world, 4))} == {"applied"}
    with _counted(app) as many:
        assert {r["status"] for r in tablet.push(*_records(world, 16))} == {"applied"}
    # 4 → 16 records (20 → 80 mutations): a statement per record would add 12 or more
    assert len(many) - len(few) < 12, (len(few), len(many))


def test_records_made_on_their_tasks_add_no_statement_per_record(app, world, assigned_task):
    tablet = world["a"]
    tasks = [assigned_task(world["own"])["id"] for _ in range(20)]
    tablet.push(*_records(world, 2))
    with _counted(app) as few:
        assert {r["status"] for r in tablet.push(*_records(world, 4, tasks[:4]))} == {"applied"}
    with _counted(app) as many:
        assert {r["status"] for r in tablet.push(*_records(world, 16, tasks[4:]))} == {
            "applied"}
    # each record loads its task (one SELECT by key each), but flushes nothing more
    assert len(many) - len(few) < 12 + 12, (len(few), len(many))


def test_edits_of_many_records_run_about_as_many_statements_as_edits_of_a_few(app, world):
    tablet = world["a"]
    made = [mutation("inspection", "create", str(uuid.uuid4()), world["inspection_fields"]())
            for _ in range(22)]
    assert {r["status"] for r in tablet.push(*made)} == {"applied"}

    def edits(records: list[dict]) -> list[dict]:
        return [mutation("inspection", "update", m["id"], {"findings": f"复查 {n}"}, base=1)
                for n, m in enumerate(records)]

    tablet.push(*edits(made[:2]))  # warm
    with _counted(app) as few:
        assert {r["status"] for r in tablet.push(*edits(made[2:6]))} == {"applied"}
    with _counted(app) as many:
        assert {r["status"] for r in tablet.push(*edits(made[6:22]))} == {"applied"}
    # 4 → 16 edited records: asking each record's case locks, or flushing the run once per
    # record to ask, would add 12 or more
    assert len(many) - len(few) < 12, (len(few), len(many))


def test_the_held_mutations_a_push_asks_for_are_read_from_their_own_index(app, world):
    from server.extensions import db

    asked: list[tuple[str, object]] = []

    def note(_conn, _cursor, statement, parameters, *_args) -> None:
        if "FROM sync_mutations" in statement and "status = " in statement:
            asked.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        world["a"].push(*_records(world, 1))
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert len(asked) >= 2  # the user's held mutations, and what any held mutation waits for
    with engine.connect() as conn:
        for statement, parameters in asked:
            if engine.dialect.name == "postgresql":  # a tiny table: make a scan the last resort
                conn.exec_driver_sql("SET enable_seqscan = off")
                plan = conn.exec_driver_sql("EXPLAIN " + statement, parameters).all()
            else:
                plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            # every mutation a user ever sent stays in the table: not a scan of them all, nor
            # of the user's (the primary key): an index of held rows only (settled ones have
            # no waits_for)
            assert "ix_sync_mutations_held" in str(plan) or (
                "waits_for IS NOT NULL" in statement
                and "ix_sync_mutations_waits_for" in str(plan)), (statement, plan)
