"""The change log, the merge bases and the conflicts a push reads grow with every record ever
synced: a push finds its records' rows there by key, never by reading every row of an entity
(or of the table)."""

from __future__ import annotations

import uuid

from tests.api.plans import plan, scans, selects_from, statements
from tests.api.sync.conftest import mutation

KEYED = ("sync_changes", "sync_versions", "sync_conflicts")


# PostgreSQL plans by cost: over a handful of rows it reads the entity's rows whatever the
# query. With the statistics of a year of records of the entity it must find them by key.
_A_YEAR_OF_RECORDS = (
    "INSERT INTO sync_versions (entity, entity_id, version, fields) SELECT 'inspection', "
    "md5(n::text), 1, '{}' FROM generate_series(1, 5000) AS n",
    "INSERT INTO sync_changes (entity, entity_id, seq, op, version, everyone, users, "
    "past_districts, past_users, changed_at) SELECT 'inspection', md5(n::text), 1000000 + n, "
    "'upsert', 1, false, '', '', '', now() FROM generate_series(1, 5000) AS n",
    "INSERT INTO sync_conflicts (id, kind, status, entity, entity_id, district, mutation_id, "
    "user_id, device_id, base_version, server_version, fields, server_values, tablet_values, "
    "merged_fields, created_at) SELECT gen_random_uuid(), 'soft', 'resolved', 'inspection', "
    "md5(n::text), '310115', gen_random_uuid(), gen_random_uuid(), 'tablet', 1, 2, '[]', '{}', "
    "'{}', '[]', now() FROM generate_series(1, 5000) AS n",
    "ANALYZE sync_versions", "ANALYZE sync_changes", "ANALYZE sync_conflicts")


def _reads_every_row_of_an_entity(plan_text: str) -> bool:
    """SQLite scans the table (or its index, whole); PostgreSQL finds the rows by entity only
    and filters the ids out of them."""
    return bool(scans(plan_text, KEYED)) or any(
        "Filter:" in line and "entity_id" in line for line in plan_text.splitlines())


def test_a_push_finds_its_records_change_log_rows_and_bases_by_key(app, world):
    tablet = world["a"]
    made = [mutation("inspection", "create", str(uuid.uuid4()), world["inspection_fields"]())
            for _ in range(6)]
    assert {r["status"] for r in tablet.push(*made)} == {"applied"}
    edits = [mutation("inspection", "update", m["id"], {"findings": f"复查 {n}"}, base=1)
             for n, m in enumerate(made[:3])]
    fresh = [mutation("inspection", "create", str(uuid.uuid4()), world["inspection_fields"]())
             for _ in range(3)]

    asked = statements(app, lambda: tablet.push(*edits, *fresh), selects_from(*KEYED))

    tables = {table for statement, _ in asked for table in KEYED if f"FROM {table}" in statement}
    assert tables == set(KEYED), asked  # the batch's log rows; the edits' bases, conflicts
    for statement, parameters in asked:
        found = plan(app, statement, parameters, _A_YEAR_OF_RECORDS)
        assert not _reads_every_row_of_an_entity(found), (statement, found)


def test_a_push_of_edits_asks_for_the_cases_locking_its_records_by_their_keys(app, world):
    from server.extensions import db

    tablet = world["a"]
    made = [mutation("inspection", "create", str(uuid.uuid4()), world["inspection_fields"]())
            for _ in range(3)]
    assert {r["status"] for r in tablet.push(*made)} == {"applied"}
    asked = statements(app, lambda: tablet.push(*(
        mutation("inspection", "update", m["id"], {"findings": "复查"}, base=1) for m in made)),
        lambda statement: "FROM case_violations JOIN cases" in statement)
    with app.app_context():
        engine = db.engine
    assert asked  # the edited records' locking cases, read once for the run
    if engine.dialect.name == "postgresql":
        return  # PostgreSQL plans by cost, over cases no test here has: SQLite's plan shows
    for statement, parameters in asked:  # every decided or archived case was read before
        found = plan(app, statement, parameters)
        assert "SEARCH cases USING INDEX sqlite_autoindex_cases_1 (id=?)" in found, found


def test_a_batchs_merge_bases_are_the_versions_asked_not_each_records_history(app):
    from server.extensions import db
    from server.sync.conflicts import load_bases
    from server.sync.models import SyncVersion
    from server.uow import batch

    often, once = str(uuid.uuid4()), str(uuid.uuid4())
    with app.app_context():
        db.session.add_all([SyncVersion(entity="inspection", entity_id=often, version=v,
                                        fields={"findings": f"第{v}稿"}) for v in range(1, 31)]
                           + [SyncVersion(entity="inspection", entity_id=once, version=1,
                                          fields={"findings": "初稿"})])
        db.session.commit()
        db.session.expunge_all()
        with batch():  # as in a push, which keeps what it loads for the batch
            load_bases([("inspection", often, 30), ("inspection", once, 1)])
            loaded = sorted((row.entity_id == often, row.version)
                            for row in db.session.identity_map.values()
                            if isinstance(row, SyncVersion))
    # the two asked for, and the edited record's version 1 (asked for the other): not the
    # 28 other drafts a record edited thirty times keeps
    assert loaded == [(False, 1), (True, 1), (True, 30)]
