"""Every paged list of the API takes the same page parameters and refuses the ones it does not
know (a misspelt filter would otherwise list everything) with a problem+json naming them."""

from __future__ import annotations

import pytest

LISTS = ("/api/v1/cases", "/api/v1/enterprises", "/api/v1/tasks", "/api/v1/inspections",
         "/api/v1/users", "/api/v1/violations")


@pytest.mark.parametrize("url", LISTS)
def test_a_list_refuses_a_parameter_it_does_not_know(client, login, url):
    response = client.get(url + "?page=1&enterprise=x", headers=login("admin", "310000"))
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert set(response.get_json()["errors"]) == {"enterprise"}


@pytest.mark.parametrize("url", LISTS)
def test_a_list_answers_a_page_in_the_same_envelope(client, login, url):
    response = client.get(url + "?page=1&per_page=5", headers=login("admin", "310000"))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert {"items", "total", "page", "per_page"} <= set(body) and len(body["items"]) <= 5
    assert (body["page"], body["per_page"]) == (1, 5)
