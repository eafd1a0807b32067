"""An address under /console that no page answers (a stale link, a mistyped address) or a
page asked with a method it does not take is the console's own error page in the user's
language, not the API's problem+json; the API and the console's static files keep theirs."""

from __future__ import annotations

import pytest

from tests.console.conftest import OWN

UNKNOWN = ("/console/no-such-page", "/console/cases/abc/nothing-here", "/console/cases%00",
           "/console/%00")


def _english(session) -> None:
    assert session.post("/console/language", data={"lang": "en"}).status_code == 303


@pytest.mark.parametrize("address", UNKNOWN)
def test_an_unknown_console_address_is_the_consoles_404_page_in_chinese(console, address):
    session = console("supervisor", OWN)
    answer = session.get(address)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 404
    assert answer.mimetype == "text/html"
    assert "无法完成 (404)" in page
    assert "此地址没有页面" in page
    assert "requested URL" not in page
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert 'href="/console/logout"' in page or "/console/logout" in page  # the console's nav


def test_an_unknown_console_address_in_english_when_the_user_picked_english(console):
    session = console("legal", OWN)
    _english(session)
    answer = session.get("/console/no-such-page")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 404
    assert "Not possible (404)" in page
    assert "There is no page at this address" in page


def test_an_unknown_console_address_before_sign_in_is_the_404_page_too(app):
    answer = app.test_client().get("/console/nothing")
    assert (answer.status_code, answer.mimetype) == (404, "text/html")
    assert "此地址没有页面" in answer.get_data(as_text=True)


def test_a_method_a_console_page_does_not_take_is_the_consoles_405_page(console):
    session = console("supervisor", OWN)
    answer = session.client.put("/console/cases")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 405
    assert answer.mimetype == "text/html"
    assert "无法完成 (405)" in page
    assert "此页面不接受这种请求（PUT）" in page
    assert "GET" in answer.headers["Allow"]
    _english(session)
    english = session.client.delete("/console/cases").get_data(as_text=True)
    assert "This page does not take this kind of request (DELETE)" in english


def test_the_api_keeps_its_problem_json_for_unknown_addresses_and_methods(app):
    client = app.test_client()
    missing = client.get("/api/v1/no-such-thing")
    assert (missing.status_code, missing.mimetype) == (404, "application/problem+json")
    assert missing.get_json()["type"].endswith("/not-found")
    wrong = client.put("/api/v1/auth/token")
    assert (wrong.status_code, wrong.mimetype) == (405, "application/problem+json")
    assert client.get("/no-such-root").mimetype == "application/problem+json"


def test_a_missing_static_file_keeps_its_answer_and_a_present_one_is_served(app):
    client = app.test_client()
    missing = client.get("/console/static/none.css")
    assert (missing.status_code, missing.mimetype) == (404, "text/html")
    assert "requested URL was not found" in missing.get_data(as_text=True)
    assert client.get("/console/static/console.css").status_code == 200
