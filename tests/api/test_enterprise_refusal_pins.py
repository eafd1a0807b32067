"""The register API's refusals of a registration, an edit, a move and a removal are its
contract: the same problem+json (status, type, English detail and field errors) whatever
language the console says them in."""

from __future__ import annotations

import pytest

from tests.api.pinned import problem_body

OWN, OTHER = "310115", "310101"
INVALID = {"type": "/api/v1/problems/validation-error", "title": "Validation failed",
           "status": 422, "detail": "The enterprise is not valid."}


@pytest.fixture(params=[None, "zh-CN,zh;q=0.9"], ids=["no-language", "chinese-asked"])
def boss(request, login) -> dict[str, str]:
    """A district supervisor's headers, with or without a Chinese Accept-Language."""
    headers = login("supervisor", OWN)
    return headers | ({"Accept-Language": request.param} if request.param else {})


@pytest.fixture
def registered(client, boss, enterprise_body) -> dict:
    response = client.post("/api/v1/enterprises", json=enterprise_body(), headers=boss)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_registration_of_bad_fields_answers_their_english(client, boss, enterprise_body):
    body = enterprise_body(credit_code="91310000132260250Y", positive_list=True,
                           permit_class="registration")
    assert problem_body(client.post("/api/v1/enterprises", json=body, headers=boss),
                        422) == INVALID | {"errors": {
        "credit_code": ["check character (position 18) is 'Y', expected 'X'"],
        "positive_list": ["only permit holders (key, simplified) can be listed"],
        "positive_list_until": ["a listed unit needs its validity dates"]}}


def test_a_second_registration_of_a_credit_code_answers_in_english(
        client, boss, registered, enterprise_body):
    again = client.post("/api/v1/enterprises", json=enterprise_body(), headers=boss)
    assert problem_body(again, 409) == {
        "type": "/api/v1/problems/conflict", "title": "Conflict", "status": 409,
        "detail": f"An enterprise with credit code {registered['credit_code']} is already "
                  "registered.",
        "errors": {"credit_code": ["already registered"]}}


def test_an_edit_of_a_stale_version_answers_in_english(client, boss, registered):
    url = f"/api/v1/enterprises/{registered['id']}"
    assert client.patch(url, json={"version": 1, "address": "新路2号"},
                        headers=boss).status_code == 200
    stale = client.patch(url, json={"version": 1, "address": "x"}, headers=boss)
    assert problem_body(stale, 409) == {
        "type": "/api/v1/problems/version-conflict", "title": "Version conflict",
        "status": 409, "detail": "The enterprise is at version 2, not 1.",
        "current_version": 2}
    removed = client.delete(f"{url}?version=1", headers=boss)
    assert problem_body(removed, 409) == {
        "type": "/api/v1/problems/version-conflict", "title": "Version conflict",
        "status": 409, "detail": "The enterprise is at version 2, not 1.",
        "current_version": 2}


def test_an_edit_giving_another_units_credit_code_answers_in_english(
        client, boss, registered, enterprise_body):
    other = client.post("/api/v1/enterprises", json=enterprise_body(serial=2), headers=boss)
    taken = client.patch(f"/api/v1/enterprises/{other.get_json()['id']}", headers=boss,
                         json={"version": 1, "credit_code": registered["credit_code"]})
    assert problem_body(taken, 409) == {
        "type": "/api/v1/problems/conflict", "title": "Conflict", "status": 409,
        "detail": "Another enterprise has this credit code.",
        "errors": {"credit_code": ["already registered"]}}


def test_an_edit_of_bad_fields_answers_their_english(client, boss, registered):
    url = f"/api/v1/enterprises/{registered['id']}"
    response = client.patch(url, headers=boss, json={
        "version": 1, "positive_list": True, "positive_list_from": "2024-01-01",
        "positive_list_until": "2030-01-01"})
    assert problem_body(response, 422) == INVALID | {"errors": {"positive_list_until": [
        "a listing is valid for at most 3 years (last day 2026-12-31)"]}}


def test_a_move_out_of_the_scope_answers_in_english(client, boss, registered):
    moved = client.patch(f"/api/v1/enterprises/{registered['id']}", headers=boss,
                         json={"version": 1, "district": OTHER})
    assert problem_body(moved, 403) == {
        "type": "/api/v1/problems/forbidden", "title": "Not allowed", "status": 403,
        "detail": f"District {OTHER} is outside your scope ({OWN})."}


def test_a_move_leaving_the_site_behind_answers_in_english(client, login, registered):
    city = login("supervisor", "310000")
    moved = client.patch(f"/api/v1/enterprises/{registered['id']}", headers=city,
                         json={"version": 1, "district": OTHER})
    assert problem_body(moved, 422) == INVALID | {"errors": {"site": [
        "the site lies outside district 310101 (100.0 % of its area is outside)"]}}


def test_an_unknown_enterprise_answers_in_english(client, boss):
    missing = client.patch("/api/v1/enterprises/00000000-0000-0000-0000-000000000001",
                           headers=boss, json={"version": 1, "address": "x"})
    assert problem_body(missing, 404) == {
        "type": "/api/v1/problems/not-found", "title": "Not found", "status": 404,
        "detail": "No such enterprise."}
