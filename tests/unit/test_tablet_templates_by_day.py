"""Checklist templates on the tablet by the visit day, as the server checks an answer: those in
force on the record's visit day (Shanghai date of its start), the latest version of each id,
including one that left force since and was pulled as a tombstone."""

from __future__ import annotations

from datetime import date

from offline_sync import checklists
from offline_sync.store import Store


def _template(version: str, start: str, until: str | None, *items: str,
              template_id: str = "dust") -> dict:
    return {"entity": "checklist_template", "id": template_id, "op": "upsert", "version": 1,
            "data": {"id": template_id, "version": version, "ref": f"{template_id}@{version}",
                     "effective_from": start, "effective_until": until,
                     "items": [{"id": item} for item in items]}}


def _items(store: Store, day: date) -> set[str]:
    return {item["id"] for t in checklists.on(store, day) for item in t["items"]}


def test_a_template_that_started_after_the_visit_day_is_not_in_force_on_it(tmp_path):
    store = Store(tmp_path / "t.sqlite3")
    store.apply_page([_template("1", "2026-06-10", None, "DUST-01")], "c1")
    assert _items(store, date(2026, 6, 9)) == set()
    assert _items(store, date(2026, 6, 10)) == {"DUST-01"}


def test_a_template_that_left_force_stays_known_for_the_days_it_was_in_force(tmp_path):
    store = Store(tmp_path / "t.sqlite3")
    store.apply_page([_template("1", "2026-01-01", "2026-06-05", "DUST-01")], "c1")
    store.apply_page([{"entity": "checklist_template", "id": "dust", "op": "delete",
                       "version": 2, "data": None}], "c2")
    assert checklists.held(store) == []  # no longer listed as in force
    assert _items(store, date(2026, 6, 5)) == {"DUST-01"}
    assert _items(store, date(2026, 6, 6)) == set()


def test_a_new_version_replaces_the_old_only_from_its_first_day(tmp_path):
    store = Store(tmp_path / "t.sqlite3")
    store.apply_page([_template("1", "2026-01-01", None, "DUST-01", "DUST-02")], "c1")
    store.apply_page([_template("2", "2026-06-10", None, "DUST-01", "DUST-03")], "c2")
    assert [t["ref"] for t in checklists.held(store)] == ["dust@2"]
    assert _items(store, date(2026, 6, 1)) == {"DUST-01", "DUST-02"}
    assert _items(store, date(2026, 6, 10)) == {"DUST-01", "DUST-03"}
