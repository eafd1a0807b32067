"""Checklist answers in the tablet's store: each carries the version of the record it answers,
so the server can tell a stale answer to an item another tablet changed (a hard conflict)
from the tablet's own earlier work on the record (never a conflict)."""

from __future__ import annotations

from offline_sync.store import Store


def _store(tmp_path, version: int | None = 4) -> Store:
    store = Store(tmp_path / "t.sqlite3")
    if version is not None:
        store.apply_page([{"entity": "inspection", "id": "i-1", "op": "upsert",
                           "version": version, "data": {"findings": "a"}}], "c1")
    return store


def _answer(store: Store, item: str, value: str, record: str = "i-1"):
    return store.record("checklist_answer", "create", f"{record}:{item}",
                        {"inspection_id": record, "item": item, "answer": value})


def _settle(store: Store, mutation, version: int, status: str = "applied", **extra):
    return store.settle(mutation, {"mutation_id": mutation.mutation_id, "status": status,
                                   "version": version, **extra})


def test_an_answer_goes_on_the_version_of_the_record_it_answers(tmp_path):
    store = _store(tmp_path)
    answer = _answer(store, "VOC-01", "yes")
    assert (answer.base_version, answer.chained) == (4, False)
    assert answer.wire()["base_version"] == 4
    assert store.record("signature", "create", "s-1", {
        "inspection_id": "i-1", "signer": "王"}).base_version is None  # a set, never stale


def test_an_answer_on_a_record_not_pushed_yet_needs_no_base_until_the_record_is_created(
        tmp_path):
    store = _store(tmp_path, None)
    create = store.record("inspection", "create", "i-1", {"findings": "a"})
    answer = _answer(store, "VOC-01", "yes")
    assert answer.base_version is None
    assert [m.mutation_id for m in store.next_batch(10)] == [create.mutation_id,
                                                             answer.mutation_id]
    _settle(store, create, 1)
    [queued] = store.queued()
    assert queued.base_version == 1  # the record as created holds all the tablet saw


def test_a_changed_mind_waits_for_the_first_answer_and_goes_on_the_version_it_gave(tmp_path):
    store = _store(tmp_path)
    first = _answer(store, "VOC-01", "yes")
    other = _answer(store, "NOISE-03", "na")
    second = _answer(store, "VOC-01", "no")
    assert [m.mutation_id for m in store.next_batch(10)] == [first.mutation_id,
                                                             other.mutation_id]
    _settle(store, first, 7)  # others changed the record meanwhile (5, 6): not this item
    _settle(store, other, 8)
    [after] = store.next_batch(10)
    # version 7, right after the first answer, holds it: the second does not meet it as a
    # change made on the server, and still meets what others did to the item before
    assert (after.mutation_id, after.base_version) == (second.mutation_id, 7)


def test_a_part_that_was_the_only_change_moves_the_base_of_the_queued_answers(tmp_path):
    store = _store(tmp_path)
    signature = store.record("signature", "create", "s-1", {"inspection_id": "i-1",
                                                             "signer": "王"})
    answer = _answer(store, "VOC-01", "yes")
    edit = store.record("inspection", "update", "i-1", {"findings": "b"})
    assert [m.mutation_id for m in store.next_batch(10)] == [signature.mutation_id,
                                                             answer.mutation_id]
    _settle(store, signature, 5)
    assert {m.mutation_id: m.base_version for m in store.queued()} == {
        answer.mutation_id: 5, edit.mutation_id: 5}


def test_an_answer_in_conflict_moves_no_base_and_the_next_answer_to_the_item_meets_it(
        tmp_path):
    store = _store(tmp_path)
    first = _answer(store, "VOC-01", "yes")
    edit = store.record("inspection", "update", "i-1", {"findings": "b"})
    second = _answer(store, "VOC-01", "no")
    server = {"findings": "a", "checklist": [{"item": "VOC-01", "answer": "na"}]}
    outcome = _settle(store, first, 5, "conflict", conflict="hard", server=server,
                      conflicting_fields=["checklist:VOC-01"])
    assert [i.mutation_id for i in store.issues()] == [outcome.mutation_id]
    # version 5 is another tablet's answer, not ours: nothing queued may build on it
    assert {m.mutation_id: m.base_version for m in store.queued()} == {
        edit.mutation_id: 4, second.mutation_id: 4}
    assert store.record_of("inspection", "i-1") == (5, {**server, "findings": "b"})


def test_a_part_on_a_version_others_moved_too_leaves_the_copy_on_the_version_it_shows(
        tmp_path):
    store = _store(tmp_path)
    signature = store.record("signature", "create", "s-1", {"inspection_id": "i-1",
                                                             "signer": "王"})
    _settle(store, signature, 6)  # version 5 was someone else's change, not pulled yet
    assert store.record_of("inspection", "i-1")[0] == 4
    assert _answer(store, "VOC-01", "yes").base_version == 4  # made on what it shows
    store.apply_page([{"entity": "inspection", "id": "i-1", "op": "upsert", "version": 6,
                       "data": {"findings": "theirs"}}], "c2")
    assert store.record_of("inspection", "i-1")[0] == 6
