"""The export's run: the background thread's progress, a failure, who may export, expiry."""

from __future__ import annotations

import time

from tests.api.cases.case_files import now, ok


def test_the_background_thread_builds_the_export_with_progress(
        app, client, party, exporting, case_with_photos):
    app.config["CASE_EXPORT_THREAD"] = True
    started = ok(client.post(f"/api/v1/cases/{case_with_photos['id']}/exports",
                             headers=party["legal"]), 202)
    url = started.headers["Location"]
    deadline = time.monotonic() + 60
    while True:
        body = ok(client.get(url, headers=party["legal"])).get_json()
        assert 0.0 <= body["progress"] <= 1.0
        if body["status"] in ("done", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert body["status"] == "done", body
    assert body["members"] >= 12 and len(body["manifest_sha256"]) == 64


def test_a_failed_export_leaves_no_file_behind_and_keeps_its_internals_in_the_log(
        app, client, party, exporting, case_with_photos, monkeypatch, caplog):
    from server.cases import contact_sheet, exports

    def broken(*_args, **_kwargs):
        raise OSError("thumbnail store unreachable")

    monkeypatch.setattr(contact_sheet, "build", broken)
    started = ok(client.post(f"/api/v1/cases/{case_with_photos['id']}/exports",
                             headers=party["legal"]), 202).get_json()
    with app.app_context():
        assert exports.run_pending_exports(now())["failed"] == 1
    body = ok(client.get(f"/api/v1/exports/{started['id']}", headers=party["legal"])).get_json()
    assert body["status"] == "failed" and "unreachable" not in body["error"]
    error_id = body["error"].rsplit(" ", 1)[-1].rstrip(".")
    assert body["error"].startswith("The export could not be built")
    logged = [r for r in caplog.records if error_id in r.getMessage()]
    assert logged and "unreachable" in str(logged[0].exc_info[1])
    assert list(exporting.iterdir()) == []
    assert client.get(f"/api/v1/exports/{started['id']}/download",
                      headers=party["legal"]).status_code == 409


def test_an_export_queued_by_a_user_disabled_since_is_not_built(
        app, client, party, make_user, exporting, case_with_photos):
    from server.auth import service as auth
    from server.cases import exports

    user, password = make_user("legal", "310115")
    token = client.post("/api/v1/auth/token", json={
        "username": user.username, "password": password, "device_id": "desk-1"}).get_json()
    started = ok(client.post(f"/api/v1/cases/{case_with_photos['id']}/exports",
                             headers={"Authorization": f"Bearer {token['access_token']}"}),
                 202).get_json()
    with app.app_context():
        auth.disable_user(user.username)
        assert exports.run_pending_exports(now())["failed"] == 1
    body = ok(client.get(f"/api/v1/exports/{started['id']}", headers=party["legal"])).get_json()
    assert body["status"] == "failed" and "disabled" in body["error"]
    assert not exporting.exists() or list(exporting.iterdir()) == []


def test_admins_and_inspectors_cannot_export(client, party, login, exporting, case_with_photos):
    url = f"/api/v1/cases/{case_with_photos['id']}/exports"
    assert client.post(url, headers=login("admin")).status_code == 403
    assert client.post(url, headers=login("legal", "310101")).status_code == 404


def test_a_finished_export_expires_its_file_is_deleted_and_the_download_answers_410(
        app, client, party, case_with_photos, exporting, frozen):
    from server import clock
    from server.audit.models import AuditEntry
    from server.cases import exports
    from server.extensions import db
    from server.jobs import JOBS_BY_ID

    app.config["CASE_EXPORT_TTL_HOURS"] = 48
    frozen.on("2021-06-03", hour=10)
    started = ok(client.post(f"/api/v1/cases/{case_with_photos['id']}/exports",
                             headers=party["legal"]), 202).get_json()
    with app.app_context():
        exports.run_pending_exports(clock.utcnow())
    done = ok(client.get(f"/api/v1/exports/{started['id']}", headers=party["legal"])).get_json()
    assert done["expires_at"].startswith("2021-06-05T02:00")
    [kept] = list(exporting.glob("*.zip"))

    frozen.on("2021-06-05", hour=9)  # an hour before expiry: the job leaves it, download works
    with app.app_context():
        assert exports.expire_exports(clock.utcnow()) == {"expired": 0, "files_deleted": 0}
    assert client.get(done["download_url"], headers=party["legal"]).status_code == 200

    frozen.on("2021-06-05", hour=11)  # past expiry, job not yet run: already 410
    late = client.get(done["download_url"], headers=party["legal"])
    assert late.status_code == 410
    assert late.headers["Content-Type"].startswith("application/problem+json")
    assert late.get_json()["type"].endswith("/gone") and "expired" in late.get_json()["detail"]

    spec = JOBS_BY_ID["cases.expire_exports"]
    assert spec.target == "server.cases.exports.expire_exports"
    with app.app_context():
        assert exports.expire_exports(clock.utcnow()) == {"expired": 1, "files_deleted": 1}
        assert exports.expire_exports(clock.utcnow()) == {"expired": 0, "files_deleted": 0}
        actions = [e.action for e in db.session.query(AuditEntry).filter_by(
            entity="case", entity_id=case_with_photos["id"])]
    assert "case.export_expired" in actions
    assert not kept.exists() and list(exporting.glob("*.zip")) == []
    gone = ok(client.get(f"/api/v1/exports/{started['id']}", headers=party["legal"])).get_json()
    assert (gone["status"], gone["download_url"]) == ("expired", None)
    again = client.get(done["download_url"], headers=party["legal"])
    assert again.status_code == 410 and again.get_json()["status"] == 410
