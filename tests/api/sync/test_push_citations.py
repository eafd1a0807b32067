"""A push's evidence links and signatures change which records cite a file exactly as they are
applied: a mutation refused, or a run of them rolled back and applied again one by one, leaves
no citation behind."""

from __future__ import annotations

import secrets
import uuid

from tests.api.citing import citing_ids
from tests.api.sync.conftest import mutation
from tests.api.sync.pushed import pushed_inspection, pushed_violation


def _link(op: str, violation: str, sha256: str) -> dict:
    return mutation("evidence_link", op, f"{violation}:{sha256}",
                    {"violation_id": violation, "sha256": sha256})


def test_evidence_links_pushed_and_withdrawn_cite_and_stopciting_ids(app, world):
    tablet = world["a"]
    violation = pushed_violation(world, pushed_inspection(world))
    photo, other = secrets.token_hex(32), secrets.token_hex(32)
    results = tablet.push(_link("create", violation, photo), _link("create", violation, other))
    assert [r["status"] for r in results] == ["applied"] * 2, results
    assert citing_ids(app, photo) == citing_ids(app, other) == ({violation}, set())
    assert tablet.push(_link("delete", violation, photo))[0]["status"] == "applied"
    assert citing_ids(app, photo) == (set(), set())
    assert citing_ids(app, other) == ({violation}, set())


def test_signatures_pushed_and_withdrawn_cite_and_stopciting_ids(app, world):
    tablet = world["a"]
    record = pushed_inspection(world)
    image, key = secrets.token_hex(32), str(uuid.uuid4())
    signature = {"inspection_id": record, "signer": "王经理", "role": "party",
                 "evidence_sha256": image}
    made = tablet.push(mutation("signature", "create", key, signature))
    assert made[0]["status"] == "applied", made
    assert citing_ids(app, image) == (set(), {record})
    assert tablet.push(mutation("signature", "delete", key, signature))[0]["status"] \
        == "applied"
    assert citing_ids(app, image) == (set(), set())


def test_a_run_rolled_back_for_a_refused_mutation_cites_only_what_was_applied(app, world):
    tablet = world["a"]
    record = pushed_inspection(world)
    violation = pushed_violation(world, record)
    photo, refused = secrets.token_hex(32), secrets.token_hex(32)
    results = tablet.push(
        _link("create", violation, photo),
        mutation("signature", "create", str(uuid.uuid4()), {
            "inspection_id": record, "signer": "不在记录上的人", "role": "officer",
            "evidence_sha256": refused}),
        mutation("violation", "update", violation, {"occurred_on": "2030-01-01"}, base=2))
    assert [r["status"] for r in results] == ["applied", "rejected", "rejected"], results
    assert citing_ids(app, photo) == ({violation}, set())
    assert citing_ids(app, refused) == (set(), set())
