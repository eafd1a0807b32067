"""The rules engine over HTTP: dry runs, rule-set versions, imports that change no decision."""

from __future__ import annotations

import copy

import pytest
import yaml

from tests.api.described import assert_described

EVALUATE = {"violation_code": "AIR_VOC", "occurred_on": "2021-06-01",
            "party_type": "organisation",
            "facts": {"first_offence": True, "corrected_on_spot": True, "corrected_in_time": True,
                      "harmful_consequence": False, "stopped_and_restored": False}}
WAIVER_REF = "sh-eco-minor-offence-waiver@2020"


@pytest.fixture
def legal(login):
    return login("legal", "310115")


@pytest.fixture
def city_legal(login):
    """Legal staff of the municipal bureau: rule sets are stored for every district."""
    return login("legal", "310000")


def test_a_dry_run_answers_in_the_documented_shape(client, legal):
    body = client.post("/api/v1/rules/evaluate", json=EVALUATE, headers=legal).get_json()
    waiver, penalty = body["waiver"], body["penalty"]
    assert waiver["eligible"] is True and waiver["outcome"] == "waived"
    assert (waiver["list"], waiver["item"], waiver["verified"]) == (WAIVER_REF, 5, False)
    assert waiver["unmet"] == [] and waiver["deadline"] is None
    assert penalty["statutory_min_fen"] == 2_000_000 and penalty["statutory_max_fen"] == 20_000_000
    assert penalty["basis"].startswith("《大气污染防治法》") or "108" in penalty["basis"]
    assert penalty["rule_set"] and penalty["trace"]
    assert all({"step", "rule", "effect"} <= set(step) for step in penalty["trace"])


def test_explanations_come_in_english_on_request(client, legal):
    body = client.post("/api/v1/rules/evaluate?lang=en", json=EVALUATE, headers=legal).get_json()
    assert "item 5" in body["explanation"]
    assert body["verified"] is False and body["unverified"]


def test_without_lang_the_explanations_follow_accept_language(client, legal):
    def said(query: str, accepted: str | None) -> tuple[str, str | None]:
        headers = legal | ({"Accept-Language": accepted} if accepted else {})
        response = client.post(f"/api/v1/rules/evaluate{query}", json=EVALUATE,
                               headers=headers)
        return response.get_json()["explanation"], response.headers.get("Vary")

    english, vary = said("", "en-GB,en;q=0.9")
    assert "item 5" in english and "Accept-Language" in (vary or "")
    assert "第5项" in said("", "zh-CN,zh;q=0.9,en;q=0.8")[0]
    assert "第5项" in said("", None)[0]  # nothing asked: Chinese
    assert "第5项" in said("", "fr")[0]  # nothing it speaks: Chinese
    assert "第5项" in said("?lang=zh", "en")[0]  # the query decides when given


def test_a_missing_correction_gives_a_deadline_to_correct_by(client, legal):
    facts = EVALUATE["facts"] | {"corrected_on_spot": None, "corrected_in_time": None}
    body = client.post("/api/v1/rules/evaluate", json=EVALUATE | {
        "violation_code": "AIR_DUST", "facts": facts}, headers=legal).get_json()
    assert body["waiver"]["outcome"] == "pending_correction"
    assert body["waiver"]["deadline"] and body["waiver"]["deadline_kind"] == "working"


def test_unusable_input_is_a_422_with_field_errors(client, legal):
    response = client.post("/api/v1/rules/evaluate", json=EVALUATE | {"violation_code": "NOPE"},
                           headers=legal)
    assert response.status_code == 422
    assert "violation_code" in response.get_json()["errors"]
    bad_grade = client.post("/api/v1/rules/evaluate", json=EVALUATE | {"factors": {"x": 9}},
                            headers=legal)
    assert bad_grade.status_code == 422


def test_inspectors_may_not_run_dry_runs(client, login):
    assert client.post("/api/v1/rules/evaluate", json=EVALUATE,
                       headers=login("inspector")).status_code == 403


def test_rule_sets_are_listed_with_their_verified_marks(client, legal):
    sets = {s["ref"]: s for s in client.get("/api/v1/rules/sets", headers=legal).get_json()}
    assert {s["kind"] for s in sets.values()} == {"catalogue", "waiver_list", "discretion",
                                                  "checklist"}
    assert sets[WAIVER_REF]["effective_until"] == "2025-04-30"
    document = client.get(f"/api/v1/rules/sets/{WAIVER_REF}", headers=legal).get_json()
    assert [i["verified"] for i in document["items"]] == [True] + [False] * 10
    assert client.get("/api/v1/rules/sets/nope@1", headers=legal).status_code == 404


def test_every_rule_set_document_matches_the_description(app, client, legal):
    for listed in client.get("/api/v1/rules/sets", headers=legal).get_json():
        document = client.get(f"/api/v1/rules/sets/{listed['ref']}", headers=legal)
        assert_described(app, "GET", "/api/v1/rules/sets/{ref}", document)


def test_staff_read_the_checklist_templates_in_force_and_a_broken_one_is_refused(
        client, legal, login):
    sets = client.get("/api/v1/rules/sets", headers=login("inspector")).get_json()
    templates = {s["ref"]: s for s in sets if s["kind"] == "checklist"}
    assert set(templates) == {"sh-eco-site-general@1", "sh-eco-site-vocs@1"}
    assert all(s["in_force_today"] and not s["verified"] for s in templates.values())
    document = client.get("/api/v1/rules/sets/sh-eco-site-vocs@1", headers=legal).get_json()
    assert document["items"][0]["id"] == "VOC-01"
    document.update(version="2", effective_from="2027-01-01")
    document["items"][1]["suggests"] = "AIR_VOCS"
    refused = client.post("/api/v1/rules/sets", json=document, headers=legal)
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["document"] == [
        "sh-eco-site-vocs@2 items[VOC-02]: code AIR_VOCS is in no catalogue"]


def _new_list(client, legal) -> dict:
    """The 2020 list re-issued from 2026 with a 7-day window for item 5 (a data change)."""
    document = copy.deepcopy(client.get(f"/api/v1/rules/sets/{WAIVER_REF}",
                                        headers=legal).get_json())
    document.update(version="2026-test", effective_from="2026-01-01", effective_until=None)
    for item in document["items"]:
        if item["number"] == 5:
            item["correction_window"] = {"days": 7, "kind": "calendar", "verified": False}
    return document


def test_an_import_dry_run_shows_the_diff_and_stores_nothing(client, legal):
    preview = client.post("/api/v1/rules/sets?dry_run=true", json=_new_list(client, legal),
                          headers=legal)
    assert preview.status_code == 200, preview.get_json()
    body = preview.get_json()
    assert body["stored"] is False and body["supersedes"] == WAIVER_REF
    assert "7" in body["diff_text"]
    refs = {s["ref"] for s in client.get("/api/v1/rules/sets", headers=legal).get_json()}
    assert "sh-eco-minor-offence-waiver@2026-test" not in refs


def test_an_import_applies_from_its_date_and_changes_no_decision_already_made(
        client, legal, city_legal):
    later = EVALUATE | {"occurred_on": "2026-03-02", "decided_on": "2026-03-10"}
    before = client.post("/api/v1/rules/evaluate", json=later, headers=legal).get_json()
    assert before["waiver"]["list"] is None  # no list in force in 2026
    assert before["waiver"]["outcome"] != "waived"
    stored = client.post("/api/v1/rules/sets", json=_new_list(client, legal),
                         headers=city_legal)
    assert stored.status_code == 200 and stored.get_json()["stored"] is True
    after = client.post("/api/v1/rules/evaluate", json=later, headers=legal).get_json()
    assert after["waiver"]["outcome"] == "waived"
    assert after["rule_sets"]["waiver_list"] == "sh-eco-minor-offence-waiver@2026-test"
    old = client.post("/api/v1/rules/evaluate", json=EVALUATE, headers=legal).get_json()
    assert old["rule_sets"]["waiver_list"] == WAIVER_REF
    again = client.post("/api/v1/rules/sets", json=_new_list(client, legal),
                        headers=city_legal)
    assert again.status_code == 409


@pytest.mark.parametrize("role", ["legal", "admin"])
def test_district_staff_preview_a_rule_set_but_only_city_wide_staff_store_it(
        client, legal, login, role):
    district = login(role, "310115")
    assert client.post("/api/v1/rules/sets?dry_run=true", json=_new_list(client, legal),
                       headers=district).status_code == 200
    refused = client.post("/api/v1/rules/sets", json=_new_list(client, legal), headers=district)
    assert refused.status_code == 403
    assert "city-wide" in refused.get_json()["detail"]
    refs = {s["ref"] for s in client.get("/api/v1/rules/sets", headers=legal).get_json()}
    assert "sh-eco-minor-offence-waiver@2026-test" not in refs


@pytest.mark.parametrize("breakage, reason", [
    (lambda d: d.pop("title"), "title"),
    (lambda d: d["items"][0].update(codes=["NO_SUCH_CODE"]), "NO_SUCH_CODE"),
    (lambda d: d.update(effective_from="2026-13-01"), "effective_from"),
])
def test_a_broken_rule_set_is_refused_with_the_reason(client, legal, breakage, reason):
    document = _new_list(client, legal)
    breakage(document)
    response = client.post("/api/v1/rules/sets", json=document, headers=legal)
    assert response.status_code == 422
    assert reason in " ".join(response.get_json()["errors"]["document"])


def test_only_legal_staff_and_admins_import(client, login, legal):
    document = _new_list(client, legal)
    assert client.post("/api/v1/rules/sets", json=document,
                       headers=login("supervisor")).status_code == 403


def test_the_cli_imports_a_yaml_file_and_shows_the_diff(client, legal, runner, tmp_path):
    path = tmp_path / "waiver.yaml"
    path.write_text(yaml.safe_dump(_new_list(client, legal), allow_unicode=True), "utf-8")
    dry = runner.invoke(args=["rules", "import", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "supersedes sh-eco-minor-offence-waiver@2020" in dry.output
    assert "nothing stored" in dry.output
    stored = runner.invoke(args=["rules", "import", str(path)])
    assert stored.exit_code == 0 and "stored" in stored.output
    listed = runner.invoke(args=["rules", "list"])
    assert "sh-eco-minor-offence-waiver@2026-test" in listed.output
