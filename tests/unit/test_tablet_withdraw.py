"""Discarding a rejected create whose edits the server may hold: the tablet queues a withdrawal
of each one it answered pending or that was sent and never answered (entity `mutation`, op
`withdraw`), sends it, and keeps the server's answer: withdrawn, never received there (nothing
held: settled quietly), or refused because the edit had settled meanwhile (final, shown)."""

from __future__ import annotations

import pytest
from tablet_fakes import FakeSyncServer

from offline_sync import Offline, Tablet
from offline_sync.rejected import withdrawal_report
from offline_sync.store import Mutation, Store
from tests.unit.test_tablet_blocked import PROBLEM, _day, _reject

RECORD = "i-1"


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


def _answer(withdrawal, outcome: str, **problem) -> dict:
    return {"mutation_id": withdrawal.mutation_id, "status": outcome, "entity": "mutation",
            "id": withdrawal.record_id, "version": None,
            **({"problem": PROBLEM | problem} if problem else {})}


def test_an_accepted_withdrawal_leaves_quietly_and_a_refused_one_is_shown(tmp_path):
    store, _, _ = _discarded(tmp_path)
    accepted, refused, unknown = _withdrawals(store)[:3]
    done = store.settle(accepted, _answer(accepted, "applied"))
    assert (done.status, done.acknowledged) == ("applied", True)
    shown = store.settle(refused, _answer(refused, "rejected", status=409,
                                          detail="already settled (applied)"))
    assert shown.status == "rejected" and store.issues() == [shown]
    never = store.settle(unknown, _answer(unknown, "rejected", status=404,
                                          detail="No mutation of yours with this id"))
    assert (never.status, never.acknowledged) == ("not_held", True)  # nothing to do
    assert store.issues() == [shown] and len(_withdrawals(store)) == 1


def _tablet_with_a_rejected_record(tmp_path, server: FakeSyncServer, fault: str) -> Tablet:
    """A record the server rejects, its answer and signature sent with it in a push whose
    request (`before`) or response (`after`) is lost, an edit of it never sent; the next push
    goes one mutation at a time, so the record's rejection comes back and what needs it
    stops, never sent again."""
    tablet = Tablet(tmp_path / "tablet", server)
    tablet.store.set(device_id="tablet-a")
    tablet.store.record("inspection", "create", RECORD, {"invalid": True})
    tablet.store.record("checklist_answer", "create", "a-1", {
        "inspection_id": RECORD, "item": "VOC-01", "answer": "no"})
    tablet.store.record("signature", "create", "s-1", {
        "inspection_id": RECORD, "signer": "王经理", "role": "party"})
    tablet.store.record("inspection", "update", RECORD, {"findings": "门窗敞开"})
    server.faults = [fault]
    with pytest.raises(Offline):
        tablet.push()
    [rejected] = tablet.push(batch_size=1)
    assert (rejected.record_id, rejected.status) == (RECORD, "rejected")
    assert [b.mutation.record_id for b in tablet.store.blocked()] == ["a-1", "s-1", RECORD]
    return tablet


def test_an_edit_whose_answer_was_lost_is_withdrawn_and_one_never_sent_is_not(tmp_path):
    server = FakeSyncServer()
    tablet = _tablet_with_a_rejected_record(tmp_path, server, "after")
    assert sorted(h["id"] for h in server.held) == ["a-1", "s-1"]  # the tablet never heard
    dropped = tablet.discard_rejected(RECORD)
    sent = [m.mutation_id for m in dropped if m.record_id in ("a-1", "s-1")]
    assert [w.record_id for w in _withdrawals(tablet.store)] == sent  # not the unsent edit
    outcomes = tablet.push()
    assert [o.status for o in outcomes] == ["applied", "applied"] and server.held == []
    assert [w["withdrawn"] for w in withdrawal_report(tablet.store, outcomes)] == [True, True]


def test_a_withdrawal_of_an_edit_the_server_never_received_settles_as_nothing_held(tmp_path):
    server = FakeSyncServer()
    tablet = _tablet_with_a_rejected_record(tmp_path, server, "before")
    assert server.held == [] and len(server.first) == 1  # only the record arrived
    tablet.discard_rejected(RECORD)
    assert len(_withdrawals(tablet.store)) == 2
    outcomes = tablet.push()
    assert [(o.status, o.acknowledged) for o in outcomes] == [("not_held", True)] * 2
    assert tablet.store.issues() == [] and tablet.store.queued() == []
    report = withdrawal_report(tablet.store, outcomes)
    assert [(w["withdrawn"], w["arrived"], w["entity"]) for w in report] == [
        (False, False, "checklist_answer"), (False, False, "signature")]


def _answer_held_behind_a_rejected_record(tmp_path, server: FakeSyncServer
                                         ) -> tuple[Tablet, Mutation]:
    """A record the server rejected and an answer of it that the server holds (pending)."""
    tablet = Tablet(tmp_path / "tablet", server)
    tablet.store.record("inspection", "create", RECORD, {"invalid": True})
    answer = tablet.store.record("checklist_answer", "create", "a-1", {
        "inspection_id": RECORD, "item": "VOC-01", "answer": "no"})
    assert [o.status for o in tablet.push()] == ["rejected"]
    return tablet, answer


def test_a_withdrawal_refused_because_the_edit_was_applied_settles_at_once(tmp_path):
    server = FakeSyncServer()
    tablet, answer = _answer_held_behind_a_rejected_record(tmp_path, server)
    server._one({"mutation_id": "another", "entity": "inspection", "op": "create",
                 "id": RECORD, "base_version": None, "fields": {}})  # the record after all
    assert server.first[answer.mutation_id]["status"] == "applied"
    tablet.discard_rejected(RECORD)
    pushes = server.pushes
    outcomes = tablet.push()
    assert server.pushes == pushes + 1  # sent once: a 409 to a withdrawal is final
    assert [o.status for o in outcomes] == ["rejected"] and tablet.store.queued() == []
    assert tablet.store.issues() == outcomes
    [shown] = withdrawal_report(tablet.store, outcomes)
    assert (shown["withdrawn"], shown["arrived"]) == (False, True)
    assert "already settled (applied)" in shown["problem"]


def test_a_withdrawal_of_an_edit_the_server_had_rejected_settles_quietly(tmp_path):
    server = FakeSyncServer()
    tablet, answer = _answer_held_behind_a_rejected_record(tmp_path, server)
    assert server.first[answer.mutation_id]["status"] == "pending"
    server.first[answer.mutation_id] = {**server.first[answer.mutation_id],
                                        "status": "rejected", "problem": PROBLEM}
    server.held = []  # settled as rejected meanwhile (released and refused)
    tablet.discard_rejected(RECORD)
    outcomes = tablet.push()
    assert [(o.status, o.acknowledged) for o in outcomes] == [("not_held", True)]
    assert tablet.store.issues() == [] and tablet.store.queued() == []
    [shown] = withdrawal_report(tablet.store, outcomes)
    assert (shown["withdrawn"], shown["arrived"], shown["refused"]) == (False, True, True)


def test_a_withdrawal_refused_with_a_settlement_that_holds_something_stays_shown(tmp_path):
    store, _, _ = _discarded(tmp_path)
    [conflicted] = _withdrawals(store)[:1]
    shown = store.settle(conflicted, _answer(conflicted, "rejected", status=409,
                                             settled="conflict", detail="already settled"))
    assert shown.status == "rejected" and store.issues() == [shown]


def test_a_withdrawal_the_database_refused_for_the_moment_goes_again(tmp_path):
    store, _, _ = _discarded(tmp_path)
    withdrawal = _withdrawals(store)[0]
    again = store.settle(withdrawal, _answer(withdrawal, "rejected", status=409, transient=True,
                                             detail="The database refused this change; send "
                                                    "it again."))
    assert again.status == "resent" and len(_withdrawals(store)) == 4
