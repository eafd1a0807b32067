"""Query plans, for tests proving that a lookup reads rows by key: the statements a call sends,
and each one's plan on SQLite (EXPLAIN QUERY PLAN) or PostgreSQL (EXPLAIN). PostgreSQL plans by
cost: over a test's handful of rows it reads whole tables whatever the query, so it explains
with the statistics of filler rows inserted in a transaction that is rolled back afterwards."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import event


def statements(app, run: Callable[[], object],
               wanted: Callable[[str], bool]) -> list[tuple[str, object]]:
    """The statements `run()` sends that are `wanted`, with their parameters."""
    from server.extensions import db

    seen: list[tuple[str, object]] = []

    def note(_conn, _cursor, statement, parameters, *_args) -> None:
        if wanted(statement):
            seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return seen


def selects_from(*tables: str) -> Callable[[str], bool]:
    """Whether a statement is a SELECT reading one of these tables."""
    def wanted(statement: str) -> bool:
        return statement.lstrip().upper().startswith("SELECT") and any(
            f"FROM {table}" in statement or f"JOIN {table}" in statement for table in tables)
    return wanted


def plan(app, statement: str, parameters: object, fillers: Iterable[str] = ()) -> str:
    """The plan of a statement; on PostgreSQL after the `fillers` (rolled back after)."""
    from server.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            transaction = conn.begin()
            try:
                for filler in fillers:
                    conn.exec_driver_sql(filler)
                return "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement,
                                                                     parameters))
            finally:
                transaction.rollback()  # the rows and statistics only informed the planner
        return "\n".join(r[3] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                                             parameters))


def scans(plan_text: str, tables: Iterable[str]) -> list[str]:
    """The lines of a plan that read one of these tables whole (SQLite's SCAN, also of a
    covering index; PostgreSQL's Seq Scan)."""
    found = []
    for line in plan_text.splitlines():
        words = line.replace("SCAN TABLE ", "SCAN ").split()
        for table in tables:
            if words[:2] == ["SCAN", table] or f"Seq Scan on {table} " in f"{line} ":
                found.append(line.strip())
    return found
