"""Filing: one party, one fine per act, gap-free numbers, the 15-day filing deadline."""

from __future__ import annotations

import os
import threading
import uuid

import pytest

from tests.api.cases.conftest import DISTRICT


def _ok(response, status: int = 201) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()


def test_filing_numbers_count_up_per_authority_and_year(violation, file_case, frozen):
    frozen.on("2021-06-03")
    numbers = [_ok(file_case(violation()["id"]))["filing_number"] for _ in range(3)]
    assert numbers == [f"沪0115环立〔2021〕{n}号" for n in (1, 2, 3)]


def test_one_act_under_several_provisions_is_fined_once_under_the_higher(
        violation, file_case, frozen):
    frozen.on("2021-06-03")
    voc, dust, other = violation("AIR_VOC"), violation("AIR_DUST"), violation("AIR_VOC")
    amounts = {v["id"]: v["decision"]["zh"]["penalty"]["amount_fen"] for v in (voc, dust, other)}
    case = _ok(file_case(voc["id"], dust["id"], other["id"], same_act=[[voc["id"], dust["id"]]]))
    higher = max(amounts[voc["id"]], amounts[dust["id"]])
    assert case["proposed_fen"] == higher + amounts[other["id"]]
    first = case["acts"][0]
    assert sorted(first["violation_ids"]) == sorted([voc["id"], dust["id"]])
    assert first["amount_fen"] == higher and first["basis"]


def test_an_act_before_the_waiver_list_is_judged_by_the_lighter_list_in_force_today(
        violation, frozen):
    # 处罚法 第37条: the list came into force on 2020-05-01, after this act, and is lighter
    frozen.on("2021-06-02")
    found = violation(code="EIA_UNAPPROVED", occurred_on="2020-04-20",
                      facts={"stopped_and_restored": True, "corrected_in_time": True,
                             "harmful_consequence": False},
                      bases={"investment_yuan": 1_000_000})
    decision = found["decision"]["zh"]
    assert decision["decision"] == "waived", decision["decision"]
    assert decision["violation"]["decided_on"] == "2021-06-02"


def test_violations_of_two_parties_are_two_cases(client, party, violation, file_case, frozen,
                                                 enterprise_body):
    frozen.on("2021-06-03")
    other = client.post("/api/v1/enterprises", json=enterprise_body(serial=2),
                        headers=party["supervisor"]).get_json()
    inspection = {"id": str(uuid.uuid4()), "enterprise_id": other["id"],
                  "inspector_ids": [str(i.id) for i in party["inspectors"]],
                  "started_at": "2021-06-01T01:30:00+00:00"}
    _ok(client.post("/api/v1/inspections", json=inspection, headers=party["supervisor"]))
    refused = file_case(violation()["id"], violation(inspection_id=inspection["id"])["id"])
    assert refused.status_code == 422 and "violation_ids" in refused.get_json()["errors"]


def test_violations_recorded_as_an_organisation_and_as_an_individual_are_not_one_case(
        violation, file_case, frozen):
    # the documents say 你单位 or 你, and the fine ranges differ: one party, one party type
    frozen.on("2021-06-03")
    organisation, individual = violation(), violation(party_type="individual")
    refused = file_case(organisation["id"], individual["id"])
    assert refused.status_code == 422, refused.get_json()
    assert refused.mimetype == "application/problem+json"
    body = refused.get_json()
    assert "organisation" in body["detail"] and "individual" in body["detail"]
    assert "organisation" in str(body["errors"]["violation_ids"])
    assert "individual" in str(body["errors"]["violation_ids"])
    assert file_case(individual["id"]).status_code == 201  # nothing was filed: each alone is


def test_a_violation_belongs_to_one_case_only(violation, file_case, frozen):
    frozen.on("2021-06-03")
    first = violation()
    _ok(file_case(first["id"]))
    again = file_case(first["id"], violation()["id"])
    assert again.status_code == 409 and again.get_json()["violation_ids"] == [first["id"]]


def test_another_districts_violation_is_not_found(client, violation, file_case, frozen, login):
    frozen.on("2021-06-03")
    outsider = login("legal", "310101")
    response = client.post("/api/v1/cases", json={"violation_ids": [violation()["id"]]},
                           headers=outsider)
    assert response.status_code == 404
    assert file_case(str(uuid.uuid4())).status_code == 404


def test_filing_after_15_days_needs_a_reason_and_is_shown_late(violation, file_case, frozen):
    found = violation()
    frozen.on("2021-06-17")  # discovered 1 June: the 15 days ended on 16 June
    refused = file_case(found["id"])
    assert refused.status_code == 422 and "late_reason" in refused.get_json()["errors"]
    case = _ok(file_case(found["id"], late_reason="案情复杂，经负责人批准延长",
                         filing_extension_approved=True))
    filing = case["deadlines"][0]
    assert (filing["due"], filing["status"]) == ("2021-07-01", "met")  # +15 with approval


def test_an_archived_row_cannot_be_rewritten_even_past_the_service(
        app, party, violation, file_case, step, frozen):
    from server.cases.models import ArchivedImmutable, Case
    from server.extensions import db

    frozen.on("2021-06-02")
    waived = violation(facts={"corrected_on_spot": True, "corrected_in_time": True,
                              "harmful_consequence": False})
    case = _ok(file_case(waived["id"]))
    case = _ok(step(case, "not_penalised", education={"on": "2021-06-02", "method": "约谈",
                                                      "content": "教育"}), 200)
    case = _ok(step(_ok(step(case, "served", method="direct"), 200), "closed"), 200)
    _ok(step(case, "archived"), 200)
    with app.app_context():
        row = db.session.get(Case, uuid.UUID(case["id"]))
        row.fine_fen = 1
        with pytest.raises(ArchivedImmutable):
            db.session.flush()
        db.session.rollback()


@pytest.mark.postgres_only
@pytest.mark.skipif(os.environ.get("TEST_DATABASE") != "postgresql",
                    reason="row locks under real concurrency need PostgreSQL")
def test_50_concurrent_filings_get_unique_consecutive_numbers(app, party, violation, frozen):
    from server.auth.policy import Actor
    from server.cases import filing

    frozen.on("2021-06-03")
    ids = [uuid.UUID(violation()["id"]) for _ in range(50)]
    with app.app_context():
        from server.auth.models import User
        from server.extensions import db

        user = db.session.query(User).filter_by(role="legal").first()
        actor = Actor(user.id, user.username, "legal", DISTRICT)
    start, numbers, errors = threading.Barrier(50), [], []

    def file(vid: uuid.UUID) -> None:
        with app.app_context():
            start.wait()
            try:
                numbers.append(filing.file_case(actor, {"violation_ids": [vid]}).filing_seq)
            except Exception as error:  # the assertion below names any failure
                errors.append(repr(error))

    threads = [threading.Thread(target=file, args=(vid,)) for vid in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(numbers) == list(range(1, 51))


def test_filing_refusals_keep_their_english_word_for_word(client, party, violation, file_case,
                                                          frozen, enterprise_body):
    # the console says these refusals in Chinese from their message keys; the API's English
    # is the contract and stays as it was
    frozen.on("2021-06-03")
    other = _ok(client.post("/api/v1/enterprises", json=enterprise_body(serial=2),
                            headers=party["supervisor"]))
    inspection = {"id": str(uuid.uuid4()), "enterprise_id": other["id"],
                  "inspector_ids": [str(i.id) for i in party["inspectors"]],
                  "started_at": "2021-06-01T01:30:00+00:00"}
    _ok(client.post("/api/v1/inspections", json=inspection, headers=party["supervisor"]))
    mine, theirs, loose = (violation(), violation(inspection_id=inspection["id"]),
                           violation())
    parties = file_case(mine["id"], theirs["id"]).get_json()
    assert (parties["detail"], parties["errors"]) == (
        "A case has one party: the violations belong to 2 enterprises.",
        {"violation_ids": ["more than one enterprise"]})
    grouped = file_case(mine["id"], same_act=[[mine["id"], theirs["id"]]]).get_json()
    assert (grouped["detail"], grouped["errors"]) == (
        "Each grouped violation must be one of violation_ids, in one group only.",
        {"same_act": [theirs["id"]]})
    _ok(file_case(mine["id"]))
    taken = file_case(mine["id"], loose["id"])
    assert taken.status_code == 409
    assert (taken.get_json()["detail"], taken.get_json()["violation_ids"]) == (
        "Some violations are already in a case.", [mine["id"]])
    assert "errors" not in taken.get_json()
    frozen.on("2021-06-17")
    late = file_case(loose["id"]).get_json()
    assert (late["detail"], late["errors"]) == (
        "The filing deadline (2021-06-16) has passed; give late_reason (and "
        "filing_extension_approved if it was extended).",
        {"late_reason": ["required after the filing deadline"]})


def test_an_act_fined_under_one_provision_is_bound_by_that_provisions_range(
        violation, file_case, step, frozen):
    # One act, two provisions: AIR_VOC (20,000–200,000元) gives the higher fine here, 200,000元,
    # and the act is fined under it; PERMIT_LEDGER × 20 (100,000–400,000元) has the higher
    # maximum. The case took the range of the latter, so a notice of 300,000元 "依据《大气法》
    # 第一百零八条" passed though that article's maximum is 200,000元.
    frozen.on("2021-06-03")
    grades = {"environmental_sensitivity": 5, "duration": 5, "harm": 5, "scale": 5}
    voc = violation("AIR_VOC", factors=grades)
    ledger = violation("PERMIT_LEDGER", bases={"instances": 20})
    assert voc["decision"]["zh"]["penalty"]["amount_fen"] == 20_000_000
    assert ledger["decision"]["zh"]["penalty"]["statutory_max_fen"] == 40_000_000
    case = _ok(file_case(voc["id"], ledger["id"], same_act=[[voc["id"], ledger["id"]]]))
    assert case["acts"][0]["fined_under"] == voc["id"]
    assert case["statutory_range_fen"] == [2_000_000, 20_000_000]
    case = _ok(step(case, "investigating"), 200)
    case = _ok(step(case, "legal_review"), 200)
    refused = step(case, "notified", intended_fen=30_000_000, review_opinion="同意")
    assert refused.status_code == 409, refused.get_json()
    assert _ok(step(case, "notified", intended_fen=20_000_000, review_opinion="同意"),
               200)["intended_fen"] == 20_000_000
