"""Edits behind a rejected create, in the tablet's store: blocked by it (never sent, never
dropped), then sent again once the create is fixed, or discarded by the user's decision."""

from __future__ import annotations

from offline_sync.store import Store

PROBLEM = {"status": 422, "title": "Validation failed", "detail": "The officers cannot sign",
           "errors": {"inspector_ids": ["x is not an active inspector"]}}


def _day(tmp_path) -> tuple[Store, dict]:
    """A record opened offline and the work that needs it, and a task edit that does not."""
    store = Store(tmp_path / "t.sqlite3")
    store.apply_page([{"entity": "task", "id": "t-1", "op": "upsert", "version": 3,
                       "data": {"status": "assigned"}}], "c1")
    made = {
        "create": store.record("inspection", "create", "i-1", {"inspector_ids": ["x"]}),
        "answer": store.record("checklist_answer", "create", "a-1", {
            "inspection_id": "i-1", "item": "VOC-01", "answer": "no"}),
        "signature": store.record("signature", "create", "s-1", {
            "inspection_id": "i-1", "signer": "王经理", "role": "party"}),
        "violation": store.record("violation", "create", "v-1", {
            "inspection_id": "i-1", "code": "AIR_VOC"}),
        "link": store.record("evidence_link", "create", "l-1", {
            "violation_id": "v-1", "sha256": "a" * 64}),
        "edit": store.record("inspection", "update", "i-1", {"findings": "门窗敞开"}),
        "task": store.record("task", "status", "t-1", {"status": "in_progress"}),
    }
    return store, made


def _reject(store: Store, tmp: dict) -> None:
    """One push: the create is rejected, what needs it is held by the server."""
    batch = store.next_batch(100)
    for mutation in batch:
        if mutation.mutation_id == tmp["create"].mutation_id:
            store.settle(mutation, {"mutation_id": mutation.mutation_id, "status": "rejected",
                                    "version": None, "problem": PROBLEM})
        elif mutation.entity != "task":
            store.settle(mutation, {"mutation_id": mutation.mutation_id, "status": "pending"})


def test_edits_needing_a_rejected_create_are_blocked_by_it_kept_and_not_sent_again(tmp_path):
    store, made = _day(tmp_path)
    _reject(store, made)
    blocked = store.blocked()
    assert [b.mutation.record_id for b in blocked] == ["a-1", "s-1", "v-1", "l-1", "i-1"]
    assert {b.create.mutation_id for b in blocked} == {made["create"].mutation_id}
    assert blocked[0].create.answer["problem"] == PROBLEM
    assert len(store.queued()) == 7  # nothing dropped: the create waits for the user too
    assert store.record_of("inspection", "i-1")[1]["inspector_ids"] == ["x"]
    assert [m.entity for m in store.next_batch(100)] == ["task"]


def test_a_rejected_create_fixed_goes_again_in_its_place_and_unblocks_its_chain(tmp_path):
    store, made = _day(tmp_path)
    _reject(store, made)
    fixed = store.resend(made["create"].mutation_id, {"inspector_ids": ["y", "z"]})
    assert fixed.mutation_id != made["create"].mutation_id and fixed.seq == made["create"].seq
    assert fixed.fields == {"inspector_ids": ["y", "z"]} and fixed.op == "create"
    assert store.blocked() == [] and store.issues() == []  # the user acted on it
    batch = store.next_batch(100)
    assert batch[0].mutation_id == fixed.mutation_id
    assert store.record_of("inspection", "i-1")[1]["inspector_ids"] == ["y", "z"]


def test_discarding_a_rejected_create_drops_its_chain_and_keeps_a_record_of_each(tmp_path):
    store, made = _day(tmp_path)
    _reject(store, made)
    dropped = store.discard(made["create"].mutation_id)
    assert [m.record_id for m in dropped] == ["i-1", "a-1", "s-1", "v-1", "l-1", "i-1"]
    # and the withdrawals of the four the server holds (test_tablet_withdraw.py)
    assert [m.entity for m in store.queued()] == ["task", *["mutation"] * 4]
    assert store.record_of("inspection", "i-1") is None
    assert store.record_of("violation", "v-1") is None
    assert store.record_of("checklist_answer", "a-1") is None
    kept = store.outcomes(("discarded",))
    assert sorted(o.mutation_id for o in kept) == sorted(m.mutation_id for m in dropped)
    assert all(o.acknowledged for o in kept) and store.issues() == []


def test_a_create_rejected_again_after_its_fix_still_blocks_its_chain(tmp_path):
    store, made = _day(tmp_path)
    _reject(store, made)
    fixed = store.resend(made["create"].mutation_id, {"inspector_ids": ["y"]})
    store.settle(fixed, {"mutation_id": fixed.mutation_id, "status": "rejected",
                         "version": None, "problem": PROBLEM})
    assert {b.create.mutation_id for b in store.blocked()} == {fixed.mutation_id}
    assert [i.mutation_id for i in store.issues()] == [fixed.mutation_id]


def test_a_rejected_answer_replaced_by_a_later_one_blocks_nothing_and_keeps_it(tmp_path):
    store = Store(tmp_path / "t.sqlite3")
    store.apply_page([{"entity": "inspection", "id": "i-1", "op": "upsert", "version": 2,
                       "data": {"inspector_ids": ["x"]}}], "c1")
    fields = {"inspection_id": "i-1", "item": "VOC-01", "note": ""}
    first = store.record("checklist_answer", "create", "a-1", {**fields, "answer": "no"})
    store.record("checklist_answer", "create", "a-1", {**fields, "answer": "yes"})
    assert [m.mutation_id for m in store.next_batch(100)] == [first.mutation_id]
    store.settle(first, {"mutation_id": first.mutation_id, "status": "rejected",
                         "version": None, "problem": PROBLEM})
    # the second answer creates the record itself: the first is not waited for
    assert store.stopped() == [] and store.blocked() == []
    [second] = store.next_batch(100)
    assert second.fields["answer"] == "yes"
    store.settle(second, {"mutation_id": second.mutation_id, "status": "applied",
                          "version": 3})
    assert store.queued() == []
    assert store.record_of("checklist_answer", "a-1")[1]["answer"] == "yes"


def test_discarding_a_rejected_record_takes_its_own_rejected_violation_along_and_no_other(
        tmp_path):
    store, made = _day(tmp_path)
    other = store.record("inspection", "create", "i-2", {"inspector_ids": ["x"]})
    other_edit = store.record("inspection", "update", "i-2", {"findings": "另一家"})
    batch = store.next_batch(100)
    for mutation in batch:  # the violation is refused on its own; the link waits for it
        rejected = mutation.record_id in ("i-1", "v-1", "i-2")
        store.settle(mutation, {"mutation_id": mutation.mutation_id, "version": None,
                                **({"status": "rejected", "problem": PROBLEM} if rejected
                                   else {"status": "pending"})})
    assert [m.record_id for m, _ in store.stopped()] == ["i-1", "v-1", "i-2"]
    dropped = store.discard(made["create"].mutation_id)
    assert [m.record_id for m in dropped] == ["i-1", "a-1", "s-1", "v-1", "l-1", "i-1"]
    assert [m.record_id for m, _ in store.stopped()] == ["i-2"]  # nothing else
    assert [m.mutation_id for m in store.queued() if m.entity != "mutation"] == [
        made["task"].mutation_id, other.mutation_id, other_edit.mutation_id]
    withdrawn = [m.record_id for m in store.queued() if m.entity == "mutation"]
    assert withdrawn == [made[k].mutation_id for k in ("answer", "signature", "link")]
    assert store.record_of("violation", "v-1") is None
    violation = next(o for o in store.outcomes(("discarded",)) if o.record_id == "v-1")
    assert violation.result["rejected"]["problem"] == PROBLEM
    assert store.issues() == [o for o in store.outcomes() if o.record_id == "i-2"]
