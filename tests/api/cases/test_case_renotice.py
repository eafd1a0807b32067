"""Notifying the party again (重新告知): new facts after the notice call for a new notice
before a heavier decision; the party's statements never do (处罚法 第44条、第45条)."""

from __future__ import annotations

import io
import zipfile

from pypdf import PdfReader

from server.cases import casefile
from tests.api.cases.case_files import catalogue_text, export_zip, unspaced
from tests.api.cases.conftest import HEARD_CHAIR, HEARD_PLACE
from tests.api.cases.walking import answer

AGAIN = {"renotice_reason": "new_facts", "renotice_note": "复查发现另一排放口废气未收集"}


def _notified(file_case, violation, step, frozen) -> dict:
    frozen.on("2021-06-03")
    case = answer(file_case(violation()["id"]), 201)
    case = answer(step(case, "investigating"))
    frozen.on("2021-06-07")
    return answer(step(case, "notified", intended_fen=4_000_000))


def test_after_a_re_notice_the_decision_may_reach_the_new_intended_fine_and_no_more(
        client, party, violation, file_case, step, frozen):
    case = _notified(file_case, violation, step, frozen)
    assert "notified" in case["allowed_transitions"]
    frozen.on("2021-06-09")
    stuck = step(case, "decided", fine_fen=5_000_000, rights_waived=True)
    assert stuck.status_code == 409 and "heavier" in stuck.get_json()["detail"]
    case = answer(step(case, "notified", intended_fen=5_000_000, **AGAIN))
    assert case["state"] == "notified" and case["intended_fen"] == 5_000_000
    assert case["notice_on"] == "2021-06-09"
    reply = next(d for d in case["deadlines"] if d["name"] == "notice_reply")
    assert reply["due"] == "2021-06-17"  # 5 working days of the new notice (14 June: holiday)
    notice = case["steps"]["notified"]
    assert notice["renotice"] == {"reason": "new_facts", "note": AGAIN["renotice_note"],
                                  "replaces_notice_on": "2021-06-07",
                                  "replaces_intended_fen": 4_000_000}
    assert [n["intended_fen"] for n in notice["earlier_notices"]] == [4_000_000]
    assert [(e["from_state"], e["to_state"], e["on"]) for e in case["history"]][-2:] == [
        ("investigating", "notified", "2021-06-07"), ("notified", "notified", "2021-06-09")]
    frozen.on("2021-06-17")
    early = step(case, "decided", fine_fen=5_000_000)
    assert early.status_code == 409 and "2021-06-17" in early.get_json()["detail"]
    frozen.on("2021-06-18")
    heavier = step(case, "decided", fine_fen=5_000_001)
    assert heavier.status_code == 409 and "5000000 fen" in heavier.get_json()["detail"]
    case = answer(step(case, "decided", fine_fen=5_000_000))
    assert case["fine_fen"] == 5_000_000
    late = step(case, "notified", intended_fen=6_000_000, **AGAIN)
    assert late.status_code == 409 and "notified again" in late.get_json()["detail"]


def test_the_partys_statements_are_refused_as_the_reason_for_a_new_notice(
        party, violation, file_case, step, frozen):
    case = _notified(file_case, violation, step, frozen)
    frozen.on("2021-06-09")
    refused = step(case, "notified", intended_fen=5_000_000, renotice_reason="statements",
                   renotice_note="当事人陈述另有一台设备")
    assert refused.status_code == 409
    problem = refused.get_json()
    assert "第45条" in problem["detail"] and "statements" in problem["detail"]
    assert problem["errors"] == {"renotice_reason": ["not a ground for a new notice"]}
    without = step(case, "notified", intended_fen=5_000_000)
    assert without.status_code == 422
    assert set(without.get_json()["errors"]) == {"renotice_reason", "renotice_note"}
    unknown = step(case, "notified", intended_fen=5_000_000, renotice_reason="other",
                   renotice_note="—")
    assert unknown.status_code == 422 and "renotice_reason" in unknown.get_json()["errors"]


def _heard_then_notified_again(file_case, violation, step, frozen) -> dict:
    """A case whose party asked for a hearing (25 June), notified again on 16 June."""
    frozen.on("2021-06-03")
    case = answer(file_case(violation()["id"]), 201)
    case = answer(step(case, "investigating"))
    frozen.on("2021-06-07")
    case = answer(step(case, "legal_review"))
    case = answer(step(case, "notified", intended_fen=15_000_000, review_opinion="同意"))
    frozen.on("2021-06-15")
    case = answer(step(case, "hearing", hearing_notice_on="2021-06-15", hearing_on="2021-06-25",
                       hearing_place=HEARD_PLACE, chair=HEARD_CHAIR))
    frozen.on("2021-06-16")
    return answer(step(case, "notified", intended_fen=16_000_000,
                       renotice_reason="facts_corrected", renotice_note="排放时长更正为三个月"))


def test_a_hearing_asked_under_the_earlier_notice_lapses_and_may_be_asked_again(
        client, party, violation, file_case, step, frozen):
    case = _heard_then_notified_again(file_case, violation, step, frozen)
    assert case["state"] == "notified" and case["hearing_on"] is None
    assert "hearing" not in case["steps"]
    assert [d["name"] for d in case["deadlines"]] == ["filing", "decision", "notice_reply"]
    earlier = case["steps"]["notified"]["earlier_notices"][0]
    assert earlier["intended_fen"] == 15_000_000
    assert earlier["hearing"]["hearing_on"] == "2021-06-25"  # kept with the notice it answered
    frozen.on("2021-06-21")
    undecided = step(case, "decided", fine_fen=16_000_000)  # no hearing now: the period runs
    assert undecided.status_code == 409 and "2021-06-23" in undecided.get_json()["detail"]
    case = answer(step(case, "hearing", hearing_notice_on="2021-06-21", hearing_on="2021-06-30",
                       hearing_place=HEARD_PLACE, chair=HEARD_CHAIR))
    assert case["hearing_on"] == "2021-06-30"
    document = client.get(f"/api/v1/cases/{case['id']}/documents/earlier_notice",
                          headers=party["legal"])
    assert document.status_code == 200
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(document.data)).pages)
    text = text.replace("\n", "")
    for needle in ("第1次告知", "2021年6月7日", "150,000.00元", "2021年6月16日",
                   "违法事实更正：排放时长更正为三个月", "因重新告知不再沿用",
                   "听证通知书（第1次告知，已因重新告知失效）",
                   "听证笔录（第1次告知，已因重新告知失效）",
                   "罚款150,000.00元（2021年6月7日告知）"):
        assert needle in text, (needle, text)
    assert text.index("2021年6月16日") < text.index("听证通知书")  # after the notice it answered
    report = client.get(f"/api/v1/cases/{case['id']}/documents/earlier_hearing_report",
                        headers=party["legal"])
    assert report.status_code == 200


def test_a_case_notified_once_has_no_earlier_notice(client, party, violation, file_case, step,
                                                    frozen):
    case = _notified(file_case, violation, step, frozen)
    response = client.get(f"/api/v1/cases/{case['id']}/documents/earlier_notice",
                          headers=party["legal"])
    assert response.status_code == 409


def test_the_case_file_index_names_the_lapsed_hearings_documents_as_the_earlier_notices(
        app, client, party, exporting, violation, file_case, step, frozen):
    # The 卷内目录 listed the earlier notice's record alone: the 听证通知书 and 听证笔录 of the
    # hearing that lapsed with it, printed inside it, were in the file but not in its index.
    case = _heard_then_notified_again(file_case, violation, step, frozen)
    archive = zipfile.ZipFile(io.BytesIO(export_zip(app, client, party, case)))
    catalogue = unspaced(catalogue_text(archive))
    positions = [catalogue.find(title) for title in (
        "行政处罚事先（听证）告知记录（已重新告知）", "听证通知书（第1次告知，已因重新告知失效）",
        "听证笔录（第1次告知，已因重新告知失效）", "行政处罚事先（听证）告知书")]
    assert -1 not in positions and positions == sorted(positions), (positions, catalogue)


def test_the_case_file_holds_the_earlier_notice_before_the_notice_in_force():
    members = casefile.plan(["filing_approval", "notice", "earlier_notice"], [], False)
    names = [m.name for m in members]
    assert names[-2:] == ["正卷/02_行政处罚事先（听证）告知记录（已重新告知）.pdf",
                          "正卷/03_行政处罚事先（听证）告知书.pdf"]


def test_after_the_partys_statements_a_heavier_re_notice_waits_for_facts_re_decided(
        client, party, violation, file_case, step, frozen):
    cited = violation()
    frozen.on("2021-06-03")
    case = answer(file_case(cited["id"]), 201)
    case = answer(step(case, "investigating"))
    frozen.on("2021-06-07")
    case = answer(step(case, "notified", intended_fen=4_000_000))
    frozen.on("2021-06-08")
    answer(client.post(f"/api/v1/cases/{case['id']}/statements", json={
        "version": case["version"], "form": "written", "made_by": "法定代表人张三",
        "content": "另一排放口不属于本单位。", "adopted": "rejected",
        "reasoning": "经核实属于该单位。"}, headers=party["legal"]), 201)
    case = answer(client.get(f"/api/v1/cases/{case['id']}", headers=party["legal"]))
    frozen.on("2021-06-09")
    heavier = step(case, "notified", intended_fen=5_000_000, **AGAIN)
    assert heavier.status_code == 409, heavier.get_json()
    assert "第45条" in heavier.get_json()["detail"]
    assert heavier.get_json()["errors"] == {"intended_fen": ["above the notified amount"]}
    assert answer(step(case, "notified", intended_fen=3_000_000, **AGAIN))["intended_fen"] \
        == 3_000_000  # lighter: allowed
    case = answer(client.get(f"/api/v1/cases/{case['id']}", headers=party["legal"]))
    current = answer(client.get(f"/api/v1/violations/{cited['id']}",
                                headers=party["supervisor"]))
    answer(client.patch(f"/api/v1/violations/{cited['id']}", json={
        "version": current["version"], "facts": {**current["facts"], "harmful_consequence":
                                                 True, "corrected_in_time": False}},
        headers=party["supervisor"]))
    case = answer(client.get(f"/api/v1/cases/{case['id']}", headers=party["legal"]))
    assert case["history"][-1]["event"] == "violation_redecided"
    assert answer(step(case, "notified", intended_fen=5_000_000, **AGAIN))["intended_fen"] \
        == 5_000_000  # the facts were re-decided since the notice it replaces


def test_the_new_notice_tells_the_party_what_it_replaces_and_that_its_hearing_request_lapsed(
        client, party, violation, file_case, step, frozen):
    case = _heard_then_notified_again(file_case, violation, step, frozen)
    document = client.get(f"/api/v1/cases/{case['id']}/documents/notice",
                          headers=party["legal"])
    assert document.status_code == 200
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(document.data)).pages)
    text = text.replace("\n", "")
    for needle in ("本告知书取代我局于2021年6月7日作出的行政处罚事先告知",
                   "违法事实更正：排放时长更正为三个月",
                   "你单位于2021年6月15日提出的听证申请（原定于2021年6月25日举行）不再沿用",
                   "如仍要求举行听证，应当在收到本告知书之日起五个工作日内重新提出"):
        assert needle in text, (needle, text)


def _statement(version: int, **change) -> dict:
    return {"version": version, "form": "written", "made_by": "法定代表人张三",
            "content": "已整改，请求从轻处罚。", "adopted": "rejected", "reasoning": "不影响定性。",
            **change}


def test_a_statement_made_on_the_earlier_notice_is_recorded_after_the_re_notice(
        client, party, violation, file_case, step, frozen):
    case = _notified(file_case, violation, step, frozen)  # 7 June, reply due 15 June
    frozen.on("2021-06-09")
    case = answer(step(case, "notified", intended_fen=5_000_000, **AGAIN))  # due 17 June
    url = f"/api/v1/cases/{case['id']}/statements"
    frozen.on("2021-06-10")
    earlier = answer(client.post(url, json=_statement(case["version"], received_on="2021-06-08"),
                                 headers=party["legal"]), 201)
    assert earlier["received_on"] == "2021-06-08" and earlier["notice"] == 1
    case = answer(client.get(f"/api/v1/cases/{case['id']}", headers=party["legal"]))
    latest = answer(client.post(url, json=_statement(case["version"]), headers=party["legal"]),
                    201)
    assert latest["notice"] == 2  # both notices' periods hold 10 June: the one in force
    case = answer(client.get(f"/api/v1/cases/{case['id']}", headers=party["legal"]))
    chosen = answer(client.post(url, json=_statement(case["version"], notice=1),
                                headers=party["legal"]), 201)
    assert chosen["notice"] == 1  # the party answered the earlier notice, within its period
    case = answer(client.get(f"/api/v1/cases/{case['id']}", headers=party["legal"]))
    outside = client.post(url, json=_statement(case["version"], received_on="2021-06-08",
                                               notice=2), headers=party["legal"])
    assert outside.status_code == 409 and "2021-06-09 to 2021-06-17" in \
        outside.get_json()["detail"]
    unknown = client.post(url, json=_statement(case["version"], notice=3),
                          headers=party["legal"])
    assert unknown.status_code == 422 and "notice" in unknown.get_json()["errors"]
    assert [s["notice"] for s in answer(client.get(url, headers=party["legal"]))] == [1, 2, 1]


def test_the_heavier_refusal_counts_the_statements_on_the_latest_notice(
        client, party, violation, file_case, step, frozen):
    case = _notified(file_case, violation, step, frozen)
    url = f"/api/v1/cases/{case['id']}/statements"
    frozen.on("2021-06-08")
    answer(client.post(url, json=_statement(case["version"]), headers=party["legal"]), 201)
    case = answer(client.get(f"/api/v1/cases/{case['id']}", headers=party["legal"]))
    frozen.on("2021-06-09")
    # lighter than the 4000000 fen notified: after statements a heavier one needs new facts
    case = answer(step(case, "notified", intended_fen=3_000_000, **AGAIN))
    frozen.on("2021-06-18")
    refused = step(case, "decided", fine_fen=3_000_001).get_json()["detail"]
    assert "3000000 fen" in refused
    assert "recorded" not in refused, refused  # the statement answered the notice replaced
    frozen.on("2021-06-10")
    answer(client.post(url, json=_statement(case["version"], received_on="2021-06-10"),
                       headers=party["legal"]), 201)
    case = answer(client.get(f"/api/v1/cases/{case['id']}", headers=party["legal"]))
    frozen.on("2021-06-18")
    refused = step(case, "decided", fine_fen=3_000_001).get_json()["detail"]
    assert "(1 statement(s) recorded on this notice)" in refused, refused
    case = answer(step(case, "decided", fine_fen=3_000_000))
    assert case["steps"]["decided"]["statements_reviewed"] == 2  # the decision reviews both


# a statement and its review as said without their own full stops (the decision adds them)
SAID = {"content": "已整改，请求从轻处罚", "reasoning": "不影响定性"}


def _decision_text(client, party, case) -> str:
    document = client.get(f"/api/v1/cases/{case['id']}/documents/decision",
                          headers=party["legal"])
    assert document.status_code == 200
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(document.data)).pages
                   ).replace("\n", "")


def test_after_a_re_notice_the_decision_says_which_notice_each_statement_answered(
        client, party, violation, file_case, step, frozen):
    # The decision listed the statements alike: which notice (and so which intended penalty)
    # each one answered could not be told once the party had been notified again.
    case = _notified(file_case, violation, step, frozen)  # 7 June
    url = f"/api/v1/cases/{case['id']}/statements"
    frozen.on("2021-06-08")
    answer(client.post(url, json=_statement(case["version"], **SAID), headers=party["legal"]), 201)
    case = answer(client.get(f"/api/v1/cases/{case['id']}", headers=party["legal"]))
    frozen.on("2021-06-09")
    case = answer(step(case, "notified", intended_fen=3_000_000, **AGAIN))
    frozen.on("2021-06-10")
    answer(client.post(url, json=_statement(case["version"], content="设备已更换",
                                            adopted="partly", reasoning="减轻情节属实"),
                       headers=party["legal"]), 201)
    case = answer(client.get(f"/api/v1/cases/{case['id']}", headers=party["legal"]))
    frozen.on("2021-06-18")
    text = _decision_text(client, party, answer(step(case, "decided", fine_fen=3_000_000)))
    for said in ("2021年6月8日，法定代表人张三针对第1次告知（2021年6月7日）书面陈述、申辩："
                 "已整改，请求从轻处罚。经复核，不予采纳，理由：不影响定性。",
                 "2021年6月10日，法定代表人张三针对第2次告知（2021年6月9日）书面陈述、申辩："
                 "设备已更换。经复核，部分采纳，理由：减轻情节属实。"):
        assert said in text, (said, text)


def test_a_case_notified_once_says_its_statements_as_before(
        client, party, violation, file_case, step, frozen):
    case = _notified(file_case, violation, step, frozen)  # 7 June, reply due 15 June
    frozen.on("2021-06-08")
    answer(client.post(f"/api/v1/cases/{case['id']}/statements",
                       json=_statement(case["version"], **SAID), headers=party["legal"]), 201)
    case = answer(client.get(f"/api/v1/cases/{case['id']}", headers=party["legal"]))
    frozen.on("2021-06-16")
    text = _decision_text(client, party, answer(step(case, "decided", fine_fen=4_000_000)))
    assert "2021年6月8日，法定代表人张三书面陈述、申辩：已整改，请求从轻处罚。经复核，不予采纳，" \
        "理由：不影响定性。" in text, text
    assert "告知（" not in text
