"""The case page's daily penalty form (按日连续处罚, 环保法 第59条): legal staff decide it on a
fined case whose violation has a provision for it, through the same service as the API."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest

from tests.api.cases.conftest import FINED
from tests.console.conftest import OTHER, OWN, filed


def _step(client, world: dict[str, Any], case: dict[str, Any], to: str,
          **params: Any) -> dict[str, Any]:
    response = client.post(f"/api/v1/cases/{case['id']}/transitions",
                           json={"to": to, "version": case["version"], **params},
                           headers=world["legal"])
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.fixture
def fined(client, world) -> dict[str, Any]:
    """A decided case of air emission over the limits (大气法 第99条, daily penalty 第123条)."""
    case = filed(client, world, "AIR_EXCEED", FINED, "超标排放")[0]
    for to, params in (("investigating", {}), ("legal_review", {}),
                       ("notified", {"review_opinion": "同意"})):
        case = _step(client, world, case, to, **params)
    return _step(client, world, case, "decided", fine_fen=case["intended_fen"],
                 rights_waived=True)


def _today() -> date:
    from server import clock

    return clock.today_shanghai()


def _case(client, world: dict[str, Any], case_id: str) -> dict[str, Any]:
    return client.get(f"/api/v1/cases/{case_id}", headers=world["legal"]).get_json()


def _form(page: str) -> str:
    return page.split('id="daily-form"')[1].split("</form>")[0]


@pytest.mark.parametrize(("role", "shown"), [("legal", True), ("supervisor", False),
                                             ("admin", False)])
def test_the_daily_penalty_form_shows_to_legal_staff_on_a_fined_case_with_a_provision(
        console, world, fined, role, shown):
    session = console(role, OWN)
    page = session.get(f"/console/cases/{fined['id']}").get_data(as_text=True)
    assert ('id="daily-form"' in page) == shown
    if shown:
        form = _form(page)
        assert 'name="csrf_token"' in form and "第五十九条" in page
        assert 'name="rounds.0.order_served_on"' in form
        assert 'name="rounds.0.reinspected_on"' in form
        for field_id in re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*'
                                   r'\bid="([^"]+)"', form):
            assert f'for="{field_id}"' in form, field_id
    # a case not yet fined, or of a violation without the provision, has no such form
    other = session.get(f"/console/cases/{world[OWN]['case']['id']}").get_data(as_text=True)
    assert 'id="daily-form"' not in other


def test_legal_staff_decide_the_daily_penalty_from_the_case_page(client, console, world, fined):
    today = _today()
    session = console("legal", OWN)
    answer = session.post(f"/console/cases/{fined['id']}/daily-penalties", data={
        "version": fined["version"], "on": "",
        "rounds.0.order_served_on": (today - timedelta(days=12)).isoformat(),
        "rounds.0.reinspected_on": (today - timedelta(days=2)).isoformat(),
        "rounds.1.order_served_on": "", "rounds.1.reinspected_on": "",
        "production_restricted_on": ""})
    assert answer.status_code == 303, answer.get_data(as_text=True)
    assert answer.headers["Location"].endswith(f"/console/cases/{fined['id']}#daily-penalty")
    after = _case(client, world, fined["id"])
    assert after["daily_penalty"]["total_days"] == 10
    assert after["daily_penalty_fen"] == 10 * fined["fine_fen"]
    page = session.get(f"/console/cases/{fined['id']}").get_data(as_text=True)
    section = page.split('id="daily-penalty"')[1].split("</section>")[0]
    assert 'id="daily-form"' not in page and "10" in section
    assert f"{10 * fined['fine_fen'] // 100:,}" in section


def test_a_refused_daily_penalty_is_said_in_chinese_and_keeps_what_was_typed(
        client, console, world, fined):
    today = _today()
    served, reinspected = (today - timedelta(days=2)).isoformat(), (
        today - timedelta(days=5)).isoformat()
    session = console("legal", OWN)
    url = f"/console/cases/{fined['id']}/daily-penalties"
    answer = session.post(url, data={
        "version": fined["version"], "rounds.0.order_served_on": "",
        "rounds.0.reinspected_on": "", "rounds.1.order_served_on": served,
        "rounds.1.reinspected_on": reinspected})
    assert answer.status_code == 422
    form = _form(answer.get_data(as_text=True))
    assert 'role="alert"' in form and "责令改正和复查的日期有误" in form
    row = form.split('name="rounds.1.order_served_on"')[1].split("</fieldset>")[0]
    assert "复查日期应当晚于责令改正决定送达日期" in row  # under the row typed, not row 0
    assert f'value="{served}"' in form and f'value="{reinspected}"' in form
    typo = session.post(url, data={"version": fined["version"],
                                   "rounds.0.order_served_on": "2021-02-30",
                                   "rounds.0.reinspected_on": today.isoformat()})
    assert typo.status_code == 422
    form = _form(typo.get_data(as_text=True))
    assert "不是有效的日期" in form and 'value="2021-02-30"' in form
    assert _case(client, world, fined["id"])["daily_penalty"] is None
    # the API's refusal is as it was, in English
    api = client.post(f"/api/v1/cases/{fined['id']}/daily-penalties", headers=world["legal"],
                      json={"version": fined["version"], "rounds": [
                          {"order_served_on": served, "reinspected_on": reinspected}]})
    assert api.status_code == 422
    assert api.get_json()["detail"] == "The rounds are refused."
    assert api.get_json()["errors"] == {
        "rounds[0]": ["the re-inspection must follow the service"]}


def test_a_case_of_another_district_is_not_found(client, console, world):
    other = world[OTHER]["case"]
    today = _today()
    answer = console("legal", OWN).post(f"/console/cases/{other['id']}/daily-penalties", data={
        "version": other["version"],
        "rounds.0.order_served_on": (today - timedelta(days=12)).isoformat(),
        "rounds.0.reinspected_on": (today - timedelta(days=2)).isoformat()})
    assert answer.status_code == 404
    added = console("legal", OWN).post(f"/console/cases/{other['id']}/daily-penalties",
                                       data={"version": other["version"], "add_round": "1"})
    assert added.status_code == 404


def _rounds(count: int, today: date) -> dict[str, str]:
    """`count` rounds of five days each, ten days apart, the last re-inspected yesterday."""
    start = today - timedelta(days=10 * count)
    rows = {}
    for i in range(count):
        rows[f"rounds.{i}.order_served_on"] = (start + timedelta(days=10 * i)).isoformat()
        rows[f"rounds.{i}.reinspected_on"] = (start + timedelta(days=10 * i + 5)).isoformat()
    return rows


def _row_names(form: str) -> list[str]:
    return re.findall(r'name="rounds\.(\d+)\.order_served_on"', form)


def test_legal_staff_add_rounds_past_five_and_decide_a_daily_penalty_of_seven_rounds(
        client, console, world, fined):
    session = console("legal", OWN)
    url = f"/console/cases/{fined['id']}/daily-penalties"
    form = _form(session.get(f"/console/cases/{fined['id']}").get_data(as_text=True))
    assert _row_names(form) == ["0", "1", "2", "3", "4"]
    assert 'name="add_round"' in form and 'name="rows" value="5"' in form
    typed = _rounds(7, _today())
    first_five = {k: v for k, v in typed.items() if int(k.split(".")[1]) < 5}
    added = session.post(url, data={"version": fined["version"], "rows": "5",
                                    "add_round": "1", **first_five})
    assert added.status_code == 200  # nothing decided: the form again, one row more
    form = _form(added.get_data(as_text=True))
    assert _row_names(form) == [str(i) for i in range(6)]
    assert 'role="alert"' not in form and 'name="rows" value="6"' in form
    for value in first_five.values():
        assert f'value="{value}"' in form
    assert re.search(r'name="rounds\.5\.order_served_on"[^>]*autofocus', form)
    assert _case(client, world, fined["id"])["daily_penalty"] is None
    added = session.post(url, data={"version": fined["version"], "rows": "6",
                                    "add_round": "1", **first_five})
    assert _row_names(_form(added.get_data(as_text=True))) == [str(i) for i in range(7)]
    decided = session.post(url, data={"version": fined["version"], "rows": "7", **typed})
    assert decided.status_code == 303, decided.get_data(as_text=True)
    after = _case(client, world, fined["id"])["daily_penalty"]
    assert len(after["rounds"]) == 7 and after["total_days"] == 7 * 5
    page = session.get(f"/console/cases/{fined['id']}").get_data(as_text=True)
    assert "第7轮" in page.split('id="daily-result"')[1].split("</ul>")[0]


def test_a_refused_seventh_round_is_said_under_its_row_and_every_row_is_kept(
        client, console, world, fined):
    typed = _rounds(7, _today())
    typed["rounds.6.reinspected_on"], typed["rounds.6.order_served_on"] = (
        typed["rounds.6.order_served_on"], typed["rounds.6.reinspected_on"])
    answer = console("legal", OWN).post(f"/console/cases/{fined['id']}/daily-penalties",
                                        data={"version": fined["version"], "rows": "8", **typed})
    assert answer.status_code == 422
    form = _form(answer.get_data(as_text=True))
    assert _row_names(form) == [str(i) for i in range(8)]
    row = form.split('name="rounds.6.order_served_on"')[1].split("</fieldset>")[0]
    assert "复查日期应当晚于责令改正决定送达日期" in row
    assert all(f'value="{value}"' in form for value in typed.values())
    assert _case(client, world, fined["id"])["daily_penalty"] is None


def test_the_form_grows_to_as_many_rounds_as_the_api_takes_and_no_further(console, fined):
    from schemas.cases import MAX_DAILY_ROUNDS

    assert MAX_DAILY_ROUNDS == 100
    session = console("legal", OWN)
    url = f"/console/cases/{fined['id']}/daily-penalties"
    full = _form(session.post(url, data={"version": fined["version"], "rows": "99",
                                         "add_round": "1"}).get_data(as_text=True))
    assert _row_names(full) == [str(i) for i in range(100)]
    assert 'name="add_round"' not in full
    again = _form(session.post(url, data={"version": fined["version"], "rows": "100",
                                          "add_round": "1"}).get_data(as_text=True))
    assert _row_names(again) == [str(i) for i in range(100)]
    # a row beyond the API's count is never read: the form has no such row
    tampered = _form(session.post(url, data={"version": fined["version"], "rows": "5000",
                                             "add_round": "1"}).get_data(as_text=True))
    assert len(_row_names(tampered)) == 100


@pytest.mark.parametrize("said", ["²", "⁵", "-3", "x", ""])
def test_a_row_count_that_is_no_number_shows_the_form_with_its_first_rows(console, fined, said):
    session = console("legal", OWN)
    url = f"/console/cases/{fined['id']}/daily-penalties"
    added = session.post(url, data={"version": fined["version"], "rows": said,
                                    "add_round": "1"})
    assert added.status_code == 200
    assert _row_names(_form(added.get_data(as_text=True))) == [str(i) for i in range(6)]
    refused = session.post(url, data={"version": fined["version"], "rows": said})
    assert refused.status_code == 422  # no round typed: said in Chinese, never a 500
    assert 'role="alert"' in _form(refused.get_data(as_text=True))
