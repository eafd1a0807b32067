"""The import API's report of refused rows is its contract: each row's field errors in the
same English whatever language the console says them in (all_or_nothing's 422 problem and
valid_only's report alike)."""

from __future__ import annotations

import io

import pytest

from tests.api.import_rows import bad_rows, registered
from tests.api.pinned import problem_body

POSITION_1 = ("position 1 (registration authority) is 'B'; expected one of 1, 2, 3, 4, 5, 6, 7, "
              "8, 9, A, N, Y")
FOREIGN = ("contains characters not allowed in a credit code: 'I' at position 17 (allowed: "
           "digits and uppercase letters except I, O, S, V, Z)")
ROWS = {
    "line 3": {"credit_code": ["duplicate of line 2 in this file"]},
    "line 4": {"credit_code": [
        "contains lowercase letters at position(s) 18; write the code in uppercase", FOREIGN]},
    "line 5": {"credit_code": [
        POSITION_1,
        "positions 3-8 (administrative division code) must be six digits, got '31A115'",
        "check character (position 18) is 'Y', expected '6'"]},
    "line 6": {"credit_code": ["check character (position 18) is '0', expected 'Y'"]},
    "line 7": {"credit_code": ["credit code must be 18 characters long, got 3"]},
    "line 8": {"district": ["outside your scope (310115)"]},
    "line 9": {"district": ["outside your scope (310115)"]},
    "line 10": {"site": ["site is neither GeoJSON nor WKT"]},
    "line 11": {"site": [
        "site is not valid GeoJSON: Expecting property name enclosed in double quotes"]},
    "line 12": {"site": [
        "the site lies outside district 310115 (100.0 % of its area is outside)"]},
    "line 13": {"site": ["the site area 1 m² is outside the plausible range 20–50,000,000 m²"]},
    "line 14": {"site": ["every ring needs at least 4 positions"]},
    "line 15": {"positive_list": ["only permit holders (key, simplified) can be listed"],
                "positive_list_until": ["ends before it starts"]},
    "line 16": {"positive_list_until": [
        "a listing is valid for at most 3 years (last day 2026-12-31)"]},
    "line 17": {"positive_list_until": ["a listed unit needs its validity dates"]},
    "line 18": {"contacts": [{"0": {"name": ["Missing data for required field."],
                                    "phone": ["digits, spaces, + - ( ) only; at most 20"]}}],
                "name": ["Missing data for required field."],
                "permit_class": ["Must be one of: key, simplified, registration."]},
    "line 19": {"_row": ["more values than columns"]},
    "line 20": {"credit_code": ["already registered"]},
}
LANGUAGES = pytest.mark.parametrize("language", [None, "zh-CN,zh;q=0.9"])


def _import(client, headers, data, query=""):
    return client.post(f"/api/v1/enterprises/import{query}", headers=headers,
                       data={"file": (io.BytesIO(data), "units.csv")},
                       content_type="multipart/form-data")


def _rows(rejected: list[dict]) -> dict[str, dict]:
    return {f"line {row['line']}": row["errors"] for row in rejected}


@pytest.fixture
def supervisor(client, login, site_in) -> dict[str, str]:
    headers = login("supervisor", "310115")
    assert _import(client, headers, registered(site_in)).status_code == 200
    return headers


@LANGUAGES
def test_refused_rows_answer_their_english_field_errors(client, supervisor, site_in,
                                                         language):
    headers = supervisor | ({"Accept-Language": language} if language else {})
    body = problem_body(_import(client, headers, bad_rows(site_in)), 422)
    rejected = body.pop("rejected")
    assert body == {"type": "/api/v1/problems/validation-error", "title": "Validation failed",
                    "status": 422, "total": 19,
                    "detail": "18 of 19 rows are invalid; nothing was imported.",
                    "errors": ROWS}
    assert _rows(rejected) == ROWS


@LANGUAGES
def test_a_valid_only_report_lists_the_same_english(client, supervisor, site_in, language):
    headers = supervisor | ({"Accept-Language": language} if language else {})
    response = _import(client, headers, bad_rows(site_in), "?mode=valid_only")
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["imported"], _rows(response.get_json()["rejected"])) == (1, ROWS)


def test_an_unknown_district_code_is_named_to_a_city_wide_importer(client, login, site_in):
    response = _import(client, login("supervisor", "310000"), bad_rows(site_in))
    assert response.status_code == 422
    assert response.get_json()["errors"]["line 8"] == {
        "district": ["unknown district code '319999'"]}
