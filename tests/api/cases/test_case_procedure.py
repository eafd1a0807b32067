"""The penalty procedure walked end to end on a frozen clock: steps, hearing, service, payment."""

from __future__ import annotations

from tests.api.cases.conftest import MITIGATED
from tests.api.cases.walking import answer, walk_to_served


def test_a_fined_case_runs_from_filing_to_archive_and_then_is_immutable(
        client, party, violation, file_case, step, frozen):
    frozen.on("2021-06-03")
    case = answer(file_case(violation()["id"]), 201)
    assert case["filing_number"] == "沪0115环立〔2021〕1号"
    assert case["proposed_fen"] == 4_000_000 and case["state"] == "filed"
    frozen.on("2021-06-04")
    case = answer(step(case, "investigating"))
    frozen.on("2021-06-07")
    case = answer(step(case, "notified"))
    assert case["intended_fen"] == 4_000_000
    reply = next(d for d in case["deadlines"] if d["name"] == "notice_reply")
    assert reply["due"] == "2021-06-15"  # 5 working days; 14 June 2021 is the Dragon Boat holiday
    frozen.on("2021-06-15")
    early = step(case, "decided", fine_fen=3_500_000)
    assert early.status_code == 409 and "notice period" in early.get_json()["detail"]
    frozen.on("2021-06-16")
    heavier = step(case, "decided", fine_fen=4_000_001, statements="当事人陈述已整改")
    assert heavier.status_code == 409 and "heavier" in heavier.get_json()["detail"]
    case = answer(step(case, "decided", fine_fen=3_500_000, statements="当事人陈述已整改"))
    assert case["decision_number"] == "沪0115环罚〔2021〕1号"
    service = next(d for d in case["deadlines"] if d["name"] == "service")
    assert service["due"] == "2021-06-25" and service["status"] == "open"
    frozen.on("2021-06-18")
    case = answer(step(case, "served", method="direct", recipient="王经理"))
    payment = next(d for d in case["deadlines"] if d["name"] == "payment")
    assert payment["due"] == "2021-07-05"  # 15 days end on Saturday 3 July: next working day
    assert case["payment"] == {"due": "2021-07-05", "late_days": 0, "surcharge_fen": 0,
                               "owed_fen": 3_500_000}
    frozen.on("2021-07-05")
    case = answer(step(case, "paid", amount_fen=3_500_000))
    assert case["surcharge_fen"] == 0 and case["next_due_on"] is None
    case = answer(step(case, "closed"))
    case = answer(step(case, "archived"))
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
    case = answer(file_case(violation()["id"]), 201)
    answer(step(case, "investigating"))
    with app.app_context():
        actions = [e.action for e in db.session.query(AuditEntry).filter_by(
            entity="case", entity_id=case["id"]).order_by(AuditEntry.seq)]
    assert actions == ["case.file", "case.investigating"]


def test_a_hearing_case_needs_legal_review_a_timely_request_and_an_independent_chair(
        party, violation, file_case, step, frozen):
    frozen.on("2021-06-03")
    case = answer(file_case(violation()["id"]), 201)
    case = answer(step(case, "investigating"))
    frozen.on("2021-06-07")
    large = 15_000_000  # 150,000 yuan: a hearing right, so a legal review first
    skipped = step(case, "notified", intended_fen=large)
    assert skipped.status_code == 409 and "法制审核" in skipped.get_json()["detail"]
    case = answer(step(case, "legal_review"))
    case = answer(step(case, "notified", intended_fen=large, review_opinion="事实清楚，同意"))
    assert case["hearing_eligible"] and case["legal_review_required"]
    assert case["hearing_threshold"] == {"min_fen": 10_000_000, "verified": False}
    officer = {"name": "检查员", "user_id": str(party["inspectors"][0].id)}
    chair = {"name": "李主持", "user_id": None}
    place = {"hearing_place": "浦东新区生态环境局三楼听证室"}  # 处罚法 第64条第2项
    frozen.on("2021-06-16")
    late = step(case, "hearing", hearing_notice_on="2021-06-16", hearing_on="2021-06-25",
                chair=chair, **place)
    assert late.status_code == 409 and "5 working days" in late.get_json()["detail"]
    frozen.on("2021-06-15")
    biased = step(case, "hearing", hearing_notice_on="2021-06-15", hearing_on="2021-06-25",
                  chair=officer, **place)
    assert biased.status_code == 409 and "chair" in biased.get_json()["errors"]
    rushed = step(case, "hearing", hearing_notice_on="2021-06-15", hearing_on="2021-06-23",
                  chair=chair, **place)  # 8 calendar days, but 6 working days (处罚法 第85条)
    assert rushed.status_code == 409 and "7 working days" in rushed.get_json()["detail"]
    assert "2021-06-24" in rushed.get_json()["detail"]
    nowhere = step(case, "hearing", hearing_notice_on="2021-06-15", hearing_on="2021-06-25",
                   chair=chair)
    assert nowhere.status_code == 422 and "hearing_place" in nowhere.get_json()["errors"]
    too_long = step(case, "hearing", hearing_notice_on="2021-06-15", hearing_on="2021-06-25",
                    chair=chair, hearing_place="听" * 201)
    assert too_long.status_code == 422 and "hearing_place" in too_long.get_json()["errors"]
    case = answer(step(case, "hearing", hearing_notice_on="2021-06-15", hearing_on="2021-06-25",
                       chair=chair, **place))
    assert case["steps"]["hearing"]["hearing_place"] == place["hearing_place"]
    assert next(d for d in case["deadlines"] if d["name"] == "notice_reply")["status"] == "met"
    frozen.on("2021-06-24")
    early = step(case, "decided", fine_fen=large, hearing_record="听证笔录")
    assert early.status_code == 409
    frozen.on("2021-06-28")
    no_record = step(case, "decided", fine_fen=large)
    assert no_record.status_code == 422 and "hearing_record" in no_record.get_json()["errors"]
    case = answer(step(case, "decided", fine_fen=12_000_000, hearing_record="当事人申辩部分采纳"))
    assert case["fine_fen"] == 12_000_000 and case["decision_number"].endswith("1号")


def test_late_payment_adds_3_percent_a_day_capped_at_the_fine(
        client, party, violation, file_case, step, frozen):
    frozen.on("2021-06-03")
    case = walk_to_served(answer(file_case(violation()["id"]), 201), step, frozen)
    assert case["payment"]["due"] == "2021-06-21"  # 19 June is a Saturday
    frozen.on("2021-07-01")  # 10 days late: 30 %
    owed = answer(client.get(f"/api/v1/cases/{case['id']}", headers=party["legal"]))["payment"]
    assert owed == {"due": "2021-06-21", "late_days": 10, "surcharge_fen": 300_000,
                    "owed_fen": 1_300_000}
    frozen.on("2021-09-01")  # 72 days late: 216 %, capped at the fine
    short = step(case, "paid", amount_fen=1_300_000)
    assert short.status_code == 422 and "2000000" in short.get_json()["detail"]
    assert "第66条" in short.get_json()["detail"]  # instalments: refused, not guessed
    assert "第66条" not in step(case, "paid", amount_fen=2_000_001).get_json()["detail"]
    case = answer(step(case, "paid", amount_fen=2_000_000))
    assert case["surcharge_fen"] == 1_000_000
    assert case["steps"]["paid"]["surcharge_capped"] is True


def test_enforcement_waits_for_the_end_of_the_payment_period(party, violation, file_case, step,
                                                             frozen):
    frozen.on("2021-06-03")
    case = walk_to_served(answer(file_case(violation()["id"]), 201), step, frozen)
    frozen.on("2021-06-21")
    assert step(case, "enforced").status_code == 409
    frozen.on("2021-06-22")
    case = answer(step(case, "enforced", measure="申请人民法院强制执行"))
    assert answer(step(case, "closed"))["state"] == "closed"


def test_electronic_service_needs_consent_and_steps_cannot_be_backdated_or_future(
        party, violation, file_case, step, frozen):
    frozen.on("2021-06-03")
    case = answer(file_case(violation()["id"]), 201)
    assert step(case, "investigating", on="2021-06-04").status_code == 422
    assert step(case, "investigating", on="2021-06-02").status_code == 422
    assert step(case, "paid").status_code == 409
    assert step(case, "nowhere").status_code == 422
    frozen.on("2021-06-04")
    case = answer(step(case, "investigating"))
    case = answer(step(case, "notified"))
    case = answer(step(case, "decided", fine_fen=1_000_000, rights_waived=True,
                               mitigation=MITIGATED))
    refused = step(case, "served", method="electronic")
    assert refused.status_code == 409 and "consent" in refused.get_json()["errors"]
    assert answer(step(case, "served", method="electronic", consent=True))["state"] == "served"


def test_a_stale_version_is_refused(party, violation, file_case, step, frozen):
    frozen.on("2021-06-03")
    case = answer(file_case(violation()["id"]), 201)
    answer(step(case, "investigating"))
    stale = step(case, "legal_review")
    assert stale.status_code == 409 and stale.get_json()["current_version"] == 2
