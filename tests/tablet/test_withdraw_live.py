"""A record the server rejected, discarded with the work behind it on the command-line tablet
against the real app: the edits the server was holding for it are withdrawn at the next push,
so none stays pending on the server, and the audit log shows each withdrawal."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from offline_sync import Tablet
from server.audit.models import AuditEntry
from server.extensions import db
from server.sync.models import SyncMutation

from . import test_blocked_live
from .test_blocked_live import _rejected_visit
from .test_cli_visit import _ok

visit = test_blocked_live.visit  # the site-visit fixture: a task, its enterprise, a tablet


def _held_on_server(app, user) -> list[str]:
    with app.app_context():
        return sorted(str(m) for m in db.session.scalars(select(SyncMutation.mutation_id).where(
            SyncMutation.user_id == user.id, SyncMutation.status == "pending")))


def _withdrawn_audit(app, user) -> list[dict]:
    with app.app_context():
        return [entry.details for entry in db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "sync.withdraw", AuditEntry.actor_id == str(user.id)))]


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


def test_a_held_edit_applied_before_its_withdrawal_arrives_is_shown_not_withdrawn(
        visit, app, client):
    run, user = visit["run"], visit["first"]
    record = _rejected_visit(visit)
    _ok(run("discard", record, "--yes"))
    store = Tablet(visit["home"]).store
    headers = {"Authorization": f"Bearer {store.get('token')}"}
    team = [str(visit["first"].id), str(visit["second"].id)]
    arrived = client.post("/api/v1/sync/push", headers=headers, json={  # the record after all
        "device_id": "visit-tablet", "mutations": [{
            "mutation_id": str(uuid.uuid4()), "entity": "inspection", "op": "create",
            "id": record, "fields": {"enterprise_id": visit["enterprise"]["id"],
                                     "inspector_ids": team,
                                     "started_at": datetime.now(UTC).isoformat()}}]})
    assert arrived.get_json()["results"][0]["status"] == "applied", arrived.get_json()
    assert _held_on_server(app, user) == []  # the held edits were applied with it
    pushed = run("push")
    assert pushed.exit_code == 1, pushed.output
    assert pushed.stdout.count("not withdrawn from the server:") == 2, pushed.output
    assert "already settled (applied)" in pushed.stdout
    assert _withdrawn_audit(app, user) == []
    report = json.loads(_ok(run("status", "--json")))
    assert report["withdrawals"] == 0 and len(report["issues"]) == 2
