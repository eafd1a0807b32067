"""The JSON API's English of refused inquiry records and statements, byte for byte: the
console says the same refusals in Chinese from their message keys, the API's text stays."""

from __future__ import annotations

from datetime import date

from tests.api.cases import test_case_records as records
from tests.api.cases.test_case_records import (
    DIGESTS,
    NOT_HELD,
    SIGNED_AT,
    _inquiry,
    _ok,
    _statement,
)

investigating = records.investigating  # the fixture: a case under investigation, images held

STRANGER = "6f1c8a54-0d49-4c51-9a36-1b6f7e9b0f11"


def _refused(client, party, case, body, status=422) -> dict:
    response = client.post(f"/api/v1/cases/{case['id']}/inquiries", json=body,
                           headers=party["legal"])
    assert response.status_code == status, response.get_json()
    problem = response.get_json()
    return {"detail": problem["detail"], "errors": problem.get("errors")}


def test_refused_inquiries_say_the_same_english_as_before(client, party, investigating,
                                                          make_user, frozen):
    case, version = investigating, investigating["version"]
    first, second = (str(i.id) for i in party["inspectors"])
    name = party["inspectors"][1].display_name
    assert _refused(client, party, case, _inquiry(
        party, version, ended_at="2021-06-04T01:00:00+00:00")) == {
        "detail": "The inquiry ends before it starts.",
        "errors": {"ended_at": ["before started_at"]}}
    assert _refused(client, party, case, _inquiry(
        party, version, started_at="2021-06-04T01:30:00+00:00",
        ended_at="2021-06-05T01:00:00+00:00")) == {
        "detail": "The inquiry must lie between the discovery of the violation and now.",
        "errors": {"started_at": ["outside the case"]}}
    assert _refused(client, party, case, _inquiry(
        party, version, inspector_ids=[first, first],
        officer_signatures=[{"user_id": first, "evidence_sha256": DIGESTS["first"],
                             "signed_at": SIGNED_AT}] * 2)) == {
        "detail": "An inquiry is made by at least two officers (处罚法 第42条).",
        "errors": {"inspector_ids": ["at least two distinct officers"]}}
    assert _refused(client, party, case, _inquiry(party, version, recorder_id=STRANGER)) == {
        "detail": "The recorder (记录人) must be one of the officers.",
        "errors": {"recorder_id": ["not one of inspector_ids"]}}
    signing = [{"user_id": who, "evidence_sha256": DIGESTS["first"], "signed_at": SIGNED_AT}
               for who in (first, first, STRANGER)]
    assert _refused(client, party, case, _inquiry(
        party, version, officer_signatures=signing)) == {
        "detail": "Each officer who asked signs the inquiry record, once.",
        "errors": {"officer_signatures": [
            f"signed by {STRANGER}, who did not ask (not one of inspector_ids)",
            f"one signature per officer: {first} signed twice",
            f"each officer who asked signs the record and may not refuse (LAW.md §6): {name} "
            "did not sign"]}}
    early = _inquiry(party, version)
    early["officer_signatures"][1]["signed_at"] = "2021-06-04T02:00:00+00:00"
    early["recorder_signature"]["signed_at"] = "2021-06-05T02:00:00+00:00"
    assert _refused(client, party, case, early) == {
        "detail": "The officers sign the inquiry record once it has ended, as certified "
                  "officers.",
        "errors": {"officer_signatures": {"1": {"signed_at": [
            "before ended_at: the record is signed once the inquiry has ended"]}},
            "recorder_signature": {"signed_at": ["in the future"]}}}
    missing = _inquiry(party, version, signature={"evidence_sha256": NOT_HELD})
    missing["officer_signatures"][1]["evidence_sha256"] = NOT_HELD
    unheld = [f"no signature image with SHA-256 {NOT_HELD} was uploaded to the district: "
              "upload it first (tus, POST /api/v1/uploads/)"]
    assert _refused(client, party, case, missing) == {
        "detail": "Upload the signature images first: the case's district holds no image "
                  "with the SHA-256 given in signature, officer_signatures.1; upload each "
                  "(tus, POST /api/v1/uploads/), then record the inquiry.",
        "errors": {"signature": {"evidence_sha256": unheld},
                   "officer_signatures": {"1": {"evidence_sha256": unheld}}}}
    expiring, _ = make_user("inspector", "310115", certificate_expires=date(2021, 6, 4),
                            certificate_no="沪环执2021001")
    frozen.on("2021-06-05", hour=12)
    late = _inquiry(party, version, inspector_ids=[str(expiring.id), second])
    late["officer_signatures"][0]["signed_at"] = "2021-06-04T16:10:00+00:00"
    assert _refused(client, party, case, late) == {
        "detail": "The officers sign the inquiry record once it has ended, as certified "
                  "officers.",
        "errors": {"officer_signatures": {"0": {"signed_at": [
            f"{expiring.display_name}'s enforcement certificate 沪环执2021001 expired on "
            "2021-06-04: a signature made on 2021-06-05 is not a certified officer's "
            "(处罚法 第42条)"]}}}}


def test_refused_inquiries_after_the_decision_and_statements_say_the_same_english(
        client, party, investigating, step, frozen):
    url = f"/api/v1/cases/{investigating['id']}/statements"
    before = client.post(url, json=_statement(investigating["version"]),
                         headers=party["legal"]).get_json()
    assert before["detail"] == ("Statements and defence are heard after the notice (告知) and "
                                "before the decision (处罚法 第44、45条); the case is "
                                "investigating.")
    frozen.on("2021-06-07")
    case = _ok(step(investigating, "notified"))
    future = client.post(url, json=_statement(case["version"], received_on="2021-06-08"),
                         headers=party["legal"]).get_json()
    assert (future["detail"], future["errors"]) == (
        "A statement cannot be received in the future.", {"received_on": ["after today"]})
    early = client.post(url, json=_statement(case["version"], received_on="2021-06-04"),
                        headers=party["legal"]).get_json()
    assert (early["detail"], early["errors"]) == (
        "Statements are made within 5 working days of the notice (2021-06-07 to 2021-06-15); "
        "one received on 2021-06-04 is outside the period, in which the party waived the "
        "right.", {"received_on": ["between 2021-06-07 and 2021-06-15"]})
    case = _ok(step(case, "decided", fine_fen=case["intended_fen"], rights_waived=True))
    over = _refused(client, party, case, _inquiry(party, case["version"]), 409)
    assert over["detail"] == ("The case is decided: the investigation is over, inquiries are "
                              "recorded before the decision.")
