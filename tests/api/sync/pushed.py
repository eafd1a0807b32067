"""Records a push test starts from: an inspection, and a violation on it, each pushed applied."""

from __future__ import annotations

import uuid

from tests.api.sync.conftest import mutation


def pushed_inspection(world, tablet=None):
    """An inspection record the tablet (A by default) pushed; its id."""
    key = str(uuid.uuid4())
    result = (tablet or world["a"]).push(
        mutation("inspection", "create", key, world["inspection_fields"]()))[0]
    assert result["status"] == "applied", result
    return key


def pushed_violation(world, inspection_id, tablet=None, **fields):
    """A violation on that record the tablet pushed, `fields` changed; its id."""
    key = str(uuid.uuid4())
    body = {"inspection_id": inspection_id, "code": "AIR_VOC", "occurred_on": "2026-06-01",
            "description": "VOCs 无组织排放"} | fields
    result = (tablet or world["a"]).push(mutation("violation", "create", key, body))[0]
    assert result["status"] == "applied", result
    return key
