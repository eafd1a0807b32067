"""Scheduled-job functions: purging expired uploads, re-hashing originals, late thumbnails."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from server.clock import utcnow

from .conftest import sha256

DATA = bytes(range(256)) * 100


def test_purge_removes_expired_uploads_and_their_bytes_only(tus, app, photo):
    old = tus.create(len(DATA), sha256(DATA)).headers["Location"]
    tus.patch(old, 0, DATA[:1000])
    done = photo("Canon_40D.jpg")
    finished = tus.create(len(done), sha256(done)).headers["Location"]
    tus.patch(finished, 0, done)
    from server.evidence import settings, uploads

    with app.app_context():
        assert uploads.purge_expired_uploads(utcnow()).uploads == 0
        assert tus.head(old).headers["Upload-Offset"] == "1000"
        report = uploads.purge_expired_uploads(utcnow() + timedelta(hours=73))
        assert report.uploads == 2
        assert list(settings.current_store().staged()) == []
    assert tus.head(old).status_code == 404
    assert tus.head(finished).status_code == 404
    evidence = tus.client.get(f"/api/v1/evidence/{sha256(done)}", headers=tus.headers)
    assert evidence.status_code == 200  # evidence outlives its upload


def test_purge_sweeps_staged_bytes_that_no_upload_owns(app):
    from server.evidence import settings, uploads

    with app.app_context():
        store = settings.current_store()
        orphan = uuid.uuid4().hex
        writer = store.new_part(orphan)
        writer.write(b"left by a crash")
        writer.finish()
        assert uploads.purge_expired_uploads(utcnow()).orphaned_staging == 0
        report = uploads.purge_expired_uploads(utcnow() + timedelta(hours=73))
        assert report.orphaned_staging == 1
        assert orphan not in dict(store.staged())


def test_integrity_check_finds_changed_and_missing_originals(tus, app, photo, store_url):
    kept, changed, lost = (photo(n) for n in ("DSCN0010.jpg", "DSCN0025.jpg", "DSCN0042.jpg"))
    for data in (kept, changed, lost):
        assert tus.upload(data).status_code == 204
    from server.audit.models import AuditEntry
    from server.evidence import integrity, settings
    from server.extensions import db

    with app.app_context():
        assert integrity.verify_evidence_integrity().ok
        store = settings.current_store()
        if store_url.startswith("s3://"):
            store.client.put_object(Bucket=store.bucket, Key=store._key(sha256(changed)),
                                    Body=b"edited")
            store.client.delete_object(Bucket=store.bucket, Key=store._key(sha256(lost)))
        else:
            path = store._path(sha256(changed))
            path.chmod(0o644)
            path.write_bytes(changed[:-1] + b"\x00")
            store._path(sha256(lost)).unlink()
        report = integrity.verify_evidence_integrity()
        assert report.checked == 3 and not report.ok
        assert report.mismatched == [sha256(changed)] and report.missing == [sha256(lost)]
        lost_view = tus.client.get(f"/api/v1/evidence/{sha256(lost)}/original",
                                   headers=tus.headers)
        assert lost_view.status_code == 503
        assert lost_view.content_type == "application/problem+json"
        entries = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "evidence.verify_integrity").order_by(AuditEntry.seq)).all()
        assert [e.details["mismatched"] for e in entries] == [[], [sha256(changed)]]


def test_pending_thumbnails_are_made_by_the_catch_up_job(tus, app, photo):
    data = photo("DSCN0010.jpg")
    tus.upload(data)
    from server.evidence import derived, settings
    from server.evidence.models import PENDING, READY, Evidence
    from server.extensions import db

    with app.app_context():
        evidence = db.session.get(Evidence, sha256(data))
        evidence.derivation = PENDING  # as if the worker stopped right after the upload
        db.session.commit()
        assert derived.derive_pending() == 1
        assert db.session.get(Evidence, sha256(data)).derivation == READY
        assert settings.current_store().open_derived(sha256(data), "thumbnail") is not None
        assert derived.derive_pending() == 0


def test_another_districts_staff_read_how_many_originals_failed_the_check_never_which(
        tus, app, client, login, photo, store_url):
    from server import jobs
    from server.evidence import settings

    changed = photo("DSCN0025.jpg")
    assert tus.upload(changed).status_code == 204  # an inspector of 310115
    with app.app_context():
        store = settings.current_store()
        if store_url.startswith("s3://"):
            store.client.put_object(Bucket=store.bucket, Key=store._key(sha256(changed)),
                                    Body=b"edited")
        else:
            path = store._path(sha256(changed))
            path.chmod(0o644)
            path.write_bytes(changed[:-1] + b"\x00")
        assert jobs.run_job(jobs.JOBS_BY_ID["evidence.integrity_audit"], "test").outcome \
            == "alert"
    for role in ("supervisor", "admin"):
        response = client.get("/api/v1/jobs", headers=login(role, "310101"))
        assert response.status_code == 200
        assert sha256(changed) not in response.get_data(as_text=True), role
        run = next(j for j in response.get_json()["jobs"]
                   if j["id"] == "evidence.integrity_audit")["last_run"]
        assert (run["outcome"], run["counts"]["mismatched"], run["counts"]["missing"]) == (
            "alert", 1, 0)
    city = client.get("/api/v1/jobs", headers=login("supervisor", "310000")).get_json()
    run = next(j for j in city["jobs"] if j["id"] == "evidence.integrity_audit")["last_run"]
    assert run["counts"]["mismatched"] == [sha256(changed)]


def test_a_failed_runs_error_is_shown_to_city_wide_staff_only(app, client, login, monkeypatch):
    from server import jobs
    from server.cases import exports

    def explode(now):
        raise RuntimeError("case 沪0101环立〔2026〕7号 of 310101: disk on fire")

    monkeypatch.setattr(exports, "expire_exports", explode)
    with app.app_context():
        assert jobs.run_job(jobs.JOBS_BY_ID["cases.expire_exports"], "test").outcome == "failed"
    district = client.get("/api/v1/jobs", headers=login("supervisor", "310115"))
    assert "disk on fire" not in district.get_data(as_text=True)
    run = district.get_json()["runs"][0]
    assert run["outcome"] == "failed" and run["error"]
    city = client.get("/api/v1/jobs", headers=login("admin", "310000")).get_json()
    assert "disk on fire" in city["runs"][0]["error"]
