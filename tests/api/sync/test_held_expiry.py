"""Held mutations expire: one whose record has not arrived SYNC_HELD_EXPIRY_DAYS after the
server received it is settled by a scheduled job as rejected (the record it waited for never
arrived), replayed so on a retry and audited; supervisors list what their district's tablets
have held meanwhile."""

from __future__ import annotations

import os
import threading
import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import create_engine, text, update

from server import jobs
from server.clock import utcnow
from server.config import normalise_database_url
from server.extensions import db
from server.sync.models import SyncMutation
from tests.api.described import assert_described
from tests.api.sync.conftest import mutation
from tests.api.sync.test_push_withdraw import _audited, _held_update, _row

JOB = "sync.expire_held"


def _received(app, user, held: dict, days_ago: float) -> None:
    """Move when the server received a held mutation `days_ago` days back."""
    with app.app_context():
        db.session.execute(update(SyncMutation).where(
            SyncMutation.user_id == user.id,
            SyncMutation.mutation_id == uuid.UUID(held["mutation_id"]))
            .values(received_at=utcnow() - timedelta(days=days_ago)))
        db.session.commit()


def _sweep(app) -> jobs.JobRun:
    with app.app_context():
        run = jobs.run_job(jobs.JOBS_BY_ID[JOB], "test-runner")
        db.session.expunge_all()
        return run


def test_the_sweep_rejects_only_the_mutations_held_longer_than_the_expiry(app, world):
    tablet, user = world["a"], world["users"][0]
    app.config["SYNC_HELD_EXPIRY_DAYS"] = 10
    old, _ = _held_update(tablet)
    young, _ = _held_update(tablet)
    _received(app, user, old, days_ago=10.5)
    _received(app, user, young, days_ago=9.5)
    run = _sweep(app)
    assert (run.outcome, run.counts) == ("ok", {"expired": 1})
    expired = _row(app, user, old["mutation_id"])
    assert (expired.status, expired.request, expired.waits_for) == ("rejected", None, None)
    assert expired.settled_at is not None
    assert _row(app, user, young["mutation_id"]).status == "pending"
    assert _sweep(app).counts == {"expired": 0}  # run again, it settles nothing twice


def test_a_retry_after_expiry_replays_the_rejection_naming_what_it_waited_for(app, world):
    tablet, user = world["a"], world["users"][0]
    held, record = _held_update(tablet)
    _received(app, user, held, days_ago=app.config["SYNC_HELD_EXPIRY_DAYS"] + 1)
    _sweep(app)
    [again] = tablet.push(held)
    assert again["status"] == "duplicate"
    first = again["first"]
    assert (first["status"], first["mutation_id"], first["version"]) == (
        "rejected", held["mutation_id"], None)
    problem = first["problem"]
    assert (problem["status"], problem["type"].rsplit("/", 1)[1]) == (410, "gone")
    assert problem["waited_for"] == f"inspection:{record}"
    assert f"inspection:{record}" in problem["detail"] and "never arrived" in problem["detail"]
    assert problem["expired_after_days"] == app.config["SYNC_HELD_EXPIRY_DAYS"]
    assert "transient" not in problem  # final: the tablet does not send it again


def test_a_predecessor_arriving_before_expiry_still_applies_the_held_mutation(
        app, client, world):
    tablet, user = world["a"], world["users"][0]
    held, record = _held_update(tablet)
    _received(app, user, held, days_ago=app.config["SYNC_HELD_EXPIRY_DAYS"] - 1)
    assert _sweep(app).counts == {"expired": 0}
    response = client.post("/api/v1/sync/push", headers=tablet.headers, json={
        "device_id": tablet.device, "mutations": [mutation(
            "inspection", "create", record, world["inspection_fields"]())]}).get_json()
    assert response["results"][0]["status"] == "applied"
    assert [(r["mutation_id"], r["status"]) for r in response["released"]] == [
        (held["mutation_id"], "applied")]
    copy = client.get(f"/api/v1/inspections/{record}", headers=tablet.headers).get_json()
    assert (copy["version"], copy["findings"]) == (2, "复查")


def test_a_predecessor_arriving_after_expiry_does_not_apply_the_expired_mutation(
        app, client, world):
    tablet, user = world["a"], world["users"][0]
    held, record = _held_update(tablet)
    _received(app, user, held, days_ago=app.config["SYNC_HELD_EXPIRY_DAYS"] + 1)
    _sweep(app)
    response = client.post("/api/v1/sync/push", headers=tablet.headers, json={
        "device_id": tablet.device, "mutations": [mutation(
            "inspection", "create", record, world["inspection_fields"]())]}).get_json()
    assert response["results"][0]["status"] == "applied"
    assert response["released"] == []
    copy = client.get(f"/api/v1/inspections/{record}", headers=tablet.headers).get_json()
    assert (copy["version"], copy["findings"]) == (1, "喷漆车间门窗敞开作业")


def test_an_expiry_is_audited_with_who_sent_it_what_it_sent_and_what_it_waited_for(app, world):
    tablet, user = world["a"], world["users"][0]
    held, record = _held_update(tablet)
    _received(app, user, held, days_ago=app.config["SYNC_HELD_EXPIRY_DAYS"] + 1)
    _sweep(app)
    [entry] = _audited(app, "sync.expire")
    assert (entry.actor_id, entry.entity, entry.entity_id) == (None, "inspection", record)
    assert entry.details["mutation_id"] == held["mutation_id"]
    assert entry.details["waited_for"] == f"inspection:{record}"
    assert (entry.details["user_id"], entry.details["device_id"]) == (
        str(user.id), tablet.device)
    # what the tablet sent is kept: the held row forgets it once settled
    assert entry.details["sent"]["values"] == {"findings": "复查"}
    assert entry.details["sent"]["base_version"] == 1


def test_a_withdrawn_or_applied_mutation_is_never_expired(app, world):
    tablet, user = world["a"], world["users"][0]
    withdrawn, _ = _held_update(tablet)
    assert tablet.push(mutation("mutation", "withdraw", withdrawn["mutation_id"])
                       )[0]["status"] == "applied"
    create = mutation("inspection", "create", str(uuid.uuid4()), world["inspection_fields"]())
    assert tablet.push(create)[0]["status"] == "applied"
    for done in (withdrawn, create):
        _received(app, user, done, days_ago=app.config["SYNC_HELD_EXPIRY_DAYS"] + 1)
    assert _sweep(app).counts == {"expired": 0}
    assert "withdrawn" in _row(app, user, withdrawn["mutation_id"]).result["problem"]["detail"]
    assert _row(app, user, create["mutation_id"]).status == "applied"


def test_supervisors_list_the_held_mutations_of_their_district_only(app, client, world):
    own, user = world["a"], world["users"][0]
    held, record = _held_update(own)
    elsewhere, _ = _held_update(world["other"])
    listed = client.get("/api/v1/sync/held", headers=world["supervisor"])
    assert_described(app, "GET", "/api/v1/sync/held", listed)
    [shown] = listed.get_json()
    assert (shown["mutation_id"], shown["user_id"], shown["device_id"]) == (
        held["mutation_id"], str(user.id), own.device)
    assert (shown["entity"], shown["entity_id"], shown["op"], shown["waits_for"]) == (
        "inspection", record, "update", f"inspection:{record}")
    assert (shown["username"], shown["display_name"]) == (user.username, user.display_name)
    days = timedelta(days=app.config["SYNC_HELD_EXPIRY_DAYS"])
    assert datetime.fromisoformat(shown["expires_at"]) - datetime.fromisoformat(
        shown["received_at"]) == days
    city = client.get("/api/v1/sync/held", headers=world["city"]).get_json()
    assert {m["mutation_id"] for m in city} == {held["mutation_id"], elsewhere["mutation_id"]}
    refused = client.get("/api/v1/sync/held", headers=own.headers)
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"


def test_the_held_list_leaves_out_what_settled(app, client, world):
    tablet, user = world["a"], world["users"][0]
    held, _ = _held_update(tablet)
    kept, _ = _held_update(tablet)
    _received(app, user, held, days_ago=app.config["SYNC_HELD_EXPIRY_DAYS"] + 1)
    _sweep(app)
    listed = client.get("/api/v1/sync/held", headers=world["supervisor"]).get_json()
    assert [m["mutation_id"] for m in listed] == [kept["mutation_id"]]
    few = client.get("/api/v1/sync/held?limit=0", headers=world["supervisor"])
    assert few.status_code == 422 and few.mimetype == "application/problem+json"


@pytest.mark.skipif(os.environ.get("TEST_DATABASE") != "postgresql",
                    reason="row locks are PostgreSQL's")
def test_the_sweep_leaves_a_held_mutation_a_push_is_settling_to_that_push(
        app, world, database_url):
    tablet, user = world["a"], world["users"][0]
    held, _ = _held_update(tablet)
    _received(app, user, held, days_ago=app.config["SYNC_HELD_EXPIRY_DAYS"] + 1)
    other = create_engine(normalise_database_url(database_url))
    runs: list[jobs.JobRun] = []
    with other.connect() as conn:
        pushing = conn.begin()  # a push releasing it, not committed yet
        conn.execute(text("SELECT 1 FROM sync_mutations WHERE mutation_id = :m FOR UPDATE"),
                      {"m": held["mutation_id"]})
        sweeping = threading.Thread(target=lambda: runs.append(_sweep(app)))
        sweeping.start()
        sweeping.join(timeout=20)
        waited = sweeping.is_alive()
        pushing.rollback()
    sweeping.join()
    other.dispose()
    assert not waited, "the sweep waited behind the push's lock"
    assert runs[0].counts == {"expired": 0}
    assert _row(app, user, held["mutation_id"]).status == "pending"
    assert _sweep(app).counts == {"expired": 1}  # the next run takes it


def test_the_refusal_of_one_held_mutation_too_many_says_they_expire_and_how_to_withdraw(
        app, world):
    app.config["SYNC_MAX_HELD"], app.config["SYNC_HELD_EXPIRY_DAYS"] = 1, 12
    tablet = world["a"]
    _held_update(tablet)
    [refused] = tablet.push(mutation("inspection", "update", str(uuid.uuid4()),
                                     {"findings": "又一条"}, base=1))
    problem = refused["problem"]
    assert (refused["status"], problem["status"], problem["transient"]) == (
        "rejected", 429, True)
    assert "expires 12 days after the server received it" in problem["detail"]
    assert '{entity: "mutation", op: "withdraw"' in problem["detail"]


def test_an_expiry_below_one_day_stops_the_start(monkeypatch, tmp_path):
    from server.config import load_config

    monkeypatch.setenv("SYNC_HELD_EXPIRY_DAYS", "0")  # every held mutation rejected at once
    with pytest.raises(ValueError, match="SYNC_HELD_EXPIRY_DAYS must be at least 1"):
        load_config(tmp_path)
    monkeypatch.setenv("SYNC_HELD_EXPIRY_DAYS", "7")
    assert load_config(tmp_path)["SYNC_HELD_EXPIRY_DAYS"] == 7
