"""Bad input to the planning endpoints is a 4xx problem, never a 500."""

from __future__ import annotations

import pytest

DISTRICT = "310115"
# No record has this id. Fixed, not random: every xdist worker must collect the same test ids.
NOWHERE = "5f0c2d9e-0000-4000-8000-00000000dead"


@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "/api/v1/tasks?page=0", None),
    ("GET", "/api/v1/tasks?overdue=perhaps", None),
    ("GET", "/api/v1/tasks?assignee=nobody", None),
    ("GET", "/api/v1/tasks?kind=party", None),
    ("GET", "/api/v1/jobs?limit=100000", None),
    ("GET", "/api/v1/recusals?enterprise_id=1", None),
    ("GET", f"/api/v1/tasks/{NOWHERE}", None),
    ("GET", f"/api/v1/draws/{NOWHERE}/verify", None),
    ("GET", f"/api/v1/plans/{NOWHERE}/publication", None),
    ("POST", f"/api/v1/plans/{NOWHERE}/draws", {}),
    ("POST", "/api/v1/plans", {"name": "x", "district": "310115", "sample": {"ratio": "NaN"},
                               "period": {"start": "2026-01-01", "end": "2026-12-31"}}),
    ("POST", "/api/v1/plans", {"name": "x", "district": "310115",
                               "sample": {"ratio": "Infinity"},
                               "period": {"start": "2026-01-01", "end": "2026-12-31"}}),
    ("POST", "/api/v1/plans", {"name": "x", "district": "310115", "sample": {"count": 1},
                               "period": {"start": "2026-13-01", "end": "2026-12-31"}}),
    ("POST", "/api/v1/plans", {"name": "x", "district": "310115", "sample": {"count": 1},
                               "period": {"start": "2026-01-01"}}),
    ("POST", "/api/v1/plans", {"name": "x", "district": "310115", "sample": [1],
                               "period": {"start": "2026-01-01", "end": "2026-12-31"},
                               "population": "all"}),
    ("POST", "/api/v1/tasks/assignments", {"items": []}),
    ("POST", "/api/v1/tasks/assignments", {"items": [{"task_id": NOWHERE,
                                                      "inspectors": [NOWHERE, NOWHERE]}]}),
    ("PUT", f"/api/v1/tasks/{NOWHERE}/assignees", {"inspectors": [], "version": 1}),
    ("POST", f"/api/v1/tasks/{NOWHERE}/transitions", {"to": "planned", "version": 1}),
    ("POST", f"/api/v1/tasks/{NOWHERE}/transitions", {"to": "closed", "version": 1}),
    ("POST", "/api/v1/recusals", {"enterprise_id": NOWHERE, "reason": "enemy"}),
    ("POST", "/api/v1/recusals", {"enterprise_id": NOWHERE, "reason": "relative"}),
])
def test_bad_planning_requests_are_problems(client, login, method, path, body):
    response = client.open(path, method=method, json=body,
                           headers=login("supervisor", DISTRICT))
    assert 400 <= response.status_code < 500, response.get_json()
    assert response.mimetype == "application/problem+json"


def test_a_draw_with_any_seed_or_no_json_is_refused(client, login, make_plan):
    boss = login("supervisor", DISTRICT)
    plan = make_plan(boss)
    for seed in ("with space", "", "x" * 129, 42, None, "good-looking"):
        response = client.post(f"/api/v1/plans/{plan}/draws", json={"seed": seed},
                               headers=boss)
        assert response.status_code == 422, seed
    raw = client.post(f"/api/v1/plans/{plan}/draws", data="seed", headers=boss,
                      content_type="text/plain")
    assert raw.status_code == 415
