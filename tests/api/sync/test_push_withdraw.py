"""Push: a tablet withdraws its own held mutations (entity `mutation`, op `withdraw`), e.g. the
edits behind a create the inspector discarded; each is settled once, with a final result."""

from __future__ import annotations

import os
import threading
import uuid

import pytest
from sqlalchemy import create_engine, select, text

from server.audit.models import AuditEntry
from server.config import normalise_database_url
from server.extensions import db
from server.sync.models import SyncMutation
from tests.api.sync.conftest import mutation


def withdrawal(held: dict) -> dict:
    """The mutation withdrawing a held one."""
    return mutation("mutation", "withdraw", held["mutation_id"])


def _held_update(tablet) -> tuple[dict, str]:
    """An update of an inspection record whose create never arrived: held (pending)."""
    record = str(uuid.uuid4())
    update = mutation("inspection", "update", record, {"findings": "复查"}, base=1)
    [result] = tablet.push(update)
    assert (result["status"], result["waits_for"]) == ("pending", f"inspection:{record}")
    return update, record


def _row(app, user, mutation_id: str) -> SyncMutation:
    with app.app_context():
        row = db.session.get(SyncMutation, (user.id, uuid.UUID(mutation_id)))
        db.session.expunge_all()
        return row


def _pending(app, user) -> int:
    with app.app_context():
        return len(db.session.scalars(select(SyncMutation).where(
            SyncMutation.user_id == user.id, SyncMutation.status == "pending")).all())


def _audited(app, action: str = "sync.withdraw") -> list[AuditEntry]:
    """The audit entries of `action`, oldest first."""
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == action).order_by(AuditEntry.seq)).all()
        db.session.expunge_all()
        return entries


def test_a_held_mutation_withdrawn_by_its_tablet_is_settled_and_its_resend_replays_that(
        app, world):
    tablet, user = world["a"], world["users"][0]
    update, record = _held_update(tablet)
    ask = withdrawal(update)
    [result] = tablet.push(ask)
    assert (result["status"], result["entity"], result["id"]) == (
        "applied", "mutation", update["mutation_id"])
    assert _pending(app, user) == 0
    row = _row(app, user, update["mutation_id"])
    assert (row.status, row.request, row.waits_for) == ("rejected", None, None)
    assert row.settled_at is not None
    [again] = tablet.push(update)
    assert again["status"] == "duplicate"
    first = again["first"]
    assert (first["status"], first["mutation_id"]) == ("rejected", update["mutation_id"])
    assert first["problem"]["status"] == 410 and first["problem"]["type"].endswith("/gone")
    assert "withdrawn" in first["problem"]["detail"]
    assert first["problem"]["withdrawn_by"] == ask["mutation_id"]
    response = tablet.client.post("/api/v1/sync/push", headers=tablet.headers, json={
        "device_id": tablet.device, "mutations": [mutation(
            "inspection", "create", record, world["inspection_fields"]())]}).get_json()
    assert response["results"][0]["status"] == "applied"
    assert response["released"] == []  # the withdrawn update is never applied
    copy = tablet.client.get(f"/api/v1/inspections/{record}", headers=tablet.headers).get_json()
    assert (copy["version"], copy["findings"]) == (1, "喷漆车间门窗敞开作业")


def test_the_withdrawal_is_audited_with_what_the_mutation_waited_for(app, world):
    tablet, user = world["a"], world["users"][0]
    update, record = _held_update(tablet)
    ask = withdrawal(update)
    tablet.push(ask)
    [entry] = _audited(app)
    assert (entry.actor_id, entry.entity, entry.entity_id) == (
        str(user.id), "inspection", record)
    assert entry.details["mutation_id"] == update["mutation_id"]
    assert entry.details["withdrawal"] == ask["mutation_id"]
    assert entry.details["waited_for"] == f"inspection:{record}"
    assert entry.device_id == tablet.device


def test_a_retried_withdrawal_replays_its_first_result_and_settles_nothing_twice(app, world):
    tablet = world["a"]
    update, _ = _held_update(tablet)
    ask = withdrawal(update)
    first = tablet.push(ask)[0]
    retry = tablet.push(ask)[0]
    assert first["status"] == "applied"
    assert (retry["status"], retry["first"]["status"]) == ("duplicate", "applied")
    assert len(_audited(app)) == 1


def test_another_users_held_mutation_cannot_be_withdrawn(app, world):
    owner, other = world["a"], world["b"]
    update, _ = _held_update(owner)
    [refused] = other.push(withdrawal(update))
    assert refused["status"] == "rejected" and refused["problem"]["status"] == 404
    assert _row(app, world["users"][0], update["mutation_id"]).status == "pending"
    assert _audited(app) == []
    assert owner.push(withdrawal(update))[0]["status"] == "applied"  # its owner still may


def test_an_applied_mutation_cannot_be_withdrawn_and_nothing_changes(app, world):
    tablet, user = world["a"], world["users"][0]
    create = mutation("inspection", "create", str(uuid.uuid4()), world["inspection_fields"]())
    assert tablet.push(create)[0]["status"] == "applied"
    [refused] = tablet.push(withdrawal(create))
    assert refused["status"] == "rejected" and refused["problem"]["status"] == 409
    assert "applied" in refused["problem"]["detail"]
    assert refused["problem"]["settled"] == "applied"
    assert "transient" not in refused["problem"]  # final: the tablet never sends it again
    assert _row(app, user, create["mutation_id"]).status == "applied"
    replay = tablet.push(create)[0]
    assert (replay["status"], replay["first"]["status"]) == ("duplicate", "applied")
    assert _audited(app) == []


def test_a_mutation_withdrawn_once_cannot_be_withdrawn_again(world):
    tablet = world["a"]
    update, _ = _held_update(tablet)
    assert tablet.push(withdrawal(update))[0]["status"] == "applied"
    [again] = tablet.push(withdrawal(update))  # a new withdrawal, not a retry of the first
    assert again["status"] == "rejected" and again["problem"]["status"] == 409
    assert "withdrawn" in again["problem"]["detail"]
    assert again["problem"]["settled"] == "withdrawn"


def test_a_mutation_the_server_rejected_says_so_when_withdrawn(world):
    tablet = world["a"]
    fields = {**world["inspection_fields"](), "inspector_ids": []}  # refused: no officers
    create = mutation("inspection", "create", str(uuid.uuid4()), fields)
    assert tablet.push(create)[0]["status"] == "rejected"
    [refused] = tablet.push(withdrawal(create))
    assert refused["status"] == "rejected" and refused["problem"]["status"] == 409
    assert refused["problem"]["settled"] == "rejected"
    assert "already settled (rejected)" in refused["problem"]["detail"]


def test_an_unknown_or_malformed_id_is_refused_with_the_reason(world):
    tablet = world["a"]
    unknown, malformed = tablet.push(mutation("mutation", "withdraw", str(uuid.uuid4())),
                                     mutation("mutation", "withdraw", "not-a-uuid"))
    assert unknown["status"] == "rejected" and unknown["problem"]["status"] == 404
    assert malformed["status"] == "rejected" and malformed["problem"]["status"] == 422
    assert malformed["problem"]["errors"] == {"id": ["not a UUID"]}


def test_a_mutation_held_and_withdrawn_in_one_batch_ends_withdrawn(app, world):
    tablet, user = world["a"], world["users"][0]
    record = str(uuid.uuid4())
    update = mutation("inspection", "update", record, {"findings": "复查"}, base=1)
    held, withdrawn = tablet.push(update, withdrawal(update))
    assert (held["status"], withdrawn["status"]) == ("pending", "applied")
    assert _pending(app, user) == 0
    assert _row(app, user, update["mutation_id"]).status == "rejected"


def test_the_withdrawn_mutation_of_an_uppercase_id_is_found(world):
    tablet = world["a"]
    update, _ = _held_update(tablet)
    ask = mutation("mutation", "withdraw", update["mutation_id"].upper())
    assert tablet.push(ask)[0]["status"] == "applied"


def test_a_mutation_applied_earlier_in_the_same_batch_is_refused_as_applied(app, world):
    tablet, user = world["a"], world["users"][0]
    create = mutation("inspection", "create", str(uuid.uuid4()), world["inspection_fields"]())
    update = mutation("inspection", "update", create["id"], {"findings": "复查"}, base=1)
    applied, refused, after = tablet.push(create, withdrawal(create), update)
    assert (applied["status"], after["status"]) == ("applied", "applied")
    assert refused["status"] == "rejected" and refused["problem"]["status"] == 409
    assert "(applied)" in refused["problem"]["detail"]
    assert _row(app, user, create["mutation_id"]).status == "applied"


@pytest.mark.skipif(os.environ.get("TEST_DATABASE") != "postgresql",
                    reason="row locks are PostgreSQL's")
def test_a_held_mutation_withdrawn_while_its_record_arrives_is_applied_never(
        app, world, database_url):
    tablet, user = world["a"], world["users"][0]
    update, record = _held_update(tablet)
    other = create_engine(normalise_database_url(database_url))
    arrived: list[dict] = []
    with other.connect() as conn:
        withdrawing = conn.begin()  # another request withdraws it, not committed yet
        conn.execute(text("UPDATE sync_mutations SET status = 'rejected', request = NULL, "
                          "waits_for = NULL WHERE user_id = :user AND mutation_id = :id"),
                     {"user": user.id, "id": uuid.UUID(update["mutation_id"])})
        pushing = threading.Thread(target=lambda: arrived.append(tablet.client.post(
            "/api/v1/sync/push", headers=tablet.headers, json={
                "device_id": tablet.device, "mutations": [mutation(
                    "inspection", "create", record, world["inspection_fields"]())]}
        ).get_json()))
        pushing.start()
        pushing.join(1.0)
        assert pushing.is_alive()  # its release waits for the withdrawal's row lock
        withdrawing.commit()
        pushing.join(30)
    other.dispose()
    assert arrived[0]["results"][0]["status"] == "applied" and arrived[0]["released"] == []
    assert _row(app, user, update["mutation_id"]).status == "rejected"
    copy = tablet.client.get(f"/api/v1/inspections/{record}", headers=tablet.headers).get_json()
    assert copy["version"] == 1
