"""Archived-case helpers: the export job run and fetched, changes after archiving, audits."""

from __future__ import annotations

from tests.api.cases.case_files import late_photo, now, ok
from tests.api.cases.conftest import upload_file


def run_jobs(app) -> dict[str, int]:
    from server.cases import exports

    with app.app_context():
        return exports.run_pending_exports(now())


def export_and_fetch(app, client, party, case) -> tuple[dict, bytes]:
    """Request an export, let the job build it; the export as the API shows it, and the ZIP."""
    started = ok(client.post(f"/api/v1/cases/{case['id']}/exports", headers=party["legal"]),
                 202).get_json()
    run_jobs(app)
    done = ok(client.get(f"/api/v1/exports/{started['id']}", headers=party["legal"])).get_json()
    assert done["status"] == "done", done
    return done, ok(client.get(done["download_url"], headers=party["legal"])).data


def change_everything_the_file_draws_on(app, client, party, case, monkeypatch) -> None:
    """What can change after archiving: the party's register entry, a cited photo arriving
    late, the maker's name, and what the documents are set from (the bureau's name)."""
    from server.auth.models import User
    from server.cases import documents
    from server.extensions import db

    url = f"/api/v1/enterprises/{party['enterprise']['id']}"
    version = ok(client.get(url, headers=party["supervisor"])).get_json()["version"]
    ok(client.patch(url, json={"version": version, "name": "上海改名后化工有限公司",
                               "address": "上海市新址路9号"}, headers=party["supervisor"]))
    assert upload_file(client, party["supervisor"], late_photo())[0] == case["late"]
    with app.app_context():
        maker = db.session.scalar(db.select(User).where(User.role == "supervisor"))
        maker.display_name = "改名后的上传人"
        db.session.commit()
    monkeypatch.setattr(documents, "authority_name", lambda _district: "上海市改组后的环境局")


def audits(app, case_id: str, action: str) -> list[dict]:
    from server.audit.models import AuditEntry
    from server.extensions import db

    with app.app_context():
        return [e.details for e in db.session.query(AuditEntry).filter_by(
            entity="case", entity_id=case_id, action=action).order_by(AuditEntry.seq)]
