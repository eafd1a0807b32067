"""A waiver pending correction becomes a re-inspection task once its deadline has passed."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from server.extensions import db
from server.fieldwork.violations import corrections_due
from server.planning.deadlines import create_due_reinspections
from server.planning.models import Task


def _pending(client, field):
    inspection = field["inspection"](started_at="2021-06-01T01:30:00+00:00")
    client.post("/api/v1/inspections", json=inspection, headers=field["headers"])
    body = {"id": str(uuid.uuid4()), "inspection_id": inspection["id"], "code": "AIR_DUST",
            "occurred_on": "2021-06-01", "facts": {"harmful_consequence": False}}
    created = client.post("/api/v1/violations", json=body, headers=field["headers"]).get_json()
    waiver = created["decision"]["zh"]["waiver"]
    assert waiver["outcome"] == "pending_correction", waiver
    return created, date.fromisoformat(waiver["deadline"])


def test_a_pending_correction_is_due_only_after_its_deadline(app, client, field):
    created, deadline = _pending(client, field)
    with app.app_context():
        assert corrections_due(deadline) == []
        due = corrections_due(deadline + timedelta(days=1))
    assert [item["enterprise_id"] for item in due] == [uuid.UUID(field["enterprise"]["id"])]
    assert created["id"] in due[0]["source_ref"]


def test_the_job_creates_one_reinspection_task_however_often_it_runs(app, client, field):
    _, deadline = _pending(client, field)
    after = deadline + timedelta(days=1)
    later = datetime(after.year, after.month, after.day, 12, tzinfo=UTC)
    with app.app_context():
        first = create_due_reinspections(later)
        second = create_due_reinspections(later)
        tasks = db.session.scalars(select(Task).where(Task.kind == "reinspection")).all()
    assert first["created"] == 1 and second["created"] == 0 and second["existing"] == 1
    assert len(tasks) == 1 and tasks[0].enterprise_id == uuid.UUID(field["enterprise"]["id"])


def test_a_correction_recorded_in_time_creates_no_task(app, client, field):
    created, deadline = _pending(client, field)
    client.patch(f"/api/v1/violations/{created['id']}", json={
        "version": 1, "facts": {"harmful_consequence": False, "corrected_in_time": True}},
        headers=field["headers"])
    with app.app_context():
        assert corrections_due(deadline + timedelta(days=30)) == []
