"""Inspection records: two certified officers, drafts, submission, corrections with history."""

from __future__ import annotations

import uuid
from datetime import date

from server.extensions import db


def _post(client, field, body):
    return client.post("/api/v1/inspections", json=body, headers=field["headers"])


def test_an_inspector_opens_a_draft_with_a_snapshot_of_the_officers(client, field):
    response = _post(client, field, field["inspection"]())
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "draft" and body["version"] == 1 and body["district"] == "310115"
    assert [o["certificate_no"] for o in body["officers"]] == [
        u.certificate_no for u in field["inspectors"]]


def test_a_retried_create_returns_the_same_record_not_a_duplicate(client, field):
    body = field["inspection"]()
    first, again = _post(client, field, body), _post(client, field, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"]
    listed = client.get("/api/v1/inspections", headers=field["headers"]).get_json()
    assert listed["total"] == 1


def test_one_officer_is_not_enough(client, field):
    first = field["inspectors"][0]
    response = _post(client, field, field["inspection"](inspector_ids=[str(first.id)]))
    assert response.status_code == 422
    assert "inspector_ids" in response.get_json()["errors"]


def test_an_expired_certificate_is_refused(app, client, field):
    second = field["inspectors"][1]
    with app.app_context():
        from server.auth.models import User

        user = db.session.get(User, second.id)
        user.certificate_expires = date(2026, 5, 31)
        db.session.commit()
    response = _post(client, field, field["inspection"]())
    assert response.status_code == 422
    assert "not valid on 2026-06-01" in response.get_json()["errors"]["inspector_ids"][0]


def test_an_inspector_must_be_on_the_record_they_write(client, field, make_user):
    other, _ = make_user("inspector", "310115")
    third, _ = make_user("inspector", "310115")
    body = field["inspection"](inspector_ids=[str(other.id), str(third.id)])
    assert _post(client, field, body).status_code == 422


def test_an_end_before_the_start_is_refused(client, field):
    body = field["inspection"](ended_at="2026-06-01T00:00:00+00:00")
    assert _post(client, field, body).status_code == 422


def test_an_enterprise_of_another_district_is_not_found(client, field, login, enterprise_body):
    city = login("supervisor", "310000")
    huangpu = client.post("/api/v1/enterprises", json=enterprise_body("310101", serial=9),
                          headers=city).get_json()
    response = _post(client, field, field["inspection"](enterprise_id=huangpu["id"]))
    assert response.status_code == 404


def test_a_refusal_to_sign_needs_its_reason(client, field):
    body = field["inspection"](signatures=[{"signer": "王经理", "role": "party", "refused": True}])
    response = _post(client, field, body)
    assert response.status_code == 422
    assert "refusal_reason" in str(response.get_json()["errors"])


def test_submission_needs_the_end_time_and_the_signatures(client, field):
    created = _post(client, field, field["inspection"]()).get_json()
    response = client.post(f"/api/v1/inspections/{created['id']}/submit", json={"version": 1},
                           headers=field["headers"])
    assert response.status_code == 422
    assert {"ended_at", "signatures"} <= set(response.get_json()["errors"])


def test_a_submitted_record_is_corrected_with_a_reason_and_keeps_its_history(client, field):
    created = _post(client, field, field["signed"]()).get_json()
    url = f"/api/v1/inspections/{created['id']}"
    submitted = client.post(f"{url}/submit", json={"version": 1}, headers=field["headers"])
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "submitted"
    edit = client.patch(url, json={"version": 2, "findings": "改写"}, headers=field["headers"])
    assert edit.status_code == 422 and "correction_reason" in edit.get_json()["errors"]
    corrected = client.patch(url, json={"version": 2, "findings": "喷漆车间门窗敞开，已当场关闭",
                                        "correction_reason": "补记当场整改情况"},
                             headers=field["headers"])
    assert corrected.status_code == 200 and corrected.get_json()["version"] == 3
    history = client.get(f"{url}/revisions", headers=field["headers"]).get_json()
    assert len(history) == 1
    assert history[0]["content"]["findings"] == "喷漆车间门窗敞开作业"
    assert history[0]["reason"] == "补记当场整改情况" and history[0]["replaced_by_version"] == 3


def test_a_submitted_record_cannot_be_submitted_twice(client, field):
    created = _post(client, field, field["signed"]()).get_json()
    url = f"/api/v1/inspections/{created['id']}/submit"
    assert client.post(url, json={"version": 1}, headers=field["headers"]).status_code == 200
    assert client.post(url, json={"version": 2}, headers=field["headers"]).status_code == 409


def test_a_stale_version_is_a_conflict(client, field):
    created = _post(client, field, field["inspection"]()).get_json()
    url = f"/api/v1/inspections/{created['id']}"
    assert client.patch(url, json={"version": 1, "findings": "一"},
                        headers=field["headers"]).status_code == 200
    assert client.patch(url, json={"version": 1, "findings": "二"},
                        headers=field["headers"]).status_code == 409


def test_records_of_another_district_are_not_visible(client, field, login):
    created = _post(client, field, field["inspection"]()).get_json()
    other = login("inspector", "310101")
    assert client.get(f"/api/v1/inspections/{created['id']}", headers=other).status_code == 404
    assert client.get("/api/v1/inspections", headers=other).get_json()["total"] == 0


def test_a_legal_officer_may_read_but_not_open_records(client, field, login):
    legal = login("legal", "310115")
    assert client.post("/api/v1/inspections", json=field["inspection"](),
                       headers=legal).status_code == 403
    created = _post(client, field, field["inspection"]()).get_json()
    assert client.get(f"/api/v1/inspections/{created['id']}", headers=legal).status_code == 200


def test_an_unknown_record_is_404(client, field):
    assert client.get(f"/api/v1/inspections/{uuid.uuid4()}",
                      headers=field["headers"]).status_code == 404


def test_the_certificate_must_be_valid_on_the_inspection_day_not_today(app, client, field):
    second = field["inspectors"][1]
    with app.app_context():
        from server.auth.models import User

        db.session.get(User, second.id).certificate_expires = date(2026, 6, 1)
        db.session.commit()
    assert _post(client, field, field["inspection"]()).status_code == 201
    later = field["inspection"](started_at="2026-06-02T01:00:00+00:00")
    assert _post(client, field, later).status_code == 422


def _submit(client, field, created):
    return client.post(f"/api/v1/inspections/{created['id']}/submit",
                       json={"version": created["version"]}, headers=field["headers"])


def test_one_officer_signing_twice_is_not_two_officers_signing(client, field):
    body = field["signed"]()
    body["signatures"][1]["signer"] = body["signatures"][0]["signer"]
    created = _post(client, field, body).get_json()
    response = _submit(client, field, created)
    assert response.status_code == 422, response.get_json()
    assert "signatures" in response.get_json()["errors"]


def test_an_officer_signature_must_be_by_an_officer_on_the_record(client, field):
    body = field["signed"]()
    body["signatures"][1]["signer"] = "路人甲"
    response = _post(client, field, body)  # refused as it is written, not only at submission
    assert response.status_code == 422, response.get_json()
    problem = str(response.get_json()["errors"]["signatures"])
    assert "路人甲" in problem and field["inspectors"][1].display_name in problem


def test_a_correction_cannot_take_a_submitted_record_below_what_submission_needs(client, field):
    created = _post(client, field, field["signed"]()).get_json()
    submitted = _submit(client, field, created).get_json()
    url = f"/api/v1/inspections/{created['id']}"
    kept = submitted["signatures"][:1] + submitted["signatures"][2:]
    response = client.patch(url, json={"version": submitted["version"], "signatures": kept,
                                       "correction_reason": "删去签名"},
                            headers=field["headers"])
    assert response.status_code == 422, response.get_json()
    assert "signatures" in response.get_json()["errors"]
    response = client.patch(url, json={"version": submitted["version"], "ended_at": None,
                                       "correction_reason": "删去结束时间"},
                            headers=field["headers"])
    assert response.status_code == 422, response.get_json()


def test_a_record_submitted_under_older_rules_can_still_be_corrected_for_other_things(
        app, client, field):
    created = _post(client, field, field["signed"]()).get_json()
    submitted = _submit(client, field, created).get_json()
    with app.app_context():  # signed before signers had to be the record's officers
        from server.fieldwork.models import Inspection

        row = db.session.get(Inspection, uuid.UUID(created["id"]))
        row.signatures = [dict(s, signer="王某（旧记录）") if n == 1 else s
                          for n, s in enumerate(row.signatures)]
        db.session.commit()
    url = f"/api/v1/inspections/{created['id']}"
    fixed = client.patch(url, json={"version": submitted["version"], "findings": "更正错字",
                                    "correction_reason": "错字"}, headers=field["headers"])
    assert fixed.status_code == 200, fixed.get_json()
    worse = client.patch(url, json={"version": fixed.get_json()["version"],
                                    "ended_at": None, "correction_reason": "删去结束时间"},
                         headers=field["headers"])
    assert worse.status_code == 422, worse.get_json()
    assert list(worse.get_json()["errors"]) == ["ended_at"]


def test_a_record_made_on_a_task_is_made_at_that_tasks_enterprise(client, field,
                                                                   enterprise_body):
    other = client.post("/api/v1/enterprises", json=enterprise_body(serial=8),
                        headers=field["supervisor"]).get_json()
    elsewhere = client.post("/api/v1/tasks", headers=field["supervisor"], json={
        "kind": "complaint", "enterprise_id": other["id"], "due_in_working_days": 5,
        "inspectors": [str(u.id) for u in field["inspectors"]]}).get_json()
    created = _post(client, field, field["inspection"](task_id=elsewhere["id"]))
    assert created.status_code == 422, created.get_json()
    assert "task_id" in created.get_json()["errors"]
    here = _post(client, field, field["inspection"]()).get_json()
    moved = client.patch(f"/api/v1/inspections/{here['id']}", headers=field["headers"],
                         json={"version": here["version"], "task_id": elsewhere["id"]})
    assert moved.status_code == 422 and "task_id" in moved.get_json()["errors"]


def test_only_an_officer_on_the_record_adds_its_signatures_not_the_supervisor(client, field):
    # A supervisor, who directs and reviews the work, could write the officers' (and the
    # party's) signatures into a record (found by the security review by attack).
    created = _post(client, field, field["inspection"]()).get_json()
    url = f"/api/v1/inspections/{created['id']}"
    signatures = field["signed"]()["signatures"]
    refused = client.patch(url, json={"version": created["version"], "signatures": signatures},
                           headers=field["supervisor"])
    assert refused.status_code == 422, refused.get_json()
    assert "on site" in refused.get_json()["detail"]
    assert "signatures" in refused.get_json()["errors"]
    assert client.get(url, headers=field["headers"]).get_json()["signatures"] == []
    made = client.post("/api/v1/inspections", json=field["signed"](),
                       headers=field["supervisor"])
    assert made.status_code == 422, made.get_json()
    edited = client.patch(url, json={"version": created["version"], "findings": "复核意见"},
                          headers=field["supervisor"])
    assert edited.status_code == 200, edited.get_json()  # other edits stay the supervisor's
    signed = client.patch(url, json={"version": edited.get_json()["version"],
                                     "signatures": signatures}, headers=field["headers"])
    assert signed.status_code == 200, signed.get_json()
