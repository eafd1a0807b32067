"""The facts of the evidence a record cites, of only those files the record's district holds, are
asked at every read of a violation or inspection record and every case document: each file is
found by its digest, and its holding by the (digest, district) key, never by reading every file
a district holds."""

from __future__ import annotations

import secrets

from tests.api.plans import plan, scans, selects_from, statements

# Years of uploads: 5,000 files, each held by the district of its uploader, half also by another.
_YEARS_OF_UPLOADS = (
    "INSERT INTO evidence (sha256, size, mime, kind, uploaded_by, district, uploaded_at, flags, "
    "derivation) SELECT md5(n::text) || md5(n::text), 1000, 'image/jpeg', 'photo', u.id, "
    "'310115', now(), '[]', 'none' FROM generate_series(1, 5000) AS n, "
    "(SELECT id FROM users LIMIT 1) AS u",
    "INSERT INTO evidence_holders (sha256, district) SELECT sha256, district FROM evidence "
    "ON CONFLICT DO NOTHING",
    "INSERT INTO evidence_holders (sha256, district) SELECT sha256, '310101' FROM evidence "
    "WHERE substr(sha256, 1, 1) < '8' ON CONFLICT DO NOTHING",
    "ANALYZE evidence", "ANALYZE evidence_holders")


def test_the_evidence_a_district_holds_is_found_by_its_key(app, make_user):
    from server.evidence.service import evidence_facts, missing_evidence
    from server.extensions import db

    make_user("inspector", "310115")
    cited = [secrets.token_hex(32) for _ in range(3)]

    def ask() -> None:
        with app.app_context():
            assert evidence_facts(cited, "310115") == {}
            assert missing_evidence(cited, "310101") == sorted(cited)
            db.session.rollback()

    asked = statements(app, ask, selects_from("evidence"))
    assert asked
    for statement, parameters in asked:
        found = plan(app, statement, parameters, _YEARS_OF_UPLOADS)
        assert not scans(found, ("evidence", "evidence_holders")), (statement, found)
