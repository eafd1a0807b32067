"""A record the server rejected, discarded with the work behind it on the command-line tablet
against the real app: the edits the server was holding for it (also those whose answer was
lost) are withdrawn at the next push, so none stays pending on the server, and the audit log
shows each withdrawal; one that never reached the server needs nothing."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select

from offline_sync import Tablet
from offline_sync.http import Api
from server.audit.models import AuditEntry
from server.extensions import db
from server.sync.models import SyncMutation

from . import test_blocked_live
from .test_blocked_live import _rejected_visit, bad_record_with_work
from .test_cli_visit import QUICK, _ok

visit = test_blocked_live.visit  # the site-visit fixture: a task, its enterprise, a tablet


def _held_on_server(app, user) -> list[str]:
    with app.app_context():
        return sorted(str(m) for m in db.session.scalars(select(SyncMutation.mutation_id).where(
            SyncMutation.user_id == user.id, SyncMutation.status == "pending")))


def _withdrawn_audit(app, user) -> list[dict]:
    with app.app_context():
        return [entry.details for entry in db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "sync.withdraw", AuditEntry.actor_id == str(user.id))
            .order_by(AuditEntry.seq))]


class LostAnswers:
    """The real server behind a network that loses what follows the first mutation of a push:
    its answer (the tablet stopped after storing the first), or, with `arrive=False`, the
    mutation itself on its way to the server."""

    def __init__(self, api: Api, arrive: bool):
        self.api, self.arrive = api, arrive

    def pull(self, cursor: str, limit: int) -> dict:
        return self.api.pull(cursor, limit)

    def push(self, device_id: str, mutations: list[dict]) -> list[dict]:
        results = self.api.push(device_id, mutations if self.arrive else mutations[:1])
        return [r for r in results if r["mutation_id"] == mutations[0]["mutation_id"]]


def _pushed_losing_answers(visit, arrive: bool) -> str:
    """bad_record_with_work pushed over LostAnswers: only the record's rejection comes back."""
    record = bad_record_with_work(visit)
    tablet = Tablet(visit["home"], policy=QUICK)
    tablet._server = LostAnswers(Api(tablet.store.get("server"), tablet.store.get("token"),
                                     QUICK), arrive)
    try:
        assert [(o.record_id, o.status) for o in tablet.push()] == [(record, "rejected")]
        assert len(tablet.store.blocked()) == 3  # the answer and signature went unanswered
    finally:
        tablet.close()
    return record


def _withdrawals_received(app, user) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(SyncMutation).where(
            SyncMutation.user_id == user.id, SyncMutation.entity == "mutation"))


def test_edits_sent_whose_answers_were_lost_are_withdrawn_with_their_discarded_record(
        visit, app):
    run, user = visit["run"], visit["first"]
    record = _pushed_losing_answers(visit, arrive=True)
    assert len(_held_on_server(app, user)) == 2  # pending there; the tablet never heard
    said = _ok(run("discard", record, "--yes"))
    assert "2 were sent and never answered: they are withdrawn at the next push" in said
    pushed = run("push")
    assert pushed.exit_code == 0, pushed.output
    assert "withdrawn from the server: checklist_answer" in pushed.output
    assert "withdrawn from the server: signature" in pushed.output
    assert _held_on_server(app, user) == [] and len(_withdrawn_audit(app, user)) == 2


def test_edits_sent_that_never_reached_the_server_need_no_withdrawal_and_no_decision(
        visit, app):
    run, user = visit["run"], visit["first"]
    record = _pushed_losing_answers(visit, arrive=False)
    assert _held_on_server(app, user) == []
    _ok(run("discard", record, "--yes"))
    pushed = run("push")
    assert pushed.exit_code == 0, pushed.output  # nothing held there: nothing to look at
    assert pushed.stdout.count("nothing to withdraw: ") == 2, pushed.output
    assert "never reached the server" in pushed.stdout
    report = json.loads(_ok(run("status", "--json")))
    assert (report["outbox"], report["withdrawals"], report["issues"]) == (0, 0, [])
    assert _withdrawals_received(app, user) == 2 and _withdrawn_audit(app, user) == []


def test_discarding_a_rejected_record_withdraws_the_edits_the_server_holds_for_it(visit, app):
    run, user = visit["run"], visit["first"]
    record = _rejected_visit(visit)
    held = _held_on_server(app, user)
    assert len(held) == 2  # its checklist answer and the party's refusal, sent with it
    said = _ok(run("discard", record, "--yes"))
    assert said.startswith(f"4 edits discarded: inspection {record} and what waited behind it")
    assert "the server holds 2 of them: they are withdrawn at the next push" in said
    report = json.loads(_ok(run("status", "--json")))
    assert (report["outbox"], report["withdrawals"]) == (0, 2)
    assert report["blocked"] == [] and report["issues"] == []
    pushed = run("push")
    assert pushed.exit_code == 0, pushed.output
    assert pushed.stdout.startswith("answers: none")
    assert "withdrawn from the server: checklist_answer" in pushed.output
    assert "withdrawn from the server: signature" in pushed.output
    assert _held_on_server(app, user) == []
    audited = _withdrawn_audit(app, user)
    assert sorted(entry["mutation_id"] for entry in audited) == held
    assert {entry["waited_for"] for entry in audited} == {f"inspection:{record}"}
    report = json.loads(_ok(run("status", "--json")))
    assert (report["outbox"], report["withdrawals"], report["issues"]) == (0, 0, [])
    assert _ok(run("push")).startswith("answers: none")  # nothing goes twice
    kept = Tablet(visit["home"]).store.outcomes(("applied",))
    assert sorted(o.record_id for o in kept if o.entity == "mutation") == held


def _arrives_after_all(visit, client, record: str, started_at: str) -> None:
    """The discarded record reaches the server another way (pushed by someone else's client),
    started at `started_at`; the edits the server held for it are released then."""
    store = Tablet(visit["home"]).store
    headers = {"Authorization": f"Bearer {store.get('token')}"}
    team = [str(visit["first"].id), str(visit["second"].id)]
    arrived = client.post("/api/v1/sync/push", headers=headers, json={
        "device_id": "visit-tablet", "mutations": [{
            "mutation_id": str(uuid.uuid4()), "entity": "inspection", "op": "create",
            "id": record, "fields": {"enterprise_id": visit["enterprise"]["id"],
                                     "inspector_ids": team, "started_at": started_at}}]})
    assert arrived.get_json()["results"][0]["status"] == "applied", arrived.get_json()


def test_a_held_edit_applied_before_its_withdrawal_arrives_is_shown_not_withdrawn(
        visit, app, client):
    run, user = visit["run"], visit["first"]
    record = _rejected_visit(visit)
    _ok(run("discard", record, "--yes"))
    _arrives_after_all(visit, client, record, datetime.now(UTC).isoformat())
    assert _held_on_server(app, user) == []  # the held edits were applied with it
    pushed = run("push")
    assert pushed.exit_code == 1, pushed.output
    assert pushed.stdout.count("not withdrawn from the server:") == 2, pushed.output
    assert "already settled (applied)" in pushed.stdout
    assert _withdrawn_audit(app, user) == []
    assert _withdrawals_received(app, user) == 2  # a refusal is final: none went again
    report = json.loads(_ok(run("status", "--json")))
    assert report["withdrawals"] == 0 and len(report["issues"]) == 2


def test_a_held_edit_refused_before_its_withdrawal_arrives_needs_nothing(visit, app, client):
    run, user = visit["run"], visit["first"]
    record = _rejected_visit(visit)
    _ok(run("discard", record, "--yes"))
    _arrives_after_all(visit, client, record, "2019-06-03T09:00:00+08:00")  # before WATER-02
    assert _held_on_server(app, user) == []  # the answer refused, the refusal to sign applied
    pushed = run("push")
    assert pushed.exit_code == 1, pushed.output  # the signature: applied, not withdrawn
    assert pushed.stdout.count("not withdrawn from the server:") == 1, pushed.output
    assert "nothing to withdraw: the server had refused checklist_answer" in pushed.stdout
    assert _withdrawals_received(app, user) == 2
    report = json.loads(_ok(run("status", "--json")))
    assert [i["entity"] for i in report["issues"]] == ["mutation"]
    assert "already settled (applied)" in report["issues"][0]["problem"]
