"""An enterprise that leaves the tablet's scope (a cross-district task submitted: its
enterprise is revoked) keeps the name the tablet knew it by, in the listings that still name
it: tasks, inspections, show."""

from __future__ import annotations

import json

from click.testing import CliRunner

from offline_sync import cli
from offline_sync.names import KEPT, enterprise_name
from offline_sync.store import Store

ENTERPRISE = "6f1c0a52-6a43-4c55-9d9e-1d2c3b4a5f90"
TASK = "6f1c0a52-6a43-4c55-9d9e-1d2c3b4a5f91"
RECORD = "6f1c0a52-6a43-4c55-9d9e-1d2c3b4a5f92"


def _pulled(home) -> None:
    store = Store(home / "tablet.sqlite3")
    store.apply_page([
        {"entity": "enterprise", "id": ENTERPRISE, "op": "upsert", "version": 1,
         "data": {"name": "东方化工有限公司"}},
        {"entity": "task", "id": TASK, "op": "upsert", "version": 2,
         "data": {"enterprise_id": ENTERPRISE, "status": "submitted", "kind": "complaint",
                  "due_date": "2026-06-30", "assignees": []}},
        {"entity": "inspection", "id": RECORD, "op": "upsert", "version": 3,
         "data": {"enterprise_id": ENTERPRISE, "status": "submitted",
                  "started_at": "2026-06-01T08:00:00+00:00", "inspector_ids": []}}], "c1")
    store.apply_page([{"entity": "enterprise", "id": ENTERPRISE, "op": "revoke",
                       "version": 4}], "c2")
    store.close()


def test_a_revoked_enterprise_is_still_named_where_the_tablet_names_it(tmp_path):
    home = tmp_path / "tablet"
    home.mkdir()
    _pulled(home)
    run = CliRunner()
    for args in (["tasks"], ["inspections"], ["show", RECORD]):
        shown = run.invoke(cli.main, ["--home", str(home), *args])
        assert shown.exit_code == 0, shown.output
        assert "东方化工有限公司 (no longer in this tablet's scope)" in shown.output, shown.output
    listed = run.invoke(cli.main, ["--home", str(home), "enterprises"])
    assert "东方化工" not in listed.output  # not one to open a record at


def test_a_revoked_enterprise_nothing_names_keeps_no_name(tmp_path):
    store = Store(tmp_path / "t.sqlite3")
    store.apply_page([{"entity": "enterprise", "id": ENTERPRISE, "op": "upsert",
                       "version": 1, "data": {"name": "东方化工有限公司"}}], "c1")
    store.apply_page([{"entity": "enterprise", "id": ENTERPRISE, "op": "revoke",
                       "version": 2}], "c2")
    assert store.record_of(KEPT, ENTERPRISE) is None


def test_a_kept_name_goes_once_no_task_or_record_names_the_enterprise(tmp_path):
    home = tmp_path / "tablet"
    home.mkdir()
    _pulled(home)
    store = Store(home / "tablet.sqlite3")
    store.apply_page([{"entity": "task", "id": TASK, "op": "revoke", "version": 5}], "c3")
    assert enterprise_name(store, ENTERPRISE).startswith("东方化工有限公司")  # the record does
    store.apply_page([{"entity": "inspection", "id": RECORD, "op": "delete", "version": 6}],
                     "c4")
    assert store.record_of(KEPT, ENTERPRISE) is None


def test_status_counts_pulled_records_only_not_kept_names(tmp_path):
    home = tmp_path / "tablet"
    home.mkdir()
    _pulled(home)
    shown = CliRunner().invoke(cli.main, ["--home", str(home), "status", "--json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["records"] == {"task": 1, "inspection": 1}


def test_a_kept_name_goes_with_the_rejected_create_of_the_last_record_naming_it(tmp_path):
    store = Store(tmp_path / "t.sqlite3")
    store.apply_page([{"entity": "enterprise", "id": ENTERPRISE, "op": "upsert",
                       "version": 1, "data": {"name": "东方化工有限公司"}}], "c1")
    opened = store.record("inspection", "create", RECORD, {"enterprise_id": ENTERPRISE})
    store.apply_page([{"entity": "enterprise", "id": ENTERPRISE, "op": "revoke",
                       "version": 2}], "c2")
    assert store.record_of(KEPT, ENTERPRISE) is not None  # the record opened here names it
    store.settle(opened, {"mutation_id": opened.mutation_id, "status": "rejected",
                          "problem": {"status": 403, "title": "Forbidden"}})
    assert store.record_of("inspection", RECORD) is None
    assert store.record_of(KEPT, ENTERPRISE) is None
