"""The case page's facts form also records a violation's discretion factors (裁量因素, graded
1–5 by the factor table in force) and the bases its fine is computed from (instances, total
investment, disposal cost), as PATCH /violations accepts them."""

from __future__ import annotations

from typing import Any

from tests.api.cases.conftest import FINED
from tests.console.conftest import OTHER, OWN, filed


def _facts_form(page: str, violation_id: str) -> str:
    return page.split(f'id="facts-{violation_id}"')[1].split("</form>")[0]


def _violation(client, world: dict[str, Any], violation_id: str) -> dict[str, Any]:
    return client.get(f"/api/v1/violations/{violation_id}", headers=world["legal"]).get_json()


def _ledger_case(client, world: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A case of a missing management ledger, fined per instance (许可条例 第37条)."""
    return filed(client, world, "PERMIT_LEDGER", FINED, "未建立台账")


def test_legal_staff_grade_the_discretion_factors_and_keep_the_facts(client, console, world):
    case, found = world[OWN]["case"], world[OWN]["violations"][1]
    session = console("legal", OWN)
    form = _facts_form(session.get(f"/console/cases/{case['id']}").get_data(as_text=True),
                       found["id"])
    assert "危害后果程度" in form and 'name="factors.harm"' in form
    assert 'name="bases.instances"' not in form  # a fine in a range is computed from nothing
    answer = session.post(f"/console/cases/{case['id']}/violations/{found['id']}/facts", data={
        "version": found["version"], "corrected_in_time": "no", "harmful_consequence": "yes",
        "corrected_on_spot": "no", "factors.harm": "4", "factors.scale": "",
        "factors.duration": "2"})
    assert answer.status_code == 303, answer.get_data(as_text=True)
    now = _violation(client, world, found["id"])
    assert now["factors"] == {"harm": 4, "duration": 2}
    assert now["facts"] == FINED
    form = _facts_form(session.get(f"/console/cases/{case['id']}").get_data(as_text=True),
                       found["id"])
    assert '<option value="4" selected>' in form.split('name="factors.harm"')[1]


def test_a_fine_per_instance_asks_the_instances_and_a_bad_count_is_refused_as_typed(
        client, console, world):
    case, found = _ledger_case(client, world)
    session = console("legal", OWN)
    url = f"/console/cases/{case['id']}/violations/{found['id']}/facts"
    form = _facts_form(session.get(f"/console/cases/{case['id']}").get_data(as_text=True),
                       found["id"])
    assert 'name="bases.instances"' in form and "排污许可管理类别" in form
    refused = session.post(url, data={"version": found["version"], "bases.instances": "0",
                                      "factors.permit_class": "5"})
    assert refused.status_code == 422
    form = _facts_form(refused.get_data(as_text=True), found["id"])
    assert 'role="alert"' in form and "应在1至10,000之间" in form
    assert 'value="0"' in form and '<option value="5" selected>' in form
    assert _violation(client, world, found["id"])["bases"] == {}
    saved = session.post(url, data={"version": found["version"], "bases.instances": "3",
                                    "factors.permit_class": "5"})
    assert saved.status_code == 303, saved.get_data(as_text=True)
    now = _violation(client, world, found["id"])
    assert now["bases"] == {"instances": 3} and now["factors"] == {"permit_class": 5}
    assert now["decision"]["zh"]["penalty"]["amount_fen"] >= 3 * 500_000


def test_another_districts_violation_is_not_graded(client, console, world):
    case, found = world[OTHER]["case"], world[OTHER]["violations"][1]
    answer = console("legal", OWN).post(
        f"/console/cases/{case['id']}/violations/{found['id']}/facts",
        data={"version": found["version"], "factors.harm": "5"})
    assert answer.status_code == 404
    assert _violation(client, world, found["id"])["factors"] == {}


def _beside(form: str, name: str) -> str:
    """What the facts form shows next to an input."""
    return form.split(f'name="{name}"')[1].split("</div>")[0]


def test_a_refused_facts_form_says_each_error_once_beside_its_input(client, console, world):
    case, found = _ledger_case(client, world)
    refused = console("legal", OWN).post(
        f"/console/cases/{case['id']}/violations/{found['id']}/facts",
        data={"version": found["version"], "bases.instances": "0",
              "factors.permit_class": "9", "corrected_on": "2021-13-45"})
    assert refused.status_code == 422
    form = _facts_form(refused.get_data(as_text=True), found["id"])
    top = form.split('role="alert"')[1].split("</div>")[0]
    assert "部分字段无效" in top and 'class="errors"' not in top  # every error has its input
    for name, said in (("bases.instances", "应在1至10,000之间"),
                       ("factors.permit_class", "应在1至5之间"),
                       ("corrected_on", "不是有效的日期")):
        assert said in _beside(form, name) and form.count(said) == 1, name


def test_a_facts_form_error_of_no_input_is_the_one_listed_above_the_form(client, console, world):
    case, found = _ledger_case(client, world)
    refused = console("legal", OWN).post(
        f"/console/cases/{case['id']}/violations/{found['id']}/facts",
        data={"version": "第三版", "bases.instances": "0"})
    assert refused.status_code == 422
    form = _facts_form(refused.get_data(as_text=True), found["id"])
    top = form.split('role="alert"')[1].split("</div>")[0]
    assert "页面版本" in top and "应在1至10,000之间" not in top
    assert form.count("应在1至10,000之间") == 1
