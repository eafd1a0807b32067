"""Steps the draw tests share: draw a plan (with a reason for a redraw), cancel a task."""

from __future__ import annotations


def draw_plan(client, headers, plan_id, reason=None):
    """POST a draw of the plan; the response as it comes."""
    body = {"reason": reason} if reason else {}
    return client.post(f"/api/v1/plans/{plan_id}/draws", json=body, headers=headers)


def cancel_task(client, headers, task_id):
    """Cancel a task at its current version (it must succeed)."""
    version = client.get(f"/api/v1/tasks/{task_id}", headers=headers).get_json()["version"]
    response = client.post(f"/api/v1/tasks/{task_id}/transitions", headers=headers, json={
        "to": "cancelled", "version": version, "reason": "计划撤销"})
    assert response.status_code == 200, response.get_json()
