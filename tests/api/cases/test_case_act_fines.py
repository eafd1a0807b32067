"""Per-act fines (处罚法 第29条) with acts the rules only may fine: the decision, its document and
the daily penalty (a review's cases)."""

from __future__ import annotations

import io

from docx import Document

from tests.api.cases.conftest import MITIGATED

EDU = {"on": "2021-06-03", "method": "约谈", "content": "首违教育"}
MAY = {"harm_minor": True, "harmful_consequence": True, "corrected_in_time": True}


def _ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()


def _notified(violation, file_case, step, *ids):
    case = _ok(step(_ok(file_case(*ids), 201), "investigating"))
    return _ok(step(_ok(step(case, "legal_review")), "notified", review_opinion="同意"))


def test_naming_only_the_fined_act_beside_a_may_waive_act_is_not_a_500(
        party, violation, file_case, step, frozen):
    frozen.on("2021-06-03")
    dust = violation("AIR_DUST")
    spared = violation("AIR_EXCEED", facts=MAY)
    assert spared["decision"]["zh"]["decision"] == "may_waive"
    case = _notified(violation, file_case, step, dust["id"], spared["id"])
    act = {a["violation_ids"][0]: a["act"] for a in case["acts"]}
    response = step(case, "decided", fine_fen=case["intended_fen"], rights_waived=True,
                    education=EDU,
                    act_fines=[{"act": act[dust["id"]], "fine_fen": case["intended_fen"]}])
    assert response.status_code == 200, (response.status_code, response.get_json())


def test_a_per_act_mitigation_is_recorded_when_the_total_is_within_the_case_range(
        party, violation, file_case, step, frozen):
    # AIR_DUST 10,000-100,000 yuan, AIR_VOC 20,000-200,000 yuan (LAW.md §3)
    frozen.on("2021-06-03")
    dust, voc = violation("AIR_DUST"), violation()
    case = _ok(step(_ok(file_case(dust["id"], voc["id"]), 201), "investigating"))
    case = _ok(step(case, "legal_review"))
    act = {a["violation_ids"][0]: a["act"] for a in case["acts"]}
    total = case["proposed_fen"]
    named = [{"act": act[voc["id"]], "fine_fen": 1_000_000},  # 10,000 yuan: below VOC's minimum
             {"act": act[dust["id"]], "fine_fen": total - 1_000_000}]
    assert 3_000_000 <= total <= 30_000_000 and total - 1_000_000 <= 10_000_000
    told = {"review_opinion": "同意", "intended_fen": total, "act_fines": named}
    refused = step(case, "notified", **told)
    assert refused.status_code == 422 and "mitigation" in refused.get_json()["errors"]
    case = _ok(step(case, "notified", **told, mitigation=MITIGATED))
    assert case["steps"]["notified"]["mitigation"] == MITIGATED
    decided = _ok(step(case, "decided", fine_fen=total, rights_waived=True, act_fines=named))
    # the ground the notice stated is the ground the decision must state (第32条)
    assert decided["steps"]["decided"].get("mitigation") == MITIGATED, decided["steps"]["decided"]


def _decided_may_waive_only(client, party, violation, file_case, step, frozen):
    frozen.on("2021-06-03")
    spared = violation("AIR_EXCEED", facts=MAY)
    assert spared["decision"]["zh"]["decision"] == "may_waive"
    case = _ok(step(_ok(file_case(spared["id"]), 201), "investigating"))
    case = _ok(step(case, "legal_review"))
    case = _ok(step(case, "notified", review_opinion="同意", intended_fen=20_000_000))
    return spared, _ok(step(case, "decided", fine_fen=20_000_000, rights_waived=True))


def test_a_fined_may_waive_act_is_decided_on_its_own_penalty_article(
        client, party, violation, file_case, step, frozen):
    spared, case = _decided_may_waive_only(client, party, violation, file_case, step, frozen)
    assert case["steps"]["decided"]["act_fines"] == [{"act": 1, "fine_fen": 20_000_000}]
    doc = client.get(f"/api/v1/cases/{case['id']}/documents/decision?format=docx",
                     headers=party["legal"])
    assert doc.status_code == 200
    text = "".join(p.text for p in Document(io.BytesIO(doc.data)).paragraphs)
    assert "我局决定对你单位处以罚款" in text
    assert "依据《中华人民共和国大气污染防治法》第九十九条，我局决定对你单位处以罚款" in text, text


def test_the_daily_penalty_follows_a_fined_may_waive_continuing_act(
        client, party, violation, file_case, step, frozen):
    spared, case = _decided_may_waive_only(client, party, violation, file_case, step, frozen)
    frozen.on("2021-06-25")
    daily = client.post(f"/api/v1/cases/{case['id']}/daily-penalties", json={
        "version": case["version"],
        "rounds": [{"order_served_on": "2021-06-10", "reinspected_on": "2021-06-20"}]},
        headers=party["legal"])
    assert daily.status_code == 200, daily.get_json()
    assert daily.get_json()["daily_penalty_fen"] == 10 * 20_000_000


def test_no_fine_is_notified_while_the_rules_cannot_yet_decide_an_act(
        client, party, violation, file_case, step, frozen):
    frozen.on("2021-06-03")
    voc = violation()
    unknown = violation("AIR_DUST", facts={})  # facts not yet recorded on the tablet
    assert unknown["decision"]["zh"]["decision"] == "undetermined"
    case = _ok(step(_ok(step(_ok(file_case(voc["id"], unknown["id"]), 201), "investigating")),
                    "legal_review"))
    refused = step(case, "notified", review_opinion="同意")
    assert refused.status_code == 409 and "第33条" in refused.get_json()["detail"]


def test_a_may_waive_act_that_is_fined_keeps_its_statutory_minimum(
        client, party, violation, file_case, step, frozen):
    # AIR_EXCEED: 100,000-1,000,000 yuan (大气法 第99条); 第33条 lets the bureau not fine a
    # first offence, it does not lower the range of a fine it decides (that is 第32条)
    frozen.on("2021-06-03")
    spared = violation("AIR_EXCEED", facts=MAY)
    case = _ok(step(_ok(file_case(spared["id"]), 201), "investigating"))
    case = _ok(step(case, "legal_review"))
    notified = step(case, "notified", review_opinion="同意", intended_fen=100)  # 1 yuan
    assert notified.status_code == 422 and "mitigation" in notified.get_json()["errors"], \
        (notified.status_code, notified.get_json())
