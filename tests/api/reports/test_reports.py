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
        "cases_filed": 3, "decisions": 2, "fines_fen": 13_000_000, "waived_cases": 1,
        "not_levied_fen": history["waived"]["decision"]["zh"]["penalty"]["would_be_amount_fen"],
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
