"""Records a push test starts from: an inspection, and a violation on it, each pushed applied;
and a visit's batch with every kind of record and part."""

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


def visit_batch(world, task: dict, inspection: str, violation: str, photo: str,
                signature: str) -> list[dict]:
    """A visit as a tablet pushes it: the task started, the record on it, a violation citing
    `photo`, the party's signature (image `signature`) and a checklist answer."""
    return [
        mutation("task", "status", task["id"], {"status": "started"}, base=task["version"]),
        mutation("inspection", "create", inspection,
                 world["inspection_fields"](task_id=task["id"])),
        mutation("violation", "create", violation, {
            "inspection_id": inspection, "code": "AIR_VOC", "occurred_on": "2026-06-01"}),
        mutation("evidence_link", "create", f"{violation}:{photo}",
                 {"violation_id": violation, "sha256": photo}),
        mutation("signature", "create", str(uuid.uuid4()), {
            "inspection_id": inspection, "signer": "王经理", "role": "party",
            "evidence_sha256": signature}),
        mutation("checklist_answer", "create", str(uuid.uuid4()), {
            "inspection_id": inspection, "item": "WATER-02", "answer": "yes"})]
