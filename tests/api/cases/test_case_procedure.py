"""The penalty procedure walked end to end on a frozen clock: fines, waiver, hearing, payment."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tests.api.cases.conftest import MITIGATED, WAIVABLE


def _ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()


def test_a_fined_case_runs_from_filing_to_archive_and_then_is_immutable(
        client, party, violation, file_case, step, frozen):
    frozen.on("2021-06-03")
    case = _ok(file_case(violation()["id"]), 201)
    assert case["filing_number"] == "沪0115环立〔2021〕1号"
    assert case["proposed_fen"] == 4_000_000 and case["state"] == "filed"
    frozen.on("2021-06-04")
    case = _ok(step(case, "investigating"))
    frozen.on("2021-06-07")
    case = _ok(step(case, "notified"))
    assert case["intended_fen"] == 4_000_000
    reply = next(d for d in case["deadlines"] if d["name"] == "notice_reply")
    assert reply["due"] == "2021-06-15"  # 5 working days; 14 June 2021 is the Dragon Boat holiday
    frozen.on("2021-06-15")
    early = step(case, "decided", fine_fen=3_500_000)
    assert early.status_code == 409 and "notice period" in early.get_json()["detail"]
    frozen.on("2021-06-16")
    heavier = step(case, "decided", fine_fen=4_000_001, statements="当事人陈述已整改")
    assert heavier.status_code == 409 and "heavier" in heavier.get_json()["detail"]
    case = _ok(step(case, "decided", fine_fen=3_500_000, statements="当事人陈述已整改"))
    assert case["decision_number"] == "沪0115环罚〔2021〕1号"
    service = next(d for d in case["deadlines"] if d["name"] == "service")
    assert service["due"] == "2021-06-25" and service["status"] == "open"
    frozen.on("2021-06-18")
    case = _ok(step(case, "served", method="direct", recipient="王经理"))
    payment = next(d for d in case["deadlines"] if d["name"] == "payment")
    assert payment["due"] == "2021-07-05"  # 15 days end on Saturday 3 July: next working day
    assert case["payment"] == {"due": "2021-07-05", "late_days": 0, "surcharge_fen": 0,
                               "owed_fen": 3_500_000}
    frozen.on("2021-07-05")
    case = _ok(step(case, "paid", amount_fen=3_500_000))
    assert case["surcharge_fen"] == 0 and case["next_due_on"] is None
    case = _ok(step(case, "closed"))
    case = _ok(step(case, "archived"))
    assert case["allowed_transitions"] == []
    assert [e["to_state"] for e in case["history"]] == [
        "filed", "investigating", "notified", "decided", "served", "paid", "closed", "archived"]

    for attempt in (step(case, "closed"),
                    client.post(f"/api/v1/cases/{case['id']}/suspensions", json={
                        "version": case["version"], "kind": "testing", "start": "2021-06-05",
                        "end": "2021-06-06", "reason": "补检"}, headers=party["legal"])):
        assert attempt.status_code == 409
        assert "archived" in attempt.get_json()["detail"]


def test_every_step_is_in_the_audit_chain(client, party, violation, file_case, step, frozen,
                                          app):
    from server.audit.models import AuditEntry
    from server.extensions import db

    frozen.on("2021-06-03")
    case = _ok(file_case(violation()["id"]), 201)
    _ok(step(case, "investigating"))
    with app.app_context():
        actions = [e.action for e in db.session.query(AuditEntry).filter_by(
            entity="case", entity_id=case["id"]).order_by(AuditEntry.seq)]
    assert actions == ["case.file", "case.investigating"]


def test_a_waived_violation_ends_without_penalty_only_with_the_education_record(
        client, party, violation, file_case, step, frozen):
    frozen.on("2021-06-02")
    waived = violation(facts=WAIVABLE)
    assert waived["decision"]["zh"]["decision"] == "waived"
    case = _ok(file_case(waived["id"]), 201)
    assert case["proposed_fen"] is None and case["would_be_fen"] > 0
    missing = step(case, "not_penalised", reason="首违不罚")
    assert missing.status_code == 422 and "education" in missing.get_json()["errors"]
    case = _ok(step(case, "not_penalised", education={
        "on": "2021-06-02", "method": "约谈", "content": "讲解VOCs无组织排放管控要求",
        "educated_person": "王经理"}))
    assert case["state"] == "not_penalised"
    assert case["decision_number"] == "沪0115环不罚〔2021〕1号"
    assert case["steps"]["not_penalised"]["education"]["method"] == "约谈"
    case = _ok(step(case, "closed"))
    assert case["next_due_on"] is None
    assert {d["name"]: d["status"] for d in case["deadlines"]} == {"filing": "met",
                                                                   "decision": "met"}


def test_a_violation_the_law_forbids_fining_can_be_neither_notified_nor_fined(
        party, violation, file_case, step, frozen):
    frozen.on("2021-06-02")
    waived = violation(facts=WAIVABLE)
    case = _ok(step(_ok(file_case(waived["id"]), 201), "investigating"))
    frozen.on("2021-06-07")
    notified = step(case, "notified", intended_fen=2_000_000)
    assert notified.status_code == 409 and "第33条" in notified.get_json()["detail"]
    assert "不予行政处罚" in notified.get_json()["detail"]


def test_a_complex_case_is_reviewed_before_the_decision_not_to_penalise(
        party, violation, file_case, step, frozen):
    frozen.on("2021-06-02")
    case = _ok(file_case(violation(facts=WAIVABLE)["id"], complex=True), 201)
    education = {"on": "2021-06-02", "method": "约谈", "content": "讲解VOCs无组织排放管控要求"}
    unreviewed = step(case, "not_penalised", education=education)
    assert unreviewed.status_code == 409 and "法制审核" in unreviewed.get_json()["detail"]
    case = _ok(step(_ok(step(case, "investigating")), "legal_review"))
    silent = step(case, "not_penalised", education=education)
    assert silent.status_code == 422 and "review_opinion" in silent.get_json()["errors"]
    case = _ok(step(case, "not_penalised", education=education, review_opinion="同意不予处罚"))
    assert case["steps"]["not_penalised"]["review_opinion"] == "同意不予处罚"


def test_a_fine_above_the_statutory_maximum_is_refused_and_below_the_minimum_needs_a_ground(
        client, party, violation, file_case, step, frozen):
    frozen.on("2021-06-03")
    case = _ok(step(_ok(file_case(violation()["id"]), 201), "investigating"))
    assert case["statutory_range_fen"] == [2_000_000, 20_000_000]  # AIR_VOC: 2-20万元
    case = _ok(step(case, "legal_review"))
    frozen.on("2021-06-07")
    beyond = step(case, "notified", intended_fen=30_000_000, review_opinion="同意")
    assert beyond.status_code == 409 and "20000000" in beyond.get_json()["detail"]
    low = step(case, "notified", intended_fen=1_500_000, review_opinion="同意")
    assert low.status_code == 422 and "mitigation" in low.get_json()["errors"]
    case = _ok(step(case, "notified", intended_fen=1_500_000, review_opinion="同意",
                    mitigation=MITIGATED))
    frozen.on("2021-06-16")
    case = _ok(step(case, "decided", fine_fen=1_500_000))
    assert case["steps"]["decided"]["mitigation"] == MITIGATED
    for form in ("notice", "decision"):  # both state the ground (处罚法 第44条)
        pdf = client.get(f"/api/v1/cases/{case['id']}/documents/{form}?format=pdf",
                         headers=party["legal"])
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
        assert f"第三十二条，减轻处罚：{MITIGATED}" in text.replace("\n", ""), form


def test_a_fined_violation_cannot_take_the_waiver_path(party, violation, file_case, step,
                                                       frozen):
    frozen.on("2021-06-03")
    case = _ok(file_case(violation()["id"]), 201)
    refused = step(case, "not_penalised", education={"on": "2021-06-03", "method": "约谈",
                                                     "content": "教育"})
    assert refused.status_code == 409 and "do not fine" in refused.get_json()["detail"]


def test_a_hearing_case_needs_legal_review_a_timely_request_and_an_independent_chair(
        party, violation, file_case, step, frozen):
    frozen.on("2021-06-03")
    case = _ok(file_case(violation()["id"]), 201)
    case = _ok(step(case, "investigating"))
    frozen.on("2021-06-07")
    large = 15_000_000  # 150,000 yuan: a hearing right, so a legal review first
    skipped = step(case, "notified", intended_fen=large)
    assert skipped.status_code == 409 and "法制审核" in skipped.get_json()["detail"]
    case = _ok(step(case, "legal_review"))
    case = _ok(step(case, "notified", intended_fen=large, review_opinion="事实清楚，同意"))
    assert case["hearing_eligible"] and case["legal_review_required"]
    assert case["hearing_threshold"] == {"min_fen": 10_000_000, "verified": False}
    officer = {"name": "检查员", "user_id": str(party["inspectors"][0].id)}
    chair = {"name": "李主持", "user_id": None}
    frozen.on("2021-06-16")
    late = step(case, "hearing", hearing_notice_on="2021-06-16", hearing_on="2021-06-25",
                chair=chair)
    assert late.status_code == 409 and "5 working days" in late.get_json()["detail"]
    frozen.on("2021-06-15")
    biased = step(case, "hearing", hearing_notice_on="2021-06-15", hearing_on="2021-06-25",
                  chair=officer)
    assert biased.status_code == 409 and "chair" in biased.get_json()["errors"]
    rushed = step(case, "hearing", hearing_notice_on="2021-06-15", hearing_on="2021-06-23",
                  chair=chair)  # 8 calendar days, but 6 working days (处罚法 第85条)
    assert rushed.status_code == 409 and "7 working days" in rushed.get_json()["detail"]
    assert "2021-06-24" in rushed.get_json()["detail"]
    case = _ok(step(case, "hearing", hearing_notice_on="2021-06-15", hearing_on="2021-06-25",
                    chair=chair))
    assert next(d for d in case["deadlines"] if d["name"] == "notice_reply")["status"] == "met"
    frozen.on("2021-06-24")
    early = step(case, "decided", fine_fen=large, hearing_record="听证笔录")
    assert early.status_code == 409
    frozen.on("2021-06-28")
    no_record = step(case, "decided", fine_fen=large)
    assert no_record.status_code == 422 and "hearing_record" in no_record.get_json()["errors"]
    case = _ok(step(case, "decided", fine_fen=12_000_000, hearing_record="当事人申辩部分采纳"))
    assert case["fine_fen"] == 12_000_000 and case["decision_number"].endswith("1号")


def _to_served(case, step, frozen):
    frozen.on("2021-06-04")
    case = _ok(step(case, "investigating"))
    case = _ok(step(case, "notified"))
    case = _ok(step(case, "decided", on="2021-06-04", fine_fen=1_000_000,
                         rights_waived=True, mitigation=MITIGATED))
    return _ok(step(case, "served", method="direct"))


def test_late_payment_adds_3_percent_a_day_capped_at_the_fine(
        client, party, violation, file_case, step, frozen):
    frozen.on("2021-06-03")
    case = _to_served(_ok(file_case(violation()["id"]), 201), step, frozen)
    assert case["payment"]["due"] == "2021-06-21"  # 19 June is a Saturday
    frozen.on("2021-07-01")  # 10 days late: 30 %
    owed = _ok(client.get(f"/api/v1/cases/{case['id']}", headers=party["legal"]))["payment"]
    assert owed == {"due": "2021-06-21", "late_days": 10, "surcharge_fen": 300_000,
                    "owed_fen": 1_300_000}
    frozen.on("2021-09-01")  # 72 days late: 216 %, capped at the fine
    short = step(case, "paid", amount_fen=1_300_000)
    assert short.status_code == 422 and "2000000" in short.get_json()["detail"]
    assert "第66条" in short.get_json()["detail"]  # instalments: refused, not guessed
    assert "第66条" not in step(case, "paid", amount_fen=2_000_001).get_json()["detail"]
    case = _ok(step(case, "paid", amount_fen=2_000_000))
    assert case["surcharge_fen"] == 1_000_000
    assert case["steps"]["paid"]["surcharge_capped"] is True


def test_enforcement_waits_for_the_end_of_the_payment_period(party, violation, file_case, step,
                                                             frozen):
    frozen.on("2021-06-03")
    case = _to_served(_ok(file_case(violation()["id"]), 201), step, frozen)
    frozen.on("2021-06-21")
    assert step(case, "enforced").status_code == 409
    frozen.on("2021-06-22")
    case = _ok(step(case, "enforced", measure="申请人民法院强制执行"))
    assert _ok(step(case, "closed"))["state"] == "closed"


def test_electronic_service_needs_consent_and_steps_cannot_be_backdated_or_future(
        party, violation, file_case, step, frozen):
    frozen.on("2021-06-03")
    case = _ok(file_case(violation()["id"]), 201)
    assert step(case, "investigating", on="2021-06-04").status_code == 422
    assert step(case, "investigating", on="2021-06-02").status_code == 422
    assert step(case, "paid").status_code == 409
    assert step(case, "nowhere").status_code == 422
    frozen.on("2021-06-04")
    case = _ok(step(case, "investigating"))
    case = _ok(step(case, "notified"))
    case = _ok(step(case, "decided", fine_fen=1_000_000, rights_waived=True,
                         mitigation=MITIGATED))
    refused = step(case, "served", method="electronic")
    assert refused.status_code == 409 and "consent" in refused.get_json()["errors"]
    assert _ok(step(case, "served", method="electronic", consent=True))["state"] == "served"


def test_a_stale_version_is_refused(party, violation, file_case, step, frozen):
    frozen.on("2021-06-03")
    case = _ok(file_case(violation()["id"]), 201)
    _ok(step(case, "investigating"))
    stale = step(case, "legal_review")
    assert stale.status_code == 409 and stale.get_json()["current_version"] == 2


def test_a_refused_correction_brings_a_daily_penalty_where_a_provision_allows_it(
        client, party, violation, file_case, step, frozen):
    frozen.on("2021-06-03")
    voc_case = _to_served(_ok(file_case(violation()["id"]), 201), step, frozen)
    url = f"/api/v1/cases/{voc_case['id']}/daily-penalties"
    rounds = [{"order_served_on": "2021-06-10", "reinspected_on": "2021-06-20"}]
    frozen.on("2021-06-25")
    refused = client.post(url, json={"version": voc_case["version"], "rounds": rounds},
                          headers=party["legal"])
    assert refused.status_code == 409 and "provision" in refused.get_json()["detail"]

    frozen.on("2021-06-03")
    case = _ok(file_case(violation("AIR_EXCEED")["id"]), 201)
    case = _ok(step(case, "investigating"))
    case = _ok(step(case, "legal_review"))
    case = _ok(step(case, "notified", review_opinion="同意"))
    fine = case["intended_fen"]
    case = _ok(step(case, "decided", fine_fen=fine, rights_waived=True))
    url = f"/api/v1/cases/{case['id']}/daily-penalties"
    early = client.post(url, json={"version": case["version"], "rounds": rounds},
                        headers=party["legal"])
    assert early.status_code == 422  # re-inspected after the day of the decision
    frozen.on("2021-06-25")
    case = _ok(client.post(url, json={"version": case["version"], "rounds": rounds},
                           headers=party["legal"]))
    assert case["daily_penalty"]["total_days"] == 10
    assert case["daily_penalty_fen"] == 10 * fine
    again = client.post(url, json={"version": case["version"], "rounds": rounds},
                        headers=party["legal"])
    assert again.status_code == 409


def test_a_fined_case_with_a_waived_act_records_the_education_of_its_party(
        party, violation, file_case, step, frozen):
    # 处罚法 第33条第3款: a party not penalised for an act is still educated (a review's case)
    frozen.on("2021-06-02")
    waived, fined = violation(facts=WAIVABLE), violation("AIR_DUST")
    assert waived["decision"]["zh"]["decision"] == "waived"
    case = _ok(step(_ok(file_case(waived["id"], fined["id"]), 201), "investigating"))
    case = _ok(step(case, "notified"))
    frozen.on("2021-06-10")
    refused = step(case, "decided", fine_fen=case["intended_fen"])
    assert refused.status_code == 422 and "education" in refused.get_json()["errors"]
    education = {"on": "2021-06-10", "method": "约谈", "content": "告知VOCs无组织排放的法律责任"}
    decided = _ok(step(case, "decided", fine_fen=case["intended_fen"], education=education))
    assert decided["steps"]["decided"]["education"] == education | {"educated_person": None}


def test_no_fine_is_notified_or_decided_while_a_violation_waits_for_its_correction(
        client, party, violation, file_case, step, frozen):
    # 免罚清单: corrected in time, no penalty; the re-inspection's finding decides (a review's)
    frozen.on("2021-06-02")
    pending = violation("AIR_DUST", facts={"harmful_consequence": False})
    decision = pending["decision"]["zh"]
    assert decision["decision"] == "pending_correction"
    case = _ok(step(_ok(file_case(pending["id"]), 201), "investigating"))
    refused = step(case, "notified", intended_fen=1_000_000)
    assert refused.status_code == 409 and decision["waiver"]["deadline"] in \
        refused.get_json()["detail"]
    frozen.on("2021-06-09")  # after the deadline the re-inspection found it not corrected
    current = _ok(client.get(f"/api/v1/violations/{pending['id']}", headers=party["supervisor"]))
    _ok(client.patch(f"/api/v1/violations/{pending['id']}", json={
        "version": current["version"], "facts": {"harmful_consequence": False,
                                                 "corrected_in_time": False}},
        headers=party["supervisor"]))
    case = _ok(client.get(f"/api/v1/cases/{case['id']}", headers=party["legal"]))
    assert case["violations"][0]["outcome"] == "fine"
    assert _ok(step(case, "notified"))["state"] == "notified"


def test_the_daily_penalty_is_the_fine_of_the_continuing_act_not_the_cases_total(
        client, party, violation, file_case, step, frozen):
    # 环保法 第59条, MEE Order 28: daily amount = the original fine (a review's case)
    frozen.on("2021-06-03")
    exceed, voc = violation("AIR_EXCEED"), violation()
    original = exceed["decision"]["zh"]["penalty"]["amount_fen"]
    case = _ok(step(_ok(file_case(exceed["id"], voc["id"]), 201), "investigating"))
    case = _ok(step(_ok(step(case, "legal_review")), "notified", review_opinion="同意"))
    decided = _ok(step(case, "decided", fine_fen=case["intended_fen"], rights_waived=True))
    fines = {item["act"]: item["fine_fen"] for item in decided["steps"]["decided"]["act_fines"]}
    assert sorted(fines.values()) == sorted(
        [original, voc["decision"]["zh"]["penalty"]["amount_fen"]])
    frozen.on("2021-06-25")
    daily = _ok(client.post(f"/api/v1/cases/{case['id']}/daily-penalties", json={
        "version": decided["version"],
        "rounds": [{"order_served_on": "2021-06-10", "reinspected_on": "2021-06-20"}]},
        headers=party["legal"]))
    assert daily["daily_penalty_fen"] == 10 * original
    assert daily["daily_penalty"]["original_fine_fen"] == original


def test_a_total_other_than_the_proposal_over_several_acts_names_each_acts_fine(
        party, violation, file_case, step, frozen):
    frozen.on("2021-06-03")
    exceed, voc = violation("AIR_EXCEED"), violation()
    case = _ok(step(_ok(file_case(exceed["id"], voc["id"]), 201), "investigating"))
    case = _ok(step(_ok(step(case, "legal_review")), "notified", review_opinion="同意"))
    act = {act["violation_ids"][0]: act["act"] for act in case["acts"]}
    total = case["intended_fen"] - 1_000_000
    unnamed = step(case, "decided", fine_fen=total, rights_waived=True)
    assert unnamed.status_code == 422 and "act_fines" in unnamed.get_json()["errors"]
    unequal = step(case, "decided", fine_fen=total, rights_waived=True, act_fines=[
        {"act": act[exceed["id"]], "fine_fen": total}, {"act": act[voc["id"]], "fine_fen": 1}])
    assert unequal.status_code == 422 and "act_fines" in unequal.get_json()["errors"]
    above = step(case, "decided", fine_fen=total, rights_waived=True, mitigation=MITIGATED,
                 act_fines=[{"act": act[exceed["id"]], "fine_fen": total - 20_000_001},
                            {"act": act[voc["id"]], "fine_fen": 20_000_001}])  # 大气法 第108条
    assert above.status_code == 409 and "act_fines" in above.get_json()["errors"]
    below = step(case, "decided", fine_fen=total, rights_waived=True, act_fines=[
        {"act": act[exceed["id"]], "fine_fen": 9_999_999},
        {"act": act[voc["id"]], "fine_fen": total - 9_999_999}])
    assert below.status_code == 422 and "mitigation" in below.get_json()["errors"]
    named = sorted([{"act": act[exceed["id"]], "fine_fen": total - 2_000_000},
                    {"act": act[voc["id"]], "fine_fen": 2_000_000}], key=lambda a: a["act"])
    decided = _ok(step(case, "decided", fine_fen=total, rights_waived=True, act_fines=named))
    assert decided["steps"]["decided"]["act_fines"] == named


def test_an_act_the_rules_only_may_fine_is_fined_when_named_else_its_party_is_educated(
        party, violation, file_case, step, frozen):
    frozen.on("2021-06-03")
    dust = violation("AIR_DUST")
    exceed = violation("AIR_EXCEED", facts={"harm_minor": True, "harmful_consequence": True,
                                            "corrected_in_time": True})
    assert exceed["decision"]["zh"]["decision"] == "may_waive"
    case = _ok(step(_ok(file_case(dust["id"], exceed["id"]), 201), "investigating"))
    act = {act["violation_ids"][0]: act["act"] for act in case["acts"]}
    case = _ok(step(_ok(step(case, "legal_review")), "notified", review_opinion="同意"))
    assert case["intended_fen"] == dust["decision"]["zh"]["penalty"]["amount_fen"]
    unheard = step(case, "decided", fine_fen=case["intended_fen"], rights_waived=True)
    assert unheard.status_code == 422 and "education" in unheard.get_json()["errors"]
    education = {"on": "2021-06-03", "method": "约谈", "content": "首违教育"}
    decided = _ok(step(case, "decided", fine_fen=case["intended_fen"], rights_waived=True,
                       education=education))
    assert decided["steps"]["decided"]["act_fines"] == [
        {"act": act[dust["id"]], "fine_fen": case["intended_fen"]}]


def _listed(client, party, headers, **listing) -> dict:
    """Put the party on the positive list (正面清单) with the given validity."""
    enterprise = _ok(client.get(f"/api/v1/enterprises/{party['enterprise']['id']}",
                                headers=headers))
    return _ok(client.patch(f"/api/v1/enterprises/{enterprise['id']}", headers=headers,
                            json={"version": enterprise["version"], "positive_list": True,
                                  **listing}))


def test_a_penalised_unit_leaves_the_positive_list_and_a_waived_one_stays(
        client, party, violation, file_case, step, frozen):
    boss = party["supervisor"]
    frozen.on("2021-06-02")
    _listed(client, party, boss, positive_list_from="2021-01-01",
            positive_list_until="2023-12-31")
    waived = _ok(file_case(violation(facts=WAIVABLE)["id"]), 201)
    _ok(step(waived, "not_penalised", education={"on": "2021-06-02", "method": "约谈",
                                                 "content": "教育"}))
    listed = _ok(client.get("/api/v1/enterprises?positive_list=true", headers=boss))
    assert [e["id"] for e in listed["items"]] == [party["enterprise"]["id"]]

    frozen.on("2021-06-03")
    case = _ok(file_case(violation()["id"]), 201)
    case = _ok(step(case, "investigating"))
    case = _ok(step(case, "notified", intended_fen=4_000_000))
    frozen.on("2021-06-16")
    _ok(step(case, "decided", fine_fen=4_000_000, rights_waived=True))
    enterprise = _ok(client.get(f"/api/v1/enterprises/{party['enterprise']['id']}",
                                headers=boss))
    assert enterprise["positive_list"] is False
    assert _ok(client.get("/api/v1/enterprises?positive_list=true", headers=boss))["items"] == []
