"""Field records cited by a decided or archived case can no longer be edited through fieldwork."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from tests.api.cases.conftest import WAIVABLE, sign_in_as_inspector


def _ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()


def _decided(client, party, violation, file_case, step, frozen) -> tuple[dict, dict]:
    frozen.on("2021-06-03")
    cited = violation()
    case = _ok(file_case(cited["id"]), 201)
    case = _ok(step(case, "investigating"))
    case = _ok(step(case, "notified"))
    case = _ok(step(case, "decided", fine_fen=3_000_000, rights_waived=True))
    return case, cited


def _edit_violation(client, party, violation_id: str):
    current = client.get(f"/api/v1/violations/{violation_id}", headers=party["supervisor"])
    return client.patch(f"/api/v1/violations/{violation_id}", json={
        "version": current.get_json()["version"], "description": "改写后的事实",
        "evidence": []}, headers=party["supervisor"])


def _edit_inspection(client, party):
    url = f"/api/v1/inspections/{party['inspection_id']}"
    current = client.get(url, headers=party["supervisor"]).get_json()
    return client.patch(url, json={"version": current["version"], "findings": "改写"},
                        headers=party["supervisor"])


def test_cited_records_stay_editable_while_the_investigation_runs(
        client, party, violation, file_case, step, frozen):
    frozen.on("2021-06-03")
    cited = violation()
    case = _ok(file_case(cited["id"]), 201)
    _ok(step(case, "investigating"))
    assert _edit_violation(client, party, cited["id"]).status_code == 200
    assert _edit_inspection(client, party).status_code == 200


def test_a_decided_case_freezes_its_violation_and_inspection_with_a_legal_reason(
        client, party, violation, file_case, step, frozen):
    case, cited = _decided(client, party, violation, file_case, step, frozen)
    before = client.get(f"/api/v1/violations/{cited['id']}", headers=party["supervisor"])

    refused = _edit_violation(client, party, cited["id"])
    assert refused.status_code == 409
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    problem = refused.get_json()
    assert "第59条" in problem["detail"] and case["filing_number"] in problem["detail"]
    assert problem["cases"] == [{"id": case["id"], "filing_number": case["filing_number"],
                                 "state": "decided"}]
    after = client.get(f"/api/v1/violations/{cited['id']}", headers=party["supervisor"])
    assert after.get_json() == before.get_json()

    inspection = _edit_inspection(client, party)
    assert inspection.status_code == 409 and "第59条" in inspection.get_json()["detail"]
    submit = client.post(f"/api/v1/inspections/{party['inspection_id']}/submit",
                         json={"version": client.get(
                             f"/api/v1/inspections/{party['inspection_id']}",
                             headers=party["supervisor"]).get_json()["version"]},
                         headers=sign_in_as_inspector(client, party))
    assert submit.status_code == 409 and "第59条" in submit.get_json()["detail"]


def _archived(client, party, violation, file_case, step, frozen) -> tuple[dict, dict]:
    case, cited = _decided(client, party, violation, file_case, step, frozen)
    case = _ok(step(case, "served", method="direct"))
    frozen.on("2021-06-07")
    case = _ok(step(case, "paid", amount_fen=3_000_000))
    case = _ok(step(case, "closed"))
    return _ok(step(case, "archived")), cited


def test_an_archived_case_says_nothing_may_change(client, party, violation, file_case, step,
                                                  frozen):
    case, cited = _archived(client, party, violation, file_case, step, frozen)
    refused = _edit_violation(client, party, cited["id"])
    assert refused.status_code == 409 and "archived" in refused.get_json()["detail"]
    assert refused.get_json()["cases"][0]["state"] == "archived"


def test_every_write_to_what_an_archived_case_file_holds_is_refused_with_a_problem(
        client, party, violation, file_case, step, frozen):
    from tests.api.cases.test_case_records import _inquiry, _statement

    case, _ = _archived(client, party, violation, file_case, step, frozen)
    url, version = f"/api/v1/cases/{case['id']}", case["version"]
    writes = {
        "transitions": {"version": version, "to": "closed"},
        "extensions": {"version": version, "approval": "approval", "days": 30,
                       "reason": "补充调查"},
        "suspensions": {"version": version, "kind": "testing", "start": "2021-06-05",
                        "end": "2021-06-06", "reason": "补检"},
        "daily-penalties": {"version": version, "rounds": [
            {"order_served_on": "2021-06-04", "reinspected_on": "2021-06-06"}]},
        "inquiries": _inquiry(party, version),
        "statements": _statement(version)}
    for path, body in writes.items():
        who = party["supervisor"] if path == "extensions" else party["legal"]
        refused = client.post(f"{url}/{path}", json=body, headers=who)
        assert refused.status_code == 409, (path, refused.get_json())
        assert refused.headers["Content-Type"].startswith("application/problem+json")
        assert "archived" in refused.get_json()["detail"], path
    after = _ok(client.get(url, headers=party["legal"]))
    assert (after["version"], after["history"]) == (case["version"], case["history"])
    inspection = _edit_inspection(client, party)
    assert inspection.status_code == 409 and "is archived" in inspection.get_json()["detail"]


def test_a_tablet_pushing_changes_to_an_archived_cases_records_gets_each_one_refused(
        client, party, violation, file_case, step, frozen):
    case, cited = _archived(client, party, violation, file_case, step, frozen)
    tablet = sign_in_as_inspector(client, party)
    record_url = f"/api/v1/inspections/{party['inspection_id']}"
    violation_url = f"/api/v1/violations/{cited['id']}"
    record, fact = (_ok(client.get(url, headers=party["supervisor"]))
                    for url in (record_url, violation_url))
    on_record = {"inspection_id": party["inspection_id"]}

    def change(entity: str, op: str, key: str, fields: dict, base: int | None = None) -> dict:
        return {"mutation_id": str(uuid.uuid4()), "entity": entity, "op": op, "id": key,
                "base_version": base, "fields": fields}

    mutations = [
        change("violation", "update", cited["id"], {"description": "改写"}, fact["version"]),
        change("evidence_link", "create", str(uuid.uuid4()),
               {"violation_id": cited["id"], "sha256": "a" * 64}),
        change("signature", "create", str(uuid.uuid4()),
               on_record | {"signer": "补签人", "role": "witness", "refused": True,
                            "refusal_reason": "补录"}),
        change("checklist_answer", "create", str(uuid.uuid4()),
               on_record | {"item": "VOC-09", "answer": "no"}),
        change("inspection", "update", party["inspection_id"], {"findings": "改写"},
               record["version"]),
        change("inspection", "status", party["inspection_id"], {"status": "submitted"},
               record["version"]),
        change("inspection", "create", str(uuid.uuid4()), {
            "enterprise_id": party["enterprise"]["id"],
            "inspector_ids": [str(i.id) for i in party["inspectors"]],
            "started_at": "2021-06-07T01:30:00+00:00"})]
    pushed = client.post("/api/v1/sync/push", json={"device_id": "tablet-0",
                                                     "mutations": mutations}, headers=tablet)

    results = _ok(pushed)["results"]
    assert [r["status"] for r in results] == 6 * ["rejected"] + ["applied"]
    for result in results[:6]:
        problem = result["problem"]
        assert problem["status"] == 409, result
        assert f"case {case['filing_number']} is archived" in problem["detail"], result
    assert _ok(client.get(record_url, headers=party["supervisor"])) == record
    assert _ok(client.get(violation_url, headers=party["supervisor"])) == fact


def test_other_violations_of_the_party_remain_editable(client, party, violation, file_case,
                                                       step, frozen, make_user, login):
    _decided(client, party, violation, file_case, step, frozen)
    other_inspection = {"id": "6f1c8a54-0d49-4c51-9a36-1b6f7e9b0f11",
                        "enterprise_id": party["enterprise"]["id"],
                        "inspector_ids": [str(i.id) for i in party["inspectors"]],
                        "started_at": "2021-06-02T01:30:00+00:00"}
    _ok(client.post("/api/v1/inspections", json=other_inspection, headers=party["supervisor"]),
        201)
    free = violation(inspection_id=other_inspection["id"], code="AIR_DUST")
    assert _edit_violation(client, party, free["id"]).status_code == 200


def test_an_earlier_act_arriving_late_does_not_re_decide_a_decided_cases_violation(
        client, party, violation, file_case, step, frozen):
    _case, cited = _decided(client, party, violation, file_case, step, frozen)
    url = f"/api/v1/violations/{cited['id']}"
    before = client.get(f"{url}/decisions", headers=party["supervisor"]).get_json()
    violation(occurred_on="2021-01-15")  # an earlier act at the same enterprise arrives
    after = client.get(f"{url}/decisions", headers=party["supervisor"]).get_json()
    assert after == before
    assert client.get(url, headers=party["supervisor"]).get_json()["first_offence"] \
        == cited["first_offence"]
    unlocked = violation(code="AIR_DUST")  # in no case: re-decided as before
    violation(code="AIR_DUST", occurred_on="2021-01-16")
    assert len(client.get(f"/api/v1/violations/{unlocked['id']}/decisions",
                          headers=party["supervisor"]).get_json()) == 2


def test_a_violation_re_decided_during_the_investigation_moves_its_open_case(
        client, party, violation, file_case, step, frozen):
    frozen.on("2021-06-03")
    cited = violation()
    filed = _ok(file_case(cited["id"]), 201)
    assert (filed["violations"][0]["outcome"], filed["proposed_fen"]) == ("fine", 4_000_000)
    case = _ok(step(filed, "investigating"))
    current = _ok(client.get(f"/api/v1/violations/{cited['id']}", headers=party["supervisor"]))
    _ok(client.patch(f"/api/v1/violations/{cited['id']}", json={  # corrected at once, no harm
        "version": current["version"], "facts": WAIVABLE}, headers=party["supervisor"]))

    now = _ok(client.get(f"/api/v1/cases/{case['id']}", headers=party["legal"]))
    assert (now["violations"][0]["outcome"], now["proposed_fen"]) == ("waived", None)
    assert now["version"] == case["version"] + 1
    assert now["history"][-1]["event"] == "violation_redecided"
    [change] = now["history"][-1]["details"]["violations"]
    assert change["from"] == {"outcome": "fine", "amount_fen": 4_000_000}
    assert (change["violation_id"], change["to"]["outcome"]) == (cited["id"], "waived")
    assert step(case, "notified").status_code == 409  # read before the change: stale
    refused = step(now, "notified")  # no fine where the law forbids one (处罚法 第33条)
    assert refused.status_code == 409 and "第33条" in refused.get_json()["detail"]
    _ok(step(now, "not_penalised", education={"on": "2021-06-03", "method": "约谈",
                                              "content": "教育"}))


def test_a_case_link_changes_only_by_its_decision_and_only_until_the_case_is_decided(
        app, client, party, violation, file_case, step, frozen):
    from server.cases.models import ArchivedImmutable, CaseViolation
    from server.extensions import db

    case, cited = _decided(client, party, violation, file_case, step, frozen)
    frozen.on("2021-06-03")
    other = violation()
    open_case = _ok(file_case(other["id"]), 201)
    with app.app_context():
        for case_id, column, value in ((case["id"], "outcome", "waived"),
                                       (open_case["id"], "act", 2),
                                       (open_case["id"], "code", "AIR_DUST")):
            link = db.session.scalars(select(CaseViolation).where(
                CaseViolation.case_id == uuid.UUID(case_id))).one()
            setattr(link, column, value)
            with pytest.raises(ArchivedImmutable):
                db.session.flush()
            db.session.rollback()


def test_an_earlier_act_arriving_late_moves_every_violation_of_an_open_case_at_once(
        client, party, violation, file_case, step, frozen):
    frozen.on("2021-06-03")
    cited = [violation(code=code) for code in ("AIR_VOC", "AIR_DUST")]  # acts of 2021-06-01
    case = _ok(file_case(*(v["id"] for v in cited)), 201)
    violation(code="AIR_VOC", occurred_on="2021-05-20")  # re-decides both, in one flush
    now = _ok(client.get(f"/api/v1/cases/{case['id']}", headers=party["legal"]))
    events = [e for e in now["history"] if e["event"] == "violation_redecided"]
    assert len(events) == 1 and now["version"] == case["version"] + 1
    assert {c["violation_id"] for c in events[0]["details"]["violations"]} == {
        v["id"] for v in cited}


def test_a_notified_case_whose_violation_the_rules_now_waive_ends_without_a_penalty(
        client, party, violation, file_case, step, frozen):
    frozen.on("2021-06-03")
    cited = violation()
    case = _ok(file_case(cited["id"]), 201)
    case = _ok(step(_ok(step(case, "investigating")), "notified"))
    current = _ok(client.get(f"/api/v1/violations/{cited['id']}", headers=party["supervisor"]))
    _ok(client.patch(f"/api/v1/violations/{cited['id']}", json={  # the statement proved it
        "version": current["version"], "facts": WAIVABLE}, headers=party["supervisor"]))
    now = _ok(client.get(f"/api/v1/cases/{case['id']}", headers=party["legal"]))
    assert "not_penalised" in now["allowed_transitions"]
    refused = step(now, "decided", fine_fen=3_000_000, rights_waived=True)
    assert refused.status_code == 409 and "第33条" in refused.get_json()["detail"]
    ended = _ok(step(now, "not_penalised", education={"on": "2021-06-03", "method": "约谈",
                                                      "content": "教育"}))
    assert (ended["state"], ended["decision_number"] is not None) == ("not_penalised", True)


def test_a_tablet_push_is_refused_only_the_edits_of_records_a_decided_case_cites(
        client, party, violation, file_case, step, frozen):
    case, cited = _decided(client, party, violation, file_case, step, frozen)
    other = {"id": str(uuid.uuid4()), "enterprise_id": party["enterprise"]["id"],
             "inspector_ids": [str(i.id) for i in party["inspectors"]],
             "started_at": "2021-06-02T01:30:00+00:00"}
    assert client.post("/api/v1/inspections", json=other,
                       headers=party["supervisor"]).status_code == 201
    versions = {key: client.get(f"/api/v1/inspections/{key}", headers=party["supervisor"])
                .get_json()["version"] for key in (party["inspection_id"], other["id"])}

    def edit(entity: str, key: str, version: int, fields: dict) -> dict:
        return {"mutation_id": str(uuid.uuid4()), "entity": entity, "op": "update",
                "id": key, "base_version": version, "fields": fields}

    pushed = client.post("/api/v1/sync/push", headers=sign_in_as_inspector(client, party),
                         json={"device_id": "tablet-0", "mutations": [
                             edit("inspection", other["id"], versions[other["id"]],
                                  {"findings": "另一次检查"}),
                             edit("inspection", party["inspection_id"],
                                  versions[party["inspection_id"]], {"findings": "改写"}),
                             edit("violation", cited["id"], cited["version"],
                                  {"description": "改写后的事实"})]})
    assert pushed.status_code == 200, pushed.get_json()
    results = pushed.get_json()["results"]
    assert [r["status"] for r in results] == ["applied", "rejected", "rejected"]
    for refused in results[1:]:
        assert refused["problem"]["status"] == 409
        assert case["filing_number"] in refused["problem"]["detail"]
    after = client.get(f"/api/v1/inspections/{party['inspection_id']}",
                       headers=party["supervisor"]).get_json()
    assert after["version"] == versions[party["inspection_id"]] and after["findings"] != "改写"
