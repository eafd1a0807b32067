"""Statistics over real cases: a period against the year before, by district and by type."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from openpyxl import load_workbook

from tests.api.cases.conftest import WAIVABLE, decide_with_a_waived_act


def _ok(response, status: int = 200):
    assert response.status_code == status, response.get_json()
    return response


def _fined(file_case, step, frozen, violation_id, day, fine_fen):
    frozen.on(day)
    case = _ok(file_case(violation_id), 201).get_json()
    case = _ok(step(case, "investigating")).get_json()
    case = _ok(step(case, "notified", intended_fen=fine_fen)).get_json()
    return _ok(step(case, "decided", fine_fen=fine_fen, rights_waived=True)).get_json()


def _inspected(client, party, started_at: str) -> str:
    """Another inspection of the party by its two officers; returns its id."""
    visit = {"id": str(uuid.uuid4()), "enterprise_id": party["enterprise"]["id"],
             "inspector_ids": [str(i.id) for i in party["inspectors"]], "started_at": started_at}
    _ok(client.post("/api/v1/inspections", json=visit, headers=party["supervisor"]), 201)
    return visit["id"]


@pytest.fixture
def history(client, party, violation, file_case, step, frozen):
    """2020: one fine of 20,000 yuan; 2021: two fines, one waiver, one daily penalty."""
    earlier = _inspected(client, party, "2020-06-01T01:30:00+00:00")
    old = violation("AIR_DUST", inspection_id=earlier, occurred_on="2020-06-01")
    _fined(file_case, step, frozen, old["id"], "2020-06-03", 2_000_000)
    waived = violation("AIR_VOC", facts=WAIVABLE)
    assert waived["decision"]["zh"]["decision"] == "waived"
    frozen.on("2021-06-02")
    case = _ok(file_case(waived["id"]), 201).get_json()
    _ok(step(case, "not_penalised", education={"on": "2021-06-02", "method": "约谈",
                                               "content": "教育"}))
    _fined(file_case, step, frozen, violation("AIR_VOC")["id"], "2021-06-03", 3_000_000)
    exceed = violation("AIR_EXCEED")
    frozen.on("2021-06-03")
    case = _ok(file_case(exceed["id"]), 201).get_json()
    case = _ok(step(case, "investigating")).get_json()
    case = _ok(step(case, "legal_review")).get_json()
    case = _ok(step(case, "notified", intended_fen=10_000_000, review_opinion="同意")).get_json()
    case = _ok(step(case, "decided", fine_fen=10_000_000, rights_waived=True)).get_json()
    frozen.on("2021-06-25")
    _ok(client.post(f"/api/v1/cases/{case['id']}/daily-penalties", headers=party["legal"],
                    json={"version": case["version"], "rounds": [
                        {"order_served_on": "2021-06-10", "reinspected_on": "2021-06-20"}]}))
    return {"waived": waived}


def test_the_summary_compares_the_period_with_the_year_before(client, party, history):
    body = _ok(client.get("/api/v1/reports/summary?from=2021-01-01&to=2021-12-31",
                          headers=party["legal"])).get_json()
    assert body["district"] == "310115"
    assert body["current"] == {
        "cases_filed": 3, "decisions": 2, "fines_fen": 13_000_000,
        "not_penalised_decisions": 1, "waived_cases": 1, "waived_acts": 1,
        "not_levied_fen": history["waived"]["decision"]["zh"]["penalty"]["would_be_amount_fen"],
        "minor_cases": 0, "minor_fen": 0, "first_offence_cases": 0, "first_offence_fen": 0,
        "no_fault_cases": 0, "no_fault_fen": 0, "time_barred_cases": 0, "time_barred_fen": 0,
        "daily_penalty_cases": 1, "daily_penalty_fen": 100_000_000}
    assert body["previous_year"]["fines_fen"] == 2_000_000
    assert body["previous_period"] == {"from": "2020-01-01", "to": "2020-12-31"}
    assert body["change_pct"]["fines_fen"] == 550.0 and body["change_pct"]["cases_filed"] == 200.0
    assert body["change_pct"]["waived_cases"] is None
    assert [d["district"] for d in body["by_district"]] == ["310115"]
    assert body["by_district"][0]["name"]
    assert {c["code"]: (c["decisions"], c["waived_cases"]) for c in body["by_code"]} == {
        "AIR_EXCEED": (1, 0), "AIR_VOC": (1, 1)}


def test_the_summary_narrows_to_a_violation_type_and_a_period(client, party, history):
    body = _ok(client.get("/api/v1/reports/summary?from=2021-01-01&to=2021-12-31&code=AIR_VOC",
                          headers=party["legal"])).get_json()
    assert body["current"]["fines_fen"] == 3_000_000 and body["current"]["cases_filed"] == 2
    assert body["previous_year"]["cases_filed"] == 0
    june_2 = _ok(client.get("/api/v1/reports/summary?from=2021-06-02&to=2021-06-02",
                            headers=party["legal"])).get_json()
    assert june_2["current"]["cases_filed"] == 1 and june_2["current"]["waived_cases"] == 1


def test_district_scope_and_bad_periods(client, party, history, login):
    assert client.get("/api/v1/reports/summary?district=310101",
                      headers=party["legal"]).status_code == 404
    outsider = _ok(client.get("/api/v1/reports/summary?from=2021-01-01&to=2021-12-31",
                              headers=login("legal", "310101"))).get_json()
    assert outsider["current"]["cases_filed"] == 0
    city = _ok(client.get("/api/v1/reports/summary?from=2021-01-01&to=2021-12-31",
                          headers=login("admin", "310000"))).get_json()
    assert city["district"] is None and city["current"]["cases_filed"] == 3
    backwards = client.get("/api/v1/reports/summary?from=2021-12-31&to=2021-01-01",
                           headers=party["legal"])
    assert backwards.status_code == 422 and "to" in backwards.get_json()["errors"]
    assert client.get("/api/v1/reports/summary?district=999",
                      headers=party["legal"]).status_code == 422
    assert client.get("/api/v1/reports/summary", headers=login("inspector")).status_code == 403


def test_the_csv_and_xlsx_downloads_carry_the_same_figures_in_yuan(client, party, history):
    query = "?from=2021-01-01&to=2021-12-31"
    response = _ok(client.get(f"/api/v1/reports/summary.csv{query}", headers=party["legal"]))
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["范围 scope", "项目 key", "立案数", "处罚决定数"]
    total = dict(zip(rows[0], rows[1], strict=True))
    assert total["罚款金额(元)"] == "130000.00" and total["按日连续处罚金额(元)"] == "1000000.00"
    assert rows[3][0] == "同比 % change" and rows[3][4] == "550.0"

    response = _ok(client.get(f"/api/v1/reports/summary.xlsx{query}", headers=party["legal"]))
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == rows[0]
    assert values[1][4] == 130000.0 and sheet.cell(2, 5).number_format == "#,##0.00"
    assert [r[1] for r in values if r[0] == "违法类型 code"] == ["AIR_EXCEED", "AIR_VOC"]


def test_february_is_compared_with_the_whole_february_of_a_leap_year(
        client, party, violation, file_case, step, frozen):
    """February 2025 against February 2024 takes in the 29th: a fine decided that day counts."""
    visit = _inspected(client, party, "2024-02-28T01:30:00+00:00")
    found = violation("AIR_DUST", inspection_id=visit, occurred_on="2024-02-28")
    _fined(file_case, step, frozen, found["id"], "2024-02-29", 2_000_000)
    frozen.on("2025-03-03")
    body = _ok(client.get("/api/v1/reports/summary?from=2025-02-01&to=2025-02-28",
                          headers=party["legal"])).get_json()
    assert body["previous_period"] == {"from": "2024-02-01", "to": "2024-02-29"}
    assert body["previous_year"]["decisions"] == 1
    assert body["previous_year"]["fines_fen"] == 2_000_000
    assert body["change_pct"]["fines_fen"] == -100.0


def test_a_case_fining_one_type_and_waiving_another_counts_each_types_own_amount(
        client, party, violation, file_case, step, frozen):
    """By violation type, a fine counts under the type of the act it was decided for: a case
    that fined AIR_DUST and waived AIR_VOC shows no fine for AIR_VOC, and the types add up."""
    case, _ = decide_with_a_waived_act(violation, file_case, step, frozen)
    body = _ok(client.get("/api/v1/reports/summary?from=2021-01-01&to=2021-12-31",
                          headers=party["legal"])).get_json()
    by_code = {c["code"]: (c["decisions"], c["fines_fen"]) for c in body["by_code"]}
    assert by_code == {"AIR_DUST": (1, case["intended_fen"]), "AIR_VOC": (0, 0)}
    voc = _ok(client.get("/api/v1/reports/summary?from=2021-01-01&to=2021-12-31&code=AIR_VOC",
                         headers=party["legal"])).get_json()
    assert voc["current"]["cases_filed"] == 1 and voc["current"]["fines_fen"] == 0


EDUCATED = {"education": {"on": "2021-06-02", "method": "约谈", "content": "教育"}}
MINOR = {"minor": True, "corrected_in_time": True, "harmful_consequence": False}
MAY = {"harm_minor": True, "harmful_consequence": True, "corrected_in_time": True}


def _not_penalised(file_case, step, violation_id, **params):
    case = _ok(file_case(violation_id), 201).get_json()
    return _ok(step(case, "not_penalised", **params)).get_json()


def test_the_waiver_list_figures_count_the_acts_the_list_waived_and_name_the_other_grounds(
        client, party, violation, file_case, step, frozen):
    """LAW.md §9: "waiver list: N cases, M yuan not levied" counts the acts waived under the
    免罚清单 — also one waived in a case that fined another act — at the fine the rules would
    have given; no fault (第33条第2款), time-barred (第36条), minor outside the list and a first
    offence not fined (第33条第1款) are counted apart, each under its own name."""
    frozen.on("2021-06-02")
    decided = {name: violation(code, facts=facts, **change) for name, code, facts, change in (
        ("list", "HW_MGMT", WAIVABLE, {}), ("no_fault", "WATER_MONITOR", {"no_fault": True}, {}),
        ("time_barred", "AIR_MONITOR", None, {"occurred_on": "2018-01-02"}),
        ("minor", "PERMIT_MONITOR", MINOR, {}), ("first_offence", "AIR_EXCEED", MAY, {}))}
    zh = {name: found["decision"]["zh"] for name, found in decided.items()}
    assert {name: d["decision"] for name, d in zh.items()} == {
        "list": "waived", "no_fault": "no_fault", "time_barred": "time_barred",
        "minor": "waived", "first_offence": "may_waive"}
    assert (zh["list"]["waiver"]["ground"], zh["minor"]["waiver"]["ground"]) == (
        "list", "article_33")
    for name, found in decided.items():
        extra = {} if name == "time_barred" else EDUCATED
        _not_penalised(file_case, step, found["id"],
                       **({"reason": "首违不罚"} if name == "first_offence" else {}), **extra)
    fined_case, waived_inside = decide_with_a_waived_act(violation, file_case, step, frozen)
    would_be = {name: d["penalty"]["amount_fen"] for name, d in zh.items()}
    inside = waived_inside["decision"]["zh"]["penalty"]["would_be_amount_fen"]

    body = _ok(client.get("/api/v1/reports/summary?from=2021-01-01&to=2021-12-31",
                          headers=party["legal"])).get_json()
    now = body["current"]
    assert (now["waived_cases"], now["waived_acts"]) == (2, 2)
    assert now["not_levied_fen"] == would_be["list"] + inside
    assert (now["decisions"], now["not_penalised_decisions"]) == (1, 5)
    for name in ("no_fault", "time_barred", "minor", "first_offence"):
        assert (now[f"{name}_cases"], now[f"{name}_fen"]) == (1, would_be[name]), name
    by_code = {c["code"]: c for c in body["by_code"]}
    assert (by_code["AIR_VOC"]["waived_cases"], by_code["AIR_VOC"]["not_levied_fen"]) == (1, inside)
    assert (by_code["AIR_DUST"]["waived_cases"], by_code["AIR_DUST"]["decisions"]) == (0, 1)
    assert by_code["WATER_MONITOR"]["waived_cases"] == 0
    assert by_code["WATER_MONITOR"]["no_fault_cases"] == 1
    voc = _ok(client.get("/api/v1/reports/summary?from=2021-01-01&to=2021-12-31&code=AIR_VOC",
                         headers=party["legal"])).get_json()
    assert (voc["current"]["waived_cases"], voc["current"]["not_levied_fen"]) == (1, inside)
    assert voc["previous_year"]["waived_cases"] == 0

    response = _ok(client.get("/api/v1/reports/summary.csv?from=2021-01-01&to=2021-12-31",
                              headers=party["legal"]))
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    total = dict(zip(rows[0], rows[1], strict=True))
    assert total["免罚清单免罚案件数"] == "2"
    assert total["无主观过错不予处罚案件数"] == "1" and total["超过追责时效不予处罚案件数"] == "1"
    assert fined_case["state"] == "decided"


def test_a_daily_penalty_counts_only_under_the_type_of_its_continuing_act(
        client, party, violation, file_case, step, frozen):
    """环保法 第59条: the daily penalty multiplies the continuing act's fine; by type it counts
    under that act's type, not under every type the case cites."""
    frozen.on("2021-06-03")
    exceed, voc = violation("AIR_EXCEED"), violation()
    case = _ok(file_case(exceed["id"], voc["id"]), 201).get_json()
    case = _ok(step(case, "investigating")).get_json()
    case = _ok(step(_ok(step(case, "legal_review")).get_json(), "notified",
                    review_opinion="同意")).get_json()
    case = _ok(step(case, "decided", fine_fen=case["intended_fen"], rights_waived=True)).get_json()
    frozen.on("2021-06-25")
    daily = _ok(client.post(f"/api/v1/cases/{case['id']}/daily-penalties", json={
        "version": case["version"],
        "rounds": [{"order_served_on": "2021-06-10", "reinspected_on": "2021-06-20"}]},
        headers=party["legal"])).get_json()
    body = _ok(client.get("/api/v1/reports/summary?from=2021-01-01&to=2021-12-31",
                          headers=party["legal"])).get_json()
    by_code = {c["code"]: (c["daily_penalty_cases"], c["daily_penalty_fen"])
               for c in body["by_code"]}
    assert by_code == {"AIR_EXCEED": (1, daily["daily_penalty_fen"]), "AIR_VOC": (0, 0)}
    assert body["current"]["daily_penalty_fen"] == daily["daily_penalty_fen"]
    voc_only = _ok(client.get(
        "/api/v1/reports/summary?from=2021-01-01&to=2021-12-31&code=AIR_VOC",
        headers=party["legal"])).get_json()
    assert voc_only["current"]["daily_penalty_cases"] == 0
    assert voc_only["current"]["decisions"] == 1


def test_a_fined_first_offence_counts_its_fine_under_its_own_type(
        client, party, violation, file_case, step, frozen):
    """处罚法 第29条: a may_waive act the decision fines is fined under its own provision, so by
    type its fine counts under its type only, as every other fined act's does."""
    frozen.on("2021-06-03")
    dust, spared = violation("AIR_DUST"), violation("AIR_EXCEED", facts=MAY)
    assert spared["decision"]["zh"]["decision"] == "may_waive"
    case = _ok(file_case(dust["id"], spared["id"]), 201).get_json()
    case = _ok(step(_ok(step(case, "investigating")).get_json(), "legal_review")).get_json()
    dust_fen = dust["decision"]["zh"]["penalty"]["amount_fen"]
    exceed_fen = spared["decision"]["zh"]["penalty"]["amount_fen"]
    act = {a["violation_ids"][0]: a["act"] for a in case["acts"]}
    fines = [{"act": act[dust["id"]], "fine_fen": dust_fen},
             {"act": act[spared["id"]], "fine_fen": exceed_fen}]  # the notice names both
    case = _ok(step(case, "notified", review_opinion="同意",
                    intended_fen=dust_fen + exceed_fen, act_fines=fines)).get_json()
    _ok(step(case, "decided", fine_fen=dust_fen + exceed_fen, rights_waived=True,
             act_fines=fines))
    body = _ok(client.get("/api/v1/reports/summary?from=2021-01-01&to=2021-12-31",
                          headers=party["legal"])).get_json()
    assert {c["code"]: c["fines_fen"] for c in body["by_code"]} == {
        "AIR_DUST": dust_fen, "AIR_EXCEED": exceed_fen}
    assert body["current"]["first_offence_cases"] == 0
