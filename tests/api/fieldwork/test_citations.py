"""The records citing an evidence file are exactly those whose evidence list or signature images
name it now: after each edit, and never after an edit rolled back in its savepoint."""

from __future__ import annotations

import secrets
import uuid

import pytest

from server.auth.policy import Actor
from tests.api.citing import citing_ids


@pytest.fixture
def record(client, field):
    """A signed inspection record (two officers' signature images, the party refused)."""
    body = field["signed"]()
    response = client.post("/api/v1/inspections", json=body, headers=field["headers"])
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _violation(client, field, record, evidence):
    body = {"id": str(uuid.uuid4()), "inspection_id": record["id"], "code": "AIR_VOC",
            "occurred_on": "2026-06-01", "description": "喷漆车间门窗敞开", "evidence": evidence}
    response = client.post("/api/v1/violations", json=body, headers=field["headers"])
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_violation_cites_each_file_its_list_names_until_an_edit_drops_it(client, field,
                                                                          record, app):
    kept, dropped, added = (secrets.token_hex(32) for _ in range(3))
    violation = _violation(client, field, record, [kept, dropped])
    assert citing_ids(app, kept) == citing_ids(app, dropped) == ({violation["id"]}, set())

    changed = client.patch(f"/api/v1/violations/{violation['id']}", headers=field["headers"],
                           json={"version": 1, "evidence": [kept, added]})
    assert changed.status_code == 200, changed.get_json()
    assert citing_ids(app, dropped) == (set(), set())
    assert citing_ids(app, kept) == citing_ids(app, added) == ({violation["id"]}, set())


def test_an_inspection_cites_its_signature_images_until_one_is_withdrawn(client, field, record,
                                                                          app):
    first, second, refusal = record["signatures"]
    for signature in (first, second):
        assert citing_ids(app, signature["evidence_sha256"]) == (set(), {record["id"]})
    kept = [{k: v for k, v in s.items() if v is not None} for s in (second, refusal)]
    changed = client.patch(f"/api/v1/inspections/{record['id']}", headers=field["headers"],
                           json={"version": record["version"], "signatures": kept})
    assert changed.status_code == 200, changed.get_json()
    assert citing_ids(app, first["evidence_sha256"]) == (set(), set())
    assert citing_ids(app, second["evidence_sha256"]) == (set(), {record["id"]})


def test_words_that_spell_a_digest_in_a_refusal_are_no_citation(client, field, app):
    digest = secrets.token_hex(32)
    body = field["inspection"](signatures=[{"signer": "王经理", "role": "party",
                                            "refused": True, "refusal_reason": digest}])
    assert client.post("/api/v1/inspections", json=body,
                       headers=field["headers"]).status_code == 201
    assert citing_ids(app, digest) == (set(), set())


def test_a_file_cited_by_several_records_finds_each_and_their_districts(client, field, record,
                                                                       app, login):
    from server.extensions import db
    from server.fieldwork import citations

    photo = record["signatures"][0]["evidence_sha256"]  # a signature image also cited as proof
    one, two = (_violation(client, field, record, [photo]) for _ in range(2))
    assert citing_ids(app, photo) == ({one["id"], two["id"]}, {record["id"]})
    first, _ = field["inspectors"]
    with app.app_context():
        assert [str(r.id) for r in citations.records_citing(photo, ["310115"])] == [record["id"]]
        assert citations.records_citing(photo, ["310101"]) == []
        assert citations.districts_citing(photo, first.id) == {"310115"}
        assert citations.districts_citing(photo, uuid.uuid4()) == set()
        db.session.rollback()


class _Refused(Exception):
    """Something after the edit failed: its savepoint is rolled back."""


def test_an_edit_rolled_back_in_its_savepoint_leaves_no_citation(client, field, record, app):
    from server.extensions import db
    from server.fieldwork import citations, violations
    from server.uow import batch, savepoint

    kept, in_vain = secrets.token_hex(32), secrets.token_hex(32)
    violation = _violation(client, field, record, [kept])
    first, _ = field["inspectors"]
    actor = Actor(first.id, first.username, "inspector", "310115", "tablet-a")
    with app.app_context():
        with batch():
            with pytest.raises(_Refused), savepoint():
                violations.update_violation(actor, uuid.UUID(violation["id"]), 1,
                                            {"evidence": [in_vain]})
                db.session.flush()
                assert citations.citing(in_vain)[0]  # written inside the savepoint
                raise _Refused
    assert citing_ids(app, in_vain) == (set(), set())
    assert citing_ids(app, kept) == ({violation["id"]}, set())
