"""An edit the server held for a record that never arrived (the tablet that made the record
broke before sending it), against the real app: once the hold expires, the tablet's next push
hears it rejected, takes it out of its outbox and lists it for the user like any rejection."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import update

from offline_sync.engine import issue_of
from server import jobs
from server.clock import utcnow
from server.extensions import db
from server.sync.models import SyncMutation


def _expire_held(app, user) -> dict:
    """The user's held mutations received longer ago than the expiry, and the job run."""
    with app.app_context():
        db.session.execute(update(SyncMutation).where(SyncMutation.user_id == user.id).values(
            received_at=utcnow() - timedelta(days=app.config["SYNC_HELD_EXPIRY_DAYS"] + 1)))
        db.session.commit()
        return jobs.run_job(jobs.JOBS_BY_ID["sync.expire_held"], "test-runner").counts


def test_an_edit_held_until_it_expired_comes_back_rejected_and_is_listed_for_the_user(
        app, live, tablet_for, field_day):
    user, password = field_day["first"]
    tablet = tablet_for(live, user, password)
    lost = str(uuid.uuid4())  # the record, made on a tablet that broke before sending it
    violation = tablet.record("violation", "create", str(uuid.uuid4()), {
        "inspection_id": lost, "code": "AIR_VOC", "occurred_on": "2026-06-01"})
    assert tablet.push() == []
    [queued] = tablet.store.queued()
    assert queued.held
    assert _expire_held(app, user) == {"expired": 1}
    [outcome] = tablet.push()
    assert (outcome.mutation_id, outcome.status) == (violation.mutation_id, "rejected")
    assert tablet.store.queued() == []
    assert [o.mutation_id for o in tablet.store.issues()] == [violation.mutation_id]
    said = issue_of(outcome)["problem"]
    assert f"inspection:{lost}" in said and "never arrived" in said
    assert [i["problem"] for i in tablet.status()["issues"]] == [said]
    assert tablet.push() == []  # final: never sent again
