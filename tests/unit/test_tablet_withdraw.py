"""Discarding a rejected create whose edits the server holds: the tablet queues a withdrawal
of each held one (entity `mutation`, op `withdraw`), sends it, and keeps the server's answer."""

from __future__ import annotations

from offline_sync.store import Store
from tests.unit.test_tablet_blocked import PROBLEM, _day, _reject


def _discarded(tmp_path) -> tuple[Store, dict, list]:
    store, made = _day(tmp_path)
    _reject(store, made)
    return store, made, store.discard(made["create"].mutation_id)


def _withdrawals(store: Store) -> list:
    return [m for m in store.queued() if (m.entity, m.op) == ("mutation", "withdraw")]


def test_discarding_queues_a_withdrawal_of_each_edit_the_server_holds_and_no_other(tmp_path):
    store, made, dropped = _discarded(tmp_path)
    held = [m.mutation_id for m in dropped if m.held]
    assert held == [made[k].mutation_id for k in ("answer", "signature", "violation", "link")]
    withdrawals = _withdrawals(store)
    assert [w.record_id for w in withdrawals] == held  # never the create, never the unsent edit
    assert all(w.fields == {} and w.base_version is None for w in withdrawals)
    assert [m.entity for m in store.queued()] == ["task", *["mutation"] * 4]
    assert store.record_of("mutation", held[0]) is None  # nothing to show as a record
    assert store.blocked() == [] and store.issues() == []


def test_the_withdrawals_go_at_the_next_push_with_the_other_edits(tmp_path):
    store, _, _ = _discarded(tmp_path)
    batch = store.next_batch(100)
    assert [m.entity for m in batch] == ["task", *["mutation"] * 4]
    assert batch[1].wire() | {"recorded_at": None} == {
        "mutation_id": batch[1].mutation_id, "entity": "mutation", "op": "withdraw",
        "id": batch[1].record_id, "base_version": None, "fields": {}, "recorded_at": None}


def test_an_accepted_withdrawal_leaves_quietly_and_a_refused_one_is_shown(tmp_path):
    store, _, _ = _discarded(tmp_path)
    accepted, refused = _withdrawals(store)[:2]
    done = store.settle(accepted, {"mutation_id": accepted.mutation_id, "status": "applied",
                                   "entity": "mutation", "id": accepted.record_id,
                                   "version": None})
    assert (done.status, done.acknowledged) == ("applied", True)
    problem = PROBLEM | {"status": 404, "detail": "No mutation of yours with this id"}
    shown = store.settle(refused, {"mutation_id": refused.mutation_id, "status": "rejected",
                                   "entity": "mutation", "id": refused.record_id,
                                   "version": None, "problem": problem})
    assert shown.status == "rejected" and store.issues() == [shown]
    assert len(_withdrawals(store)) == 2
