"""What a case may decide: waiver and education, fines within the law, daily penalties."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tests.api.cases.conftest import MITIGATED, WAIVABLE
from tests.api.cases.walking import answer, walk_to_served


def test_a_waived_violation_ends_without_penalty_only_with_the_education_record(
        client, party, violation, file_case, step, frozen):
    frozen.on("2021-06-02")
    waived = violation(facts=WAIVABLE)
    assert waived["decision"]["zh"]["decision"] == "waived"
    case = answer(file_case(waived["id"]), 201)
    assert case["proposed_fen"] is None and case["would_be_fen"] > 0
    missing = step(case, "not_penalised", reason="首违不罚")
    assert missing.status_code == 422 and "education" in missing.get_json()["errors"]
    case = answer(step(case, "not_penalised", education={
        "on": "2021-06-02", "method": "约谈", "content": "讲解VOCs无组织排放管控要求",
        "educated_person": "王经理"}))
    assert case["state"] == "not_penalised"
    assert case["decision_number"] == "沪0115环不罚〔2021〕1号"
    assert case["steps"]["not_penalised"]["education"]["method"] == "约谈"
    case = answer(step(answer(step(case, "served", method="direct")), "closed"))
    assert case["next_due_on"] is None
    assert {d["name"]: d["status"] for d in case["deadlines"]} == {
        "filing": "met", "decision": "met", "service": "met"}


def test_a_violation_the_law_forbids_fining_can_be_neither_notified_nor_fined(
        party, violation, file_case, step, frozen):
    frozen.on("2021-06-02")
    waived = violation(facts=WAIVABLE)
    case = answer(step(answer(file_case(waived["id"]), 201), "investigating"))
    frozen.on("2021-06-07")
    notified = step(case, "notified", intended_fen=2_000_000)
    assert notified.status_code == 409 and "第33条" in notified.get_json()["detail"]
    assert "不予行政处罚" in notified.get_json()["detail"]


def test_a_complex_case_is_reviewed_before_the_decision_not_to_penalise(
        party, violation, file_case, step, frozen):
    frozen.on("2021-06-02")
    case = answer(file_case(violation(facts=WAIVABLE)["id"], complex=True), 201)
    education = {"on": "2021-06-02", "method": "约谈", "content": "讲解VOCs无组织排放管控要求"}
    unreviewed = step(case, "not_penalised", education=education)
    assert unreviewed.status_code == 409 and "法制审核" in unreviewed.get_json()["detail"]
    case = answer(step(answer(step(case, "investigating")), "legal_review"))
    silent = step(case, "not_penalised", education=education)
    assert silent.status_code == 422 and "review_opinion" in silent.get_json()["errors"]
    case = answer(step(case, "not_penalised", education=education, review_opinion="同意不予处罚"))
    assert case["steps"]["not_penalised"]["review_opinion"] == "同意不予处罚"


def test_a_fine_above_the_statutory_maximum_is_refused_and_below_the_minimum_needs_a_ground(
        client, party, violation, file_case, step, frozen):
    frozen.on("2021-06-03")
    case = answer(step(answer(file_case(violation()["id"]), 201), "investigating"))
    assert case["statutory_range_fen"] == [2_000_000, 20_000_000]  # AIR_VOC: 2-20万元
    case = answer(step(case, "legal_review"))
    frozen.on("2021-06-07")
    beyond = step(case, "notified", intended_fen=30_000_000, review_opinion="同意")
    assert beyond.status_code == 409 and "20000000" in beyond.get_json()["detail"]
    low = step(case, "notified", intended_fen=1_500_000, review_opinion="同意")
    assert low.status_code == 422 and "mitigation" in low.get_json()["errors"]
    case = answer(step(case, "notified", intended_fen=1_500_000, review_opinion="同意",
                          mitigation=MITIGATED))
    frozen.on("2021-06-16")
    case = answer(step(case, "decided", fine_fen=1_500_000))
    assert case["steps"]["decided"]["mitigation"] == MITIGATED
    for form in ("notice", "decision"):  # both state the ground (处罚法 第44条)
        pdf = client.get(f"/api/v1/cases/{case['id']}/documents/{form}?format=pdf",
                         headers=party["legal"])
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
        assert f"第三十二条，减轻处罚：{MITIGATED}" in text.replace("\n", ""), form


def test_a_fined_violation_cannot_take_the_waiver_path(party, violation, file_case, step,
                                                       frozen):
    frozen.on("2021-06-03")
    case = answer(file_case(violation()["id"]), 201)
    refused = step(case, "not_penalised", education={"on": "2021-06-03", "method": "约谈",
                                                     "content": "教育"})
    assert refused.status_code == 409 and "do not fine" in refused.get_json()["detail"]


def test_a_fined_case_with_a_waived_act_records_the_education_of_its_party(
        party, violation, file_case, step, frozen):
    # 处罚法 第33条第3款: a party not penalised for an act is still educated (a review's case)
    frozen.on("2021-06-02")
    waived, fined = violation(facts=WAIVABLE), violation("AIR_DUST")
    assert waived["decision"]["zh"]["decision"] == "waived"
    case = answer(step(answer(file_case(waived["id"], fined["id"]), 201), "investigating"))
    case = answer(step(case, "notified"))
    frozen.on("2021-06-10")
    refused = step(case, "decided", fine_fen=case["intended_fen"])
    assert refused.status_code == 422 and "education" in refused.get_json()["errors"]
    education = {"on": "2021-06-10", "method": "约谈", "content": "告知VOCs无组织排放的法律责任"}
    decided = answer(step(case, "decided", fine_fen=case["intended_fen"], education=education))
    assert decided["steps"]["decided"]["education"] == education | {"educated_person": None}


def test_no_fine_is_notified_or_decided_while_a_violation_waits_for_its_correction(
        client, party, violation, file_case, step, frozen):
    # 免罚清单: corrected in time, no penalty; the re-inspection's finding decides (a review's)
    frozen.on("2021-06-02")
    pending = violation("AIR_DUST", facts={"harmful_consequence": False})
    decision = pending["decision"]["zh"]
    assert decision["decision"] == "pending_correction"
    case = answer(step(answer(file_case(pending["id"]), 201), "investigating"))
    refused = step(case, "notified", intended_fen=1_000_000)
    assert refused.status_code == 409 and decision["waiver"]["deadline"] in \
        refused.get_json()["detail"]
    frozen.on("2021-06-09")  # after the deadline the re-inspection found it not corrected
    current = answer(client.get(f"/api/v1/violations/{pending['id']}", headers=party["supervisor"]))
    answer(client.patch(f"/api/v1/violations/{pending['id']}", json={
           "version": current["version"], "facts": {"harmful_consequence": False,
                                                    "corrected_in_time": False}},
           headers=party["supervisor"]))
    case = answer(client.get(f"/api/v1/cases/{case['id']}", headers=party["legal"]))
    assert case["violations"][0]["outcome"] == "fine"
    assert answer(step(case, "notified"))["state"] == "notified"


def test_a_total_other_than_the_proposal_over_several_acts_names_each_acts_fine(
        party, violation, file_case, step, frozen):
    frozen.on("2021-06-03")
    exceed, voc = violation("AIR_EXCEED"), violation()
    case = answer(step(answer(file_case(exceed["id"], voc["id"]), 201), "investigating"))
    case = answer(step(answer(step(case, "legal_review")), "notified", review_opinion="同意"))
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
    noticed = {item["act"]: item["fine_fen"] for item in case["steps"]["notified"]["act_fines"]}
    heavier = [{"act": act[exceed["id"]], "fine_fen": noticed[act[exceed["id"]]] + 1_000_000},
               {"act": act[voc["id"]], "fine_fen": noticed[act[voc["id"]]] - 2_000_000}]
    refused = step(case, "decided", fine_fen=total, rights_waived=True, act_fines=heavier)
    assert refused.status_code == 409 and "第44条" in refused.get_json()["detail"], \
        refused.get_json()  # a heavier fine for an act than its notice stated
    named = sorted([{"act": act[exceed["id"]], "fine_fen": noticed[act[exceed["id"]]]},
                    {"act": act[voc["id"]], "fine_fen": noticed[act[voc["id"]]] - 1_000_000}],
                   key=lambda a: a["act"])
    decided = answer(step(case, "decided", fine_fen=total, rights_waived=True, act_fines=named))
    assert decided["steps"]["decided"]["act_fines"] == named


def test_an_act_the_rules_only_may_fine_is_fined_when_named_else_its_party_is_educated(
        party, violation, file_case, step, frozen):
    frozen.on("2021-06-03")
    dust = violation("AIR_DUST")
    exceed = violation("AIR_EXCEED", facts={"harm_minor": True, "harmful_consequence": True,
                                            "corrected_in_time": True})
    assert exceed["decision"]["zh"]["decision"] == "may_waive"
    case = answer(step(answer(file_case(dust["id"], exceed["id"]), 201), "investigating"))
    act = {act["violation_ids"][0]: act["act"] for act in case["acts"]}
    case = answer(step(answer(step(case, "legal_review")), "notified", review_opinion="同意"))
    assert case["intended_fen"] == dust["decision"]["zh"]["penalty"]["amount_fen"]
    unheard = step(case, "decided", fine_fen=case["intended_fen"], rights_waived=True)
    assert unheard.status_code == 422 and "education" in unheard.get_json()["errors"]
    education = {"on": "2021-06-03", "method": "约谈", "content": "首违教育"}
    decided = answer(step(case, "decided", fine_fen=case["intended_fen"], rights_waived=True,
                          education=education))
    assert decided["steps"]["decided"]["act_fines"] == [
        {"act": act[dust["id"]], "fine_fen": case["intended_fen"]}]


def test_a_refused_correction_brings_a_daily_penalty_where_a_provision_allows_it(
        client, party, violation, file_case, step, frozen):
    frozen.on("2021-06-03")
    voc_case = walk_to_served(answer(file_case(violation()["id"]), 201), step, frozen)
    url = f"/api/v1/cases/{voc_case['id']}/daily-penalties"
    rounds = [{"order_served_on": "2021-06-10", "reinspected_on": "2021-06-20"}]
    frozen.on("2021-06-25")
    refused = client.post(url, json={"version": voc_case["version"], "rounds": rounds},
                          headers=party["legal"])
    assert refused.status_code == 409 and "provision" in refused.get_json()["detail"]

    frozen.on("2021-06-03")
    case = answer(file_case(violation("AIR_EXCEED")["id"]), 201)
    case = answer(step(case, "investigating"))
    case = answer(step(case, "legal_review"))
    case = answer(step(case, "notified", review_opinion="同意"))
    fine = case["intended_fen"]
    case = answer(step(case, "decided", fine_fen=fine, rights_waived=True))
    url = f"/api/v1/cases/{case['id']}/daily-penalties"
    early = client.post(url, json={"version": case["version"], "rounds": rounds},
                        headers=party["legal"])
    assert early.status_code == 422  # re-inspected after the day of the decision
    frozen.on("2021-06-25")
    case = answer(client.post(url, json={"version": case["version"], "rounds": rounds},
                              headers=party["legal"]))
    assert case["daily_penalty"]["total_days"] == 10
    assert case["daily_penalty_fen"] == 10 * fine
    again = client.post(url, json={"version": case["version"], "rounds": rounds},
                        headers=party["legal"])
    assert again.status_code == 409


def test_the_daily_penalty_is_the_fine_of_the_continuing_act_not_the_cases_total(
        client, party, violation, file_case, step, frozen):
    # 环保法 第59条, MEE Order 28: daily amount = the original fine (a review's case)
    frozen.on("2021-06-03")
    exceed, voc = violation("AIR_EXCEED"), violation()
    original = exceed["decision"]["zh"]["penalty"]["amount_fen"]
    case = answer(step(answer(file_case(exceed["id"], voc["id"]), 201), "investigating"))
    case = answer(step(answer(step(case, "legal_review")), "notified", review_opinion="同意"))
    decided = answer(step(case, "decided", fine_fen=case["intended_fen"], rights_waived=True))
    fines = {item["act"]: item["fine_fen"] for item in decided["steps"]["decided"]["act_fines"]}
    assert sorted(fines.values()) == sorted(
        [original, voc["decision"]["zh"]["penalty"]["amount_fen"]])
    frozen.on("2021-06-25")
    daily = answer(client.post(f"/api/v1/cases/{case['id']}/daily-penalties", json={
        "version": decided["version"],
        "rounds": [{"order_served_on": "2021-06-10", "reinspected_on": "2021-06-20"}]},
        headers=party["legal"]))
    assert daily["daily_penalty_fen"] == 10 * original
    assert daily["daily_penalty"]["original_fine_fen"] == original


def _listed(client, party, headers, **listing) -> dict:
    """Put the party on the positive list (正面清单) with the given validity."""
    enterprise = answer(client.get(f"/api/v1/enterprises/{party['enterprise']['id']}",
                                   headers=headers))
    return answer(client.patch(f"/api/v1/enterprises/{enterprise['id']}", headers=headers,
                               json={"version": enterprise["version"], "positive_list": True,
                                     **listing}))


def test_a_penalised_unit_leaves_the_positive_list_and_a_waived_one_stays(
        client, party, violation, file_case, step, frozen):
    boss = party["supervisor"]
    frozen.on("2021-06-02")
    _listed(client, party, boss, positive_list_from="2021-01-01",
            positive_list_until="2023-12-31")
    waived = answer(file_case(violation(facts=WAIVABLE)["id"]), 201)
    answer(step(waived, "not_penalised", education={"on": "2021-06-02", "method": "约谈",
                                                    "content": "教育"}))
    listed = answer(client.get("/api/v1/enterprises?positive_list=true", headers=boss))
    assert [e["id"] for e in listed["items"]] == [party["enterprise"]["id"]]

    frozen.on("2021-06-03")
    case = answer(file_case(violation()["id"]), 201)
    case = answer(step(case, "investigating"))
    case = answer(step(case, "notified", intended_fen=4_000_000))
    frozen.on("2021-06-16")
    answer(step(case, "decided", fine_fen=4_000_000, rights_waived=True))
    enterprise = answer(client.get(f"/api/v1/enterprises/{party['enterprise']['id']}",
                                   headers=boss))
    assert enterprise["positive_list"] is False
    assert answer(client.get("/api/v1/enterprises?positive_list=true", headers=boss))["items"] == []


def test_the_education_a_decision_records_is_given_by_the_decisions_day(
        violation, file_case, step, frozen):
    # 处罚法 第33条第3款: the 不予行政处罚决定书 states the education as given; one dated 2099
    # (or the day after the decision) was taken and printed in the decision served.
    frozen.on("2021-06-02")
    case = answer(file_case(violation(facts=WAIVABLE)["id"]), 201)
    for day in ("2099-01-01", "2021-06-03"):
        late = step(case, "not_penalised", on="2021-06-02", education={
            "on": day, "method": "约谈", "content": "讲解管控要求"})
        assert late.status_code == 422, late.get_json()
        assert "education" in late.get_json()["errors"]
    frozen.on("2021-06-03")
    decided = answer(step(case, "not_penalised", on="2021-06-02", education={
        "on": "2021-06-02", "method": "约谈", "content": "讲解管控要求"}))
    assert decided["state"] == "not_penalised"
