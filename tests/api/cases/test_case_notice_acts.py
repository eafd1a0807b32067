"""The notice names the intended fine of each act and the acts it will not penalise (处罚法
第29条、第33条、第44条); the decision keeps to it act by act; notices recorded before they
named each act's fine keep working."""

from __future__ import annotations

import io
import uuid

from docx import Document

from tests.api.cases.conftest import MITIGATED

EDU = {"on": "2021-06-03", "method": "约谈", "content": "首违教育"}
MAY = {"harm_minor": True, "harmful_consequence": True, "corrected_in_time": True}


def _ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()


def _reviewed(violation, file_case, step, frozen):
    """A case of a fined AIR_DUST act, a fined AIR_VOC act and an AIR_EXCEED act the rules
    only may fine (a first offence), in legal review; and the act of each code."""
    frozen.on("2021-06-03")
    dust, voc = violation("AIR_DUST"), violation()
    exceed = violation("AIR_EXCEED", facts=MAY)
    assert exceed["decision"]["zh"]["decision"] == "may_waive"
    case = _ok(step(_ok(file_case(dust["id"], voc["id"], exceed["id"]), 201), "investigating"))
    case = _ok(step(case, "legal_review"))
    ids = {dust["id"]: "AIR_DUST", voc["id"]: "AIR_VOC", exceed["id"]: "AIR_EXCEED"}
    return case, {ids[a["violation_ids"][0]]: a["act"] for a in case["acts"]}


def _notice_text(client, party, case) -> str:
    response = client.get(f"/api/v1/cases/{case['id']}/documents/notice?format=docx",
                          headers=party["legal"])
    assert response.status_code == 200, response.get_json()
    return "\n".join(p.text for p in Document(io.BytesIO(response.data)).paragraphs)


def test_the_notice_states_each_acts_intended_fine_and_the_act_it_will_not_penalise(
        client, party, violation, file_case, step, frozen):
    case, act = _reviewed(violation, file_case, step, frozen)
    told = [{"act": act["AIR_DUST"], "fine_fen": 1_500_000},
            {"act": act["AIR_VOC"], "fine_fen": 4_000_000}]
    case = _ok(step(case, "notified", review_opinion="同意", intended_fen=5_500_000,
                    act_fines=told))
    assert case["steps"]["notified"]["act_fines"] == sorted(told, key=lambda a: a["act"])
    text = _notice_text(client, party, case)
    assert "依据《中华人民共和国大气污染防治法》第一百一十七条，拟罚款15,000.00元" in text, text
    assert "依据《中华人民共和国大气污染防治法》第一百零八条，拟罚款40,000.00元" in text, text
    assert "我局拟对你单位作出罚款55,000.00元的行政处罚" in text, text
    assert "“无证、超标排放大气污染物或者以逃避监管的方式排放”的违法行为，拟不予行政处罚。" \
        "依据：《中华人民共和国行政处罚法》第三十三条第一款。" \
        "理由：初次违法且危害后果轻微并及时改正。" in text, text
    assert "由执法机关裁量" not in text and "第九十九条" not in text, text
    # decided at the notice's total, each act keeps its noticed fine
    decided = _ok(step(case, "decided", fine_fen=5_500_000, rights_waived=True, education=EDU))
    assert decided["steps"]["decided"]["act_fines"] == case["steps"]["notified"]["act_fines"]


def test_the_notice_refuses_a_total_other_than_the_proposal_without_each_acts_fine(
        violation, file_case, step, frozen):
    case, act = _reviewed(violation, file_case, step, frozen)
    unnamed = step(case, "notified", review_opinion="同意", intended_fen=5_500_000)
    assert unnamed.status_code == 422 and "act_fines" in unnamed.get_json()["errors"]
    missing = step(case, "notified", review_opinion="同意", intended_fen=1_500_000,
                   act_fines=[{"act": act["AIR_DUST"], "fine_fen": 1_500_000}])
    assert missing.status_code == 422 and "act_fines" in missing.get_json()["errors"]
    unknown = step(case, "notified", review_opinion="同意", intended_fen=1_500_000,
                   act_fines=[{"act": 9, "fine_fen": 1_500_000}])
    assert unknown.status_code == 422, unknown.get_json()


def test_the_decision_fines_no_act_the_notice_spared_and_no_act_above_its_noticed_fine(
        party, violation, file_case, step, frozen):
    case, act = _reviewed(violation, file_case, step, frozen)
    case = _ok(step(case, "notified", review_opinion="同意"))  # the proposal: exceed spared
    noticed = {a["act"]: a["fine_fen"] for a in case["steps"]["notified"]["act_fines"]}
    assert set(noticed) == {act["AIR_DUST"], act["AIR_VOC"]}
    spared = step(case, "decided", fine_fen=case["intended_fen"], rights_waived=True,
                  mitigation=MITIGATED, act_fines=[
                      {"act": act["AIR_DUST"], "fine_fen": noticed[act["AIR_DUST"]] - 100_000},
                      {"act": act["AIR_VOC"], "fine_fen": noticed[act["AIR_VOC"]] - 100_000},
                      {"act": act["AIR_EXCEED"], "fine_fen": 200_000}])
    assert spared.status_code == 409, spared.get_json()
    problem = spared.get_json()
    assert f"act {act['AIR_EXCEED']}" in problem["detail"] and "第44条" in problem["detail"]
    assert problem["errors"]["act_fines"] == [f"act {act['AIR_EXCEED']} not fined in the notice"]
    heavier = step(case, "decided", fine_fen=case["intended_fen"], rights_waived=True,
                   education=EDU, act_fines=[
        {"act": act["AIR_DUST"], "fine_fen": noticed[act["AIR_DUST"]] + 500_000},
        {"act": act["AIR_VOC"], "fine_fen": noticed[act["AIR_VOC"]] - 500_000}])
    assert heavier.status_code == 409, heavier.get_json()
    assert f"act {act['AIR_DUST']}" in heavier.get_json()["detail"]
    lighter = _ok(step(case, "decided", fine_fen=case["intended_fen"] - 500_000,
                       rights_waived=True, education=EDU, act_fines=[
                           {"act": act["AIR_DUST"], "fine_fen": noticed[act["AIR_DUST"]]},
                           {"act": act["AIR_VOC"],
                            "fine_fen": noticed[act["AIR_VOC"]] - 500_000}]))
    assert lighter["fine_fen"] == case["intended_fen"] - 500_000


def test_a_case_notified_before_notices_named_each_acts_fine_decides_and_prints_as_before(
        app, client, party, violation, file_case, step, frozen):
    from server.cases.models import Case
    from server.extensions import db

    case, act = _reviewed(violation, file_case, step, frozen)
    case = _ok(step(case, "notified", review_opinion="同意"))
    with app.app_context():  # the notice as it was stored before it named each act's fine
        stored = db.session.get(Case, uuid.UUID(case["id"]))
        notified = {k: v for k, v in stored.steps["notified"].items() if k != "act_fines"}
        stored.steps = {**stored.steps, "notified": notified}
        db.session.commit()
    text = _notice_text(client, party, case)
    assert "规则说明：" in text and "我局拟对你单位作出罚款60,000.00元的行政处罚。" in text, text
    proposed = {a["act"]: a["amount_fen"] for a in case["acts"]}
    decided = _ok(step(case, "decided", fine_fen=case["intended_fen"], rights_waived=True,
                       education=EDU, act_fines=[  # only the total binds: no per-act check
                           {"act": act["AIR_DUST"], "fine_fen": proposed[act["AIR_DUST"]]
                            + 500_000},
                           {"act": act["AIR_VOC"], "fine_fen": proposed[act["AIR_VOC"]]
                            - 500_000}]))
    assert decided["state"] == "decided"
