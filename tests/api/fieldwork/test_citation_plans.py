"""The records citing an evidence file are asked at every upload, every read of evidence across
districts and every change-log write of evidence: they are found by the file's digest, never by
reading every violation and inspection record of the bureau."""

from __future__ import annotations

import secrets
import uuid

from tests.api.plans import plan, scans, statements

CITING = ("violations", "inspections", "evidence_citations")

# Years of records: 3,000 signed inspections, each with a violation citing a photo.
_YEARS_OF_RECORDS = (
    "INSERT INTO inspections (id, enterprise_id, district, officers, started_at, people_present, "
    "checklist, findings, signatures, status, version, created_by, created_at, updated_at) "
    "SELECT gen_random_uuid(), e.id, e.district, '[]', now(), '[]', '[]', '', "
    "jsonb_build_array(jsonb_build_object('signer', '王经理', 'role', 'party', "
    "'evidence_sha256', md5(n::text) || md5(n::text))), 'submitted', 1, u.id, now(), now() "
    "FROM generate_series(1, 3000) AS n, (SELECT id, district FROM enterprises LIMIT 1) AS e, "
    "(SELECT id FROM users LIMIT 1) AS u",
    "INSERT INTO violations (id, inspection_id, enterprise_id, district, code, occurred_on, "
    "discovered_on, continuing, party_type, description, facts, bases, factors, mitigation, "
    "evidence, first_offence, flags, version, created_by, created_at, updated_at) "
    "SELECT gen_random_uuid(), i.id, i.enterprise_id, i.district, 'AIR_VOC', current_date, "
    "current_date, false, 'organisation', '', '{}', '{}', '{}', '[]', "
    "jsonb_build_array(md5(i.id::text) || md5(i.id::text)), false, '[]', 1, i.created_by, "
    "now(), now() FROM inspections AS i",
    "INSERT INTO evidence_citations (sha256, entity, record_id, district) "
    "SELECT signatures->0->>'evidence_sha256', 'inspection', id, district FROM inspections "
    "WHERE signatures->0->>'evidence_sha256' IS NOT NULL ON CONFLICT DO NOTHING",
    "INSERT INTO evidence_citations (sha256, entity, record_id, district) "
    "SELECT evidence->>0, 'violation', id, district FROM violations "
    "WHERE jsonb_array_length(evidence) > 0 ON CONFLICT DO NOTHING",
    "ANALYZE inspections", "ANALYZE violations", "ANALYZE evidence_citations")


def test_the_records_citing_a_file_are_found_by_its_digest(app, client, field):
    from server.extensions import db
    from server.fieldwork import citations

    record = field["signed"]()
    assert client.post("/api/v1/inspections", json=record,
                       headers=field["headers"]).status_code == 201
    photo = secrets.token_hex(32)
    assert client.post("/api/v1/violations", headers=field["headers"], json={
        "id": str(uuid.uuid4()), "inspection_id": record["id"], "code": "AIR_VOC",
        "occurred_on": "2026-06-01", "evidence": [photo]}).status_code == 201
    signature = record["signatures"][0]["evidence_sha256"]
    first, _ = field["inspectors"]

    def ask() -> None:
        with app.app_context():
            for sha256 in (photo, signature):
                assert citations.citing(sha256) != ([], [])
                assert citations.records_citing(sha256, ["310115"])
                assert citations.districts_citing(sha256, first.id) == {"310115"}
                db.session.expunge_all()  # the next file's records are read, not remembered
            db.session.rollback()

    asked = statements(app, ask, lambda s: s.lstrip().upper().startswith("SELECT"))
    assert asked
    for statement, parameters in asked:
        found = plan(app, statement, parameters, _YEARS_OF_RECORDS)
        assert not scans(found, CITING), (statement, found)
