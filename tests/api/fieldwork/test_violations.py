"""Violations: decided by the rules at once, first offence from the server's own history,
re-decided when facts change or an earlier act arrives late, geo checks against the site."""

from __future__ import annotations

import uuid

import pytest
from pyproj import Geod

WAIVABLE_FACTS = {"corrected_on_spot": True, "corrected_in_time": True,
                  "harmful_consequence": False}


@pytest.fixture
def inspection(client, field):
    # In 2021 the Shanghai 2020 waiver list is in force and the acts are not time-barred.
    body = field["inspection"](started_at="2021-06-01T01:30:00+00:00")
    assert client.post("/api/v1/inspections", json=body,
                       headers=field["headers"]).status_code == 201
    return body


def _violation(inspection, **change):
    body = {"id": str(uuid.uuid4()), "inspection_id": inspection["id"], "code": "AIR_VOC",
            "occurred_on": "2021-06-01", "description": "喷漆车间门窗敞开",
            "facts": dict(WAIVABLE_FACTS)}
    body.update(change)
    return body


def _post(client, field, body):
    return client.post("/api/v1/violations", json=body, headers=field["headers"])


def test_a_first_minor_offence_corrected_on_the_spot_is_waived_and_keeps_its_would_be_fine(
        client, field, inspection):
    response = _post(client, field, _violation(inspection))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["first_offence"] is True and body["first_offence_disagreement"] is None
    decision = body["decision"]["zh"]
    assert decision["decision"] == "waived"
    assert decision["waiver"]["item"] == 5 and decision["waiver"]["verified"] is False
    assert decision["penalty"]["levied"] is False
    assert decision["penalty"]["would_be_amount_fen"] >= decision["penalty"]["statutory_min_fen"]
    english = body["decision"]["en"]
    assert "item 5" in english["explanation"]


def test_the_server_finds_an_earlier_violation_and_says_the_claim_is_wrong(client, field,
                                                                          inspection):
    assert _post(client, field, _violation(inspection, occurred_on="2021-03-01")).status_code \
        == 201
    claim = _violation(inspection, facts=WAIVABLE_FACTS | {"first_offence": True})
    body = _post(client, field, claim).get_json()
    assert body["first_offence"] is False
    assert "earlier AIR_VOC" in body["first_offence_disagreement"]
    assert body["decision"]["zh"]["decision"] == "fine"
    assert "first_offence" in body["decision"]["zh"]["waiver"]["unmet"]


def test_an_earlier_act_arriving_late_re_decides_the_later_one_and_keeps_history(
        client, field, inspection):
    later = _post(client, field, _violation(inspection)).get_json()
    assert later["decision"]["zh"]["decision"] == "waived"
    _post(client, field, _violation(inspection, occurred_on="2021-01-15"))
    url = f"/api/v1/violations/{later['id']}"
    assert client.get(url, headers=field["headers"]).get_json()["first_offence"] is False
    history = client.get(f"{url}/decisions", headers=field["headers"]).get_json()
    assert [d["outcome"] for d in history] == ["waived", "fine"]
    assert all(d["rule_sets"] for d in history)


def test_rules_decide_as_of_the_day_a_violation_is_recorded_not_when_another_arrives(
        client, field, inspection, monkeypatch):
    from datetime import UTC, datetime

    from server import clock

    monkeypatch.setattr(clock, "utcnow", lambda: datetime(2021, 6, 2, 2, tzinfo=UTC))
    later = _post(client, field, _violation(inspection)).get_json()
    monkeypatch.setattr(clock, "utcnow", lambda: datetime(2021, 6, 9, 2, tzinfo=UTC))
    _post(client, field, _violation(inspection, occurred_on="2021-01-15"))
    history = client.get(f"/api/v1/violations/{later['id']}/decisions",
                         headers=field["headers"]).get_json()
    assert [(d["outcome"], d["result"]["zh"]["violation"]["decided_on"]) for d in history] == [
        ("waived", "2021-06-02"), ("fine", "2021-06-02")]


def test_changing_facts_re_evaluates_and_keeps_the_earlier_decision(client, field, inspection):
    created = _post(client, field, _violation(inspection)).get_json()
    url = f"/api/v1/violations/{created['id']}"
    changed = client.patch(url, json={"version": 1, "facts": WAIVABLE_FACTS | {
        "harmful_consequence": True}}, headers=field["headers"])
    assert changed.status_code == 200
    assert changed.get_json()["decision"]["zh"]["decision"] == "fine"
    history = client.get(f"{url}/decisions", headers=field["headers"]).get_json()
    assert [(d["sequence"], d["violation_version"], d["outcome"]) for d in history] == [
        (1, 1, "waived"), (2, 2, "fine")]
    assert history[1]["amount_fen"] == history[0]["would_be_fen"]


def test_a_no_op_change_adds_no_decision(client, field, inspection):
    created = _post(client, field, _violation(inspection)).get_json()
    url = f"/api/v1/violations/{created['id']}"
    client.patch(url, json={"version": 1, "description": "补充描述"}, headers=field["headers"])
    history = client.get(f"{url}/decisions", headers=field["headers"]).get_json()
    assert [d["violation_version"] for d in history] == [1, 2]
    assert history[0]["result"] == history[1]["result"]


def test_an_unknown_catalogue_code_is_refused(client, field, inspection):
    response = _post(client, field, _violation(inspection, code="NOT_A_CODE"))
    assert response.status_code == 422 and "code" in response.get_json()["errors"]


def test_an_amount_based_on_investment_uses_the_base(client, field, inspection):
    body = _violation(inspection, code="EIA_UNAPPROVED", facts={"harmful_consequence": True},
                      bases={"investment_yuan": 10_000_000})
    decision = _post(client, field, body).get_json()["decision"]["zh"]["penalty"]
    assert (decision["statutory_min_fen"], decision["statutory_max_fen"]) == (
        10_000_000, 50_000_000)  # 1 %–5 % of 10 million yuan, in fen


@pytest.mark.parametrize(("code", "item", "violated"), [
    ("EIA_MAJOR_CHANGE", 2, "环评法 第24条第1款"),
    ("EIA_EXPIRED_UNREVIEWED", 3, "环评法 第24条第2款"),
])
def test_a_waived_construction_act_is_decided_under_its_own_list_item(
        client, field, inspection, code, item, violated):
    body = _violation(inspection, code=code, bases={"investment_yuan": 10_000_000}, facts={
        "stopped_and_restored": True, "corrected_in_time": True, "harmful_consequence": False})
    response = _post(client, field, body)
    assert response.status_code == 201, response.get_json()
    decision = response.get_json()["decision"]["zh"]
    assert decision["decision"] == "waived" and f"第{item}项" in decision["explanation"]
    assert (decision["waiver"]["item"], decision["waiver"]["violated_articles"]) == (
        item, [violated])
    assert decision["penalty"]["basis"] == "环评法 第31条第1款"
    assert decision["penalty"]["would_be_amount_fen"] >= 10_000_000  # 1 % of the investment


@pytest.mark.parametrize(("code", "item", "article", "bases"), [
    ("HW_NO_SIGN", 6, "固废法 第112条", {}),
    ("HW_NO_LEDGER", 7, "固废法 第112条", {}),
    ("PERMIT_REPORT_LATE", 10, "许可条例 第37条", {"instances": 1}),
    ("PERMIT_NO_LEDGER", 11, "许可条例 第37条", {"instances": 1}),
])
def test_a_waived_first_time_act_is_decided_under_its_own_list_item(
        client, field, inspection, code, item, article, bases):
    # HW_MGMT and PERMIT_LEDGER each covered two items: a ledger was explained under item 6 or 10.
    body = _violation(inspection, code=code, bases=bases, facts={
        "corrected_in_time": True, "harmful_consequence": False})
    response = _post(client, field, body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["first_offence"] is True
    decision = response.get_json()["decision"]["zh"]
    assert decision["decision"] == "waived" and f"第{item}项" in decision["explanation"]
    assert (decision["waiver"]["item"], decision["waiver"]["items"]) == (item, [item])
    assert decision["penalty"]["basis"] == article


@pytest.mark.parametrize(("earlier", "code", "first"), [
    ("HW_MGMT", "HW_NO_SIGN", False),      # the shared code may have recorded this very act
    ("HW_NO_SIGN", "HW_MGMT", False),      # and the other way round
    ("HW_NO_SIGN", "HW_NO_LEDGER", True),  # two acts split from one code are different acts
    ("EIA_UNAPPROVED", "EIA_MAJOR_CHANGE", False),
])
def test_an_earlier_act_under_the_code_a_code_was_split_from_is_not_a_first_offence(
        client, field, inspection, earlier, code, first):
    facts = {"corrected_in_time": True, "harmful_consequence": False}
    assert _post(client, field, _violation(inspection, code=earlier, occurred_on="2021-03-01",
                                           facts=facts)).status_code == 201
    body = _post(client, field, _violation(inspection, code=code, facts=facts)).get_json()
    assert body["first_offence"] is first
    assert (body["decision"]["zh"]["decision"] == "waived") is first


def test_the_disagreement_names_the_codes_an_earlier_act_may_have_been_recorded_under(
        client, field, inspection):
    assert _post(client, field, _violation(inspection, code="HW_MGMT",
                                           occurred_on="2021-03-01")).status_code == 201
    claim = _violation(inspection, code="HW_NO_SIGN", facts=WAIVABLE_FACTS | {
        "first_offence": True})
    body = _post(client, field, claim).get_json()
    assert "has an earlier HW_NO_SIGN or HW_MGMT violation" in body["first_offence_disagreement"]


def test_a_retried_create_is_not_a_duplicate(client, field, inspection):
    body = _violation(inspection)
    assert _post(client, field, body).status_code == 201
    assert _post(client, field, body).status_code == 200
    listed = client.get(f"/api/v1/violations?inspection_id={inspection['id']}",
                        headers=field["headers"]).get_json()
    assert len(listed["items"]) == 1 and listed["total"] == 1


def test_a_position_far_from_the_site_is_flagged_with_its_distance(client, field, inspection):
    ring = field["enterprise"]["site"]["coordinates"][0]
    east = max(p[0] for p in ring)
    north = (min(p[1] for p in ring) + max(p[1] for p in ring)) / 2
    lon, lat, _ = Geod(ellps="WGS84").fwd(east, north, 90, 1000)
    body = _post(client, field, _violation(inspection, location={"lat": lat, "lon": lon})
                 ).get_json()
    assert body["flags"] == ["outside_site"]
    assert body["distance_to_site_m"] == pytest.approx(1000, abs=1)


def test_a_position_inside_the_site_is_at_distance_zero(client, field, inspection):
    ring = field["enterprise"]["site"]["coordinates"][0]
    inside = {"lon": sum(p[0] for p in ring[:4]) / 4, "lat": sum(p[1] for p in ring[:4]) / 4}
    body = _post(client, field, _violation(inspection, location=inside)).get_json()
    assert body["distance_to_site_m"] == 0 and body["flags"] == []


def test_a_violation_without_position_is_flagged_no_gps(client, field, inspection):
    assert _post(client, field, _violation(inspection)).get_json()["flags"] == ["no_gps"]


def test_violations_of_another_district_are_not_visible(client, field, inspection, login):
    created = _post(client, field, _violation(inspection)).get_json()
    other = login("legal", "310101")
    assert client.get(f"/api/v1/violations/{created['id']}", headers=other).status_code == 404


def test_a_violation_cannot_move_to_another_inspection(client, field, inspection):
    created = _post(client, field, _violation(inspection)).get_json()
    other = field["inspection"](started_at="2021-06-01T01:30:00+00:00")
    client.post("/api/v1/inspections", json=other, headers=field["headers"])
    response = client.patch(f"/api/v1/violations/{created['id']}",
                            json={"version": 1, "inspection_id": other["id"]},
                            headers=field["headers"])
    assert response.status_code == 422


def test_an_act_discovered_over_two_years_later_is_time_barred(client, field):
    late = field["inspection"](started_at="2024-03-01T01:30:00+00:00")
    client.post("/api/v1/inspections", json=late, headers=field["headers"])
    body = _post(client, field, _violation(late, occurred_on="2021-06-01")).get_json()
    decision = body["decision"]["en"]
    assert decision["decision"] == "time_barred" and decision["limitation"]["expired"] is True


def _upload(client, headers, data: bytes) -> str:
    """Send a file in one tus creation-with-upload request; returns its SHA-256."""
    import base64
    import hashlib

    digest = hashlib.sha256(data).hexdigest()
    meta = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}"
                    for k, v in {"filename": "p.jpg", "sha256": digest}.items())
    response = client.post("/api/v1/uploads/", data=data, headers=headers | {
        "Tus-Resumable": "1.0.0", "Upload-Length": str(len(data)), "Upload-Metadata": meta,
        "Content-Type": "application/offset+octet-stream"})
    assert response.status_code == 201, response.get_data(as_text=True)
    return digest


def test_cited_photos_are_checked_against_site_device_and_time(client, field, inspection):
    from pathlib import Path

    photos = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "photos"
    huangpu = _upload(client, field["headers"],
                      (photos / "DERIVED_gps_sh_huangpu_center.jpg").read_bytes())
    not_yet = "f" * 64
    ring = field["enterprise"]["site"]["coordinates"][0]
    on_site = {"lon": ring[0][0], "lat": ring[0][1]}
    body = _post(client, field, _violation(inspection, location=on_site,
                                           evidence=[huangpu, not_yet])).get_json()
    checks = {c["sha256"]: c for c in body["evidence_checks"]}
    assert body["missing_evidence"] == [not_yet] and checks[not_yet]["flags"] == ["missing"]
    photo = checks[huangpu]
    assert photo["present"] and photo["gps"] is not None
    # taken in Huangpu on 2024-05-20, not during this 2021 inspection, far from the site
    assert {"outside_site", "location_mismatch", "captured_outside_inspection"} <= set(
        photo["flags"])
    assert photo["distance_to_site_m"] > 1000


def test_a_gcj02_position_from_a_tablet_is_stored_as_wgs84_with_its_system_named(
        client, field, inspection):
    from server.geo import wgs84_to_gcj02

    ring = field["enterprise"]["site"]["coordinates"][0]
    lon, lat = (sum(p[0] for p in ring[:-1]) / (len(ring) - 1),
                sum(p[1] for p in ring[:-1]) / (len(ring) - 1))  # inside the site
    shown_lon, shown_lat = wgs84_to_gcj02(lon, lat)  # what an Amap SDK reports, ~500 m off
    body = _post(client, field, _violation(inspection, location={
        "lat": shown_lat, "lon": shown_lon, "accuracy_m": 5, "crs": "gcj02"}))
    assert body.status_code == 201, body.get_json()
    created = body.get_json()
    assert created["location"] == {"lat": pytest.approx(lat, abs=1e-7),
                                   "lon": pytest.approx(lon, abs=1e-7), "accuracy_m": 5.0,
                                   "crs": "wgs84"}
    assert created["distance_to_site_m"] == 0 and "outside_site" not in created["flags"]
    checked_in = client.post("/api/v1/inspections", json=field["inspection"](checkin={
        "lat": shown_lat, "lon": shown_lon, "crs": "gcj02"}), headers=field["headers"])
    assert checked_in.status_code == 201, checked_in.get_json()
    assert checked_in.get_json()["checkin"]["lat"] == pytest.approx(lat, abs=1e-7)
    assert checked_in.get_json()["checkin"]["crs"] == "wgs84"


def test_a_cited_photo_without_a_capture_time_is_flagged_as_unverifiable_against_the_record(
        client, field, inspection):
    from pathlib import Path

    photos = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "photos"
    undated = _upload(client, field["headers"], (photos / "no_exif.jpg").read_bytes())
    body = _post(client, field, _violation(inspection, evidence=[undated])).get_json()
    [photo] = body["evidence_checks"]
    assert photo["captured_at"] is None and "no_capture_time" in photo["flags"]


def test_citing_another_districts_file_by_its_digest_reveals_nothing_of_it(client, field,
                                                                            inspection, login):
    from tests.api.evidence.conftest import PHOTOS, Tus, sha256

    photo = (PHOTOS / "DERIVED_gps_sh_huangpu_center.jpg").read_bytes()
    digest = sha256(photo)
    huangpu = login("inspector", "310101", device_id="tablet-huangpu")
    assert Tus(client, huangpu).upload(photo).status_code == 204
    body = _post(client, field, _violation(inspection, evidence=[digest])).get_json()
    assert body["evidence_checks"] == [{"sha256": digest, "present": False,
                                        "flags": ["missing"]}]
    assert body["missing_evidence"] == [digest]
    pulled = client.get("/api/v1/sync/pull?limit=1000", headers=field["headers"]).get_json()
    assert not [c for c in pulled["changes"] if c["entity"] == "evidence"]
    # the same bytes uploaded in the record's district make it that district's evidence too
    assert Tus(client, field["headers"]).upload(photo).status_code == 204
    again = client.get(f"/api/v1/violations/{body['id']}", headers=field["headers"]).get_json()
    assert again["evidence_checks"][0]["present"] is True and again["missing_evidence"] == []


def test_a_district_that_uploads_a_file_its_record_cites_sees_it_in_the_next_pull(
        client, field, inspection, login):
    from tests.api.evidence.conftest import PHOTOS, Tus, sha256

    photo = (PHOTOS / "DERIVED_gps_sh_huangpu_center.jpg").read_bytes()
    digest = sha256(photo)
    huangpu = login("inspector", "310101", device_id="tablet-huangpu")
    assert Tus(client, huangpu).upload(photo).status_code == 204
    cited = _post(client, field, _violation(inspection, evidence=[digest])).get_json()
    first = client.get("/api/v1/sync/pull?limit=1000", headers=field["headers"]).get_json()
    assert Tus(client, field["headers"]).upload(photo).status_code == 204  # same bytes here
    later = client.get(f"/api/v1/sync/pull?limit=1000&cursor={first['next_cursor']}",
                       headers=field["headers"]).get_json()
    [violation] = [c["data"] for c in later["changes"]
                   if c["entity"] == "violation" and c["id"] == cited["id"]]
    assert violation["missing_evidence"] == []
    assert [c["id"] for c in later["changes"] if c["entity"] == "evidence"] == [digest]


def test_an_act_dated_after_the_inspection_found_it_is_refused_on_its_own_date(
        client, field, inspection):
    # The inspection of 2021-06-01 found it: the act cannot have happened later. The refusal
    # named discovered_on, a field the inspector never entered (the rules engine's check).
    response = _post(client, field, _violation(inspection, occurred_on="2021-06-02"))
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"occurred_on"}
    assert "2021-06-01" in response.get_json()["errors"]["occurred_on"][0]
    created = _post(client, field, _violation(inspection)).get_json()
    changed = client.patch(f"/api/v1/violations/{created['id']}",
                           json={"version": 1, "occurred_on": "2021-06-05"},
                           headers=field["headers"])
    assert changed.status_code == 422 and set(changed.get_json()["errors"]) == {"occurred_on"}


def test_the_violation_list_pages_with_its_total_like_the_other_lists(client, field, inspection):
    made = [_post(client, field, _violation(inspection, occurred_on=f"2021-05-2{n}"))
            for n in range(3)]
    assert [r.status_code for r in made] == [201] * 3
    url = f"/api/v1/violations?inspection_id={inspection['id']}&per_page=2"
    first = client.get(url, headers=field["headers"]).get_json()
    second = client.get(url + "&page=2", headers=field["headers"]).get_json()
    assert {k: first[k] for k in ("total", "page", "per_page")} == {
        "total": 3, "page": 1, "per_page": 2}
    assert (second["page"], second["total"], len(second["items"])) == (2, 3, 1)
    assert [v["id"] for v in first["items"] + second["items"]] == [
        r.get_json()["id"] for r in made]  # in the order the acts happened
    default = client.get("/api/v1/violations", headers=field["headers"]).get_json()
    assert (default["page"], default["per_page"], default["total"]) == (1, 50, 3)


@pytest.mark.parametrize("query", ["inspection={id}", "per_page=0", "page=0",
                                   "inspection_id={id}&sort=code"])
def test_the_violation_list_refuses_unknown_or_bad_parameters_with_a_problem(
        client, field, inspection, query):
    # A misspelt filter (inspection= for inspection_id=) listed every violation in scope.
    response = client.get("/api/v1/violations?" + query.format(id=inspection["id"]),
                          headers=field["headers"])
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert set(response.get_json()["errors"]) == {
        query.split("&")[-1].split("=")[0]}, response.get_json()


def test_a_correction_day_is_recorded_and_read_back_on_creation_and_on_a_change(
        client, field, inspection):
    # The day it was corrected (facts.corrected_on) answered 500: stored as JSON text, it was
    # then dumped as a date.
    late = {"corrected_on_spot": False, "corrected_in_time": True, "harmful_consequence": False,
            "corrected_on": "2021-06-03"}
    created = _post(client, field, _violation(inspection, facts=late))
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["facts"]["corrected_on"] == "2021-06-03"
    read = client.get(f"/api/v1/violations/{body['id']}", headers=field["headers"])
    assert read.status_code == 200 and read.get_json()["facts"]["corrected_on"] == "2021-06-03"
    changed = client.patch(f"/api/v1/violations/{body['id']}", headers=field["headers"], json={
        "version": body["version"], "facts": late | {"corrected_on": "2021-06-04"}})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["facts"]["corrected_on"] == "2021-06-04"
