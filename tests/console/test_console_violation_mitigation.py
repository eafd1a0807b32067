"""The case page's facts form records a violation's grounds for a lighter or mitigated
penalty (行政处罚法 第三十二条), as PATCH /violations takes them (`mitigation`): the rules
decide the violation again, the audit log records the change, and the case page shows them."""

from __future__ import annotations

import re
from typing import Any

from tests.api.cases.conftest import FINED
from tests.console.conftest import OWN, filed

GROUNDS = {"reduced_harm": "主动消除或者减轻违法行为危害后果",
           "coerced_or_deceived": "受他人胁迫或者诱骗实施违法行为",
           "confessed_unknown": "主动供述行政机关尚未掌握的违法行为",
           "meritorious_cooperation": "配合行政机关查处违法行为有立功表现",
           "other_statutory": "法律、法规、规章规定其他应当从轻或者减轻行政处罚的"}
ITEMS = ("（一）", "（二）", "（三）", "（四）", "（五）")


def _facts_form(page: str, violation_id: str) -> str:
    return page.split(f'id="facts-{violation_id}"')[1].split("</form>")[0]


def _item(page: str, violation_id: str) -> str:
    """The violation's part of the case page before its facts form."""
    return page.split(f'id="violation-{violation_id}"')[1].split(f'id="facts-{violation_id}"')[0]


def _violation(client, world: dict[str, Any], violation_id: str) -> dict[str, Any]:
    return client.get(f"/api/v1/violations/{violation_id}", headers=world["legal"]).get_json()


def _refused(console, case: dict[str, Any], found: dict[str, Any], status: int,
             data: dict[str, Any]) -> str:
    """Send the facts form as legal staff; the form as the refusal shows it again."""
    answer = console("legal", OWN).post(
        f"/console/cases/{case['id']}/violations/{found['id']}/facts", data=data)
    assert answer.status_code == status, answer.get_data(as_text=True)
    return _facts_form(answer.get_data(as_text=True), found["id"])


def _checked(form: str) -> list[str]:
    return re.findall(r'<input type="checkbox"[^>]*name="mitigation" value="(\w+)"[^>]* checked',
                      form)


def test_the_facts_form_offers_each_ground_of_article_32_labelled_and_explained(console, world):
    case, found = world[OWN]["case"], world[OWN]["violations"][1]
    page = console("legal", OWN).get(f"/console/cases/{case['id']}").get_data(as_text=True)
    form = _facts_form(page, found["id"])
    assert "《中华人民共和国行政处罚法》第三十二条" in form
    boxes = re.findall(r'<input type="checkbox" id="([^"]+)" name="mitigation" value="(\w+)"',
                       form)
    assert [value for _, value in boxes] == list(GROUNDS)
    for (box_id, key), item in zip(boxes, ITEMS, strict=True):
        label = form.split(f'for="{box_id}"')[1].split("</li>")[0]
        assert GROUNDS[key] in label, key
        assert f"第三十二条第{item}项" in label, key  # one line: what it means, and its basis
    assert "从轻30%" in form  # what the rules do with a ground, from the rule set in force
    assert _checked(form) == []


def test_legal_staff_record_grounds_the_rules_lighten_the_fine_and_the_page_shows_them(
        app, client, console, world):
    case, found = world[OWN]["case"], world[OWN]["violations"][1]
    before = found["decision"]["zh"]["penalty"]["amount_fen"]
    session = console("legal", OWN)
    url = f"/console/cases/{case['id']}/violations/{found['id']}/facts"
    answer = session.post(url, data={
        "version": found["version"], "corrected_in_time": "no", "harmful_consequence": "yes",
        "corrected_on_spot": "no", "mitigation_shown": "1",
        "mitigation": ["confessed_unknown", "reduced_harm"]})
    assert answer.status_code == 303, answer.get_data(as_text=True)
    now = _violation(client, world, found["id"])
    assert now["mitigation"] == ["reduced_harm", "confessed_unknown"]
    assert now["facts"] == FINED
    penalty = now["decision"]["zh"]["penalty"]
    assert penalty["amount_fen"] < before
    assert any(step["step"] == "mitigation" for step in penalty["trace"])
    from server.audit.models import AuditEntry
    from server.extensions import db
    with app.app_context():
        entry = db.session.query(AuditEntry).filter_by(
            action="violation.update", entity_id=found["id"]).one()
    assert "mitigation" in entry.details["fields"]
    page = session.get(f"/console/cases/{case['id']}").get_data(as_text=True)
    shown = _item(page, found["id"]).split('data-testid="mitigation"')[1].split("</p>")[0]
    assert GROUNDS["reduced_harm"] in shown and GROUNDS["confessed_unknown"] in shown
    assert GROUNDS["coerced_or_deceived"] not in shown
    assert _checked(_facts_form(page, found["id"])) == ["reduced_harm", "confessed_unknown"]
    # supervisors read the case: they see the grounds too, with no form to change them
    other = console("supervisor", OWN).get(f"/console/cases/{case['id']}").get_data(as_text=True)
    assert GROUNDS["reduced_harm"] in other.split(f'id="violation-{found["id"]}"')[1]


def test_unticking_every_ground_clears_them_and_the_fine_is_decided_again(
        client, console, world):
    case, found = world[OWN]["case"], world[OWN]["violations"][1]
    before = found["decision"]["zh"]["penalty"]["amount_fen"]
    session = console("legal", OWN)
    url = f"/console/cases/{case['id']}/violations/{found['id']}/facts"
    assert session.post(url, data={"version": found["version"], "mitigation_shown": "1",
                                   "mitigation": "reduced_harm"}).status_code == 303
    assert session.post(url, data={"version": found["version"] + 1,
                                   "mitigation_shown": "1"}).status_code == 303
    now = _violation(client, world, found["id"])
    assert now["mitigation"] == []
    assert now["decision"]["zh"]["penalty"]["amount_fen"] == before
    page = session.get(f"/console/cases/{case['id']}").get_data(as_text=True)
    assert 'data-testid="mitigation"' not in _item(page, found["id"])


def test_a_form_without_the_grounds_keeps_those_recorded(client, console, world):
    case, found = world[OWN]["case"], world[OWN]["violations"][1]
    session = console("legal", OWN)
    url = f"/console/cases/{case['id']}/violations/{found['id']}/facts"
    assert session.post(url, data={"version": found["version"], "mitigation_shown": "1",
                                   "mitigation": "reduced_harm"}).status_code == 303
    # a form sent without its grounds (no marker) says nothing of them: they stay
    assert session.post(url, data={"version": found["version"] + 1,
                                   "corrected_in_time": "no"}).status_code == 303
    assert _violation(client, world, found["id"])["mitigation"] == ["reduced_harm"]


def test_a_ground_the_form_does_not_offer_is_refused_in_chinese_and_the_form_kept(
        client, console, world):
    case, found = world[OWN]["case"], world[OWN]["violations"][1]
    form = _refused(console, case, found, 422, {
        "version": found["version"], "corrected_in_time": "yes", "mitigation_shown": "1",
        "mitigation": ["reduced_harm", "bribed"]})
    assert 'role="alert"' in form
    grounds = form.split('name="mitigation_shown"')[1].split("</fieldset>")[0]
    assert "不是本表所列的从轻或者减轻处罚情形" in grounds and "bribed" in grounds
    assert form.count("不是本表所列的从轻或者减轻处罚情形") == 1  # beside the grounds only
    assert _checked(form) == ["reduced_harm"]
    assert re.search(r'name="corrected_in_time">.*?<option value="yes" selected>', form, re.S)
    now = _violation(client, world, found["id"])
    assert now["mitigation"] == [] and now["version"] == found["version"]


def test_a_refusal_of_another_input_keeps_the_grounds_ticked(client, console, world):
    case, found = filed(client, world, "PERMIT_LEDGER", FINED, "未建立台账")
    form = _refused(console, case, found, 422, {
        "version": found["version"], "bases.instances": "0", "mitigation_shown": "1",
        "mitigation": ["meritorious_cooperation", "coerced_or_deceived"]})
    assert _checked(form) == ["coerced_or_deceived", "meritorious_cooperation"]
    assert _violation(client, world, found["id"])["mitigation"] == []


def test_a_stale_form_with_grounds_is_refused_in_chinese_and_nothing_is_changed(
        client, console, world):
    case, found = world[OWN]["case"], world[OWN]["violations"][1]
    form = _refused(console, case, found, 409, {
        "version": found["version"] + 3, "mitigation_shown": "1", "mitigation": "reduced_harm"})
    assert "已被他人修改" in form and _checked(form) == ["reduced_harm"]
    assert _violation(client, world, found["id"])["mitigation"] == []


def test_a_refused_ground_where_the_form_shows_none_is_said_above_the_form(
        client, console, world, monkeypatch):
    from server.console import mitigation_form

    monkeypatch.setattr(mitigation_form, "offered", lambda on, recorded, lang: {
        "grounds": [], "reduce_percent": None, "verified": False})  # no discretion in force
    case, found = world[OWN]["case"], world[OWN]["violations"][1]
    form = _refused(console, case, found, 422, {  # a hand-made form sends a ground anyway
        "version": found["version"], "mitigation_shown": "1", "mitigation": ["reduced_harm"]})
    assert 'name="mitigation_shown"' not in form
    assert form.count("不是本表所列的从轻或者减轻处罚情形") == 1  # in the box above the form


def _step_input(page: str, name: str) -> str:
    """The next-step form's input `name`."""
    form = page.split('id="step-form"')[1].split("</form>")[0]
    return re.search(rf'<input id="t-{name}" name="{name}"[^>]*>', form).group(0)


def _record_grounds(console, world: dict[str, Any], grounds: dict[int, list[str]]) -> None:
    """Legal staff tick grounds on the district case's violations (by their index)."""
    case = world[OWN]["case"]
    for index, keys in grounds.items():
        found = world[OWN]["violations"][index]
        answer = console("legal", OWN).post(
            f"/console/cases/{case['id']}/violations/{found['id']}/facts",
            data={"version": found["version"], "mitigation_shown": "1", "mitigation": keys})
        assert answer.status_code == 303, answer.get_data(as_text=True)


def _move(client, world: dict[str, Any], *steps: dict[str, Any]) -> dict[str, Any]:
    case = client.get(f"/api/v1/cases/{world[OWN]['case']['id']}",
                      headers=world["legal"]).get_json()
    for step in steps:
        answer = client.post(f"/api/v1/cases/{case['id']}/transitions", headers=world["legal"],
                             json={"version": case["version"], **step})
        assert answer.status_code == 200, answer.get_json()
        case = answer.get_json()
    return case


def test_the_notice_form_drafts_the_mitigation_ground_from_the_grounds_recorded(
        client, console, world):
    _record_grounds(console, world, {1: ["confessed_unknown", "coerced_or_deceived"],
                                     0: ["reduced_harm", "coerced_or_deceived"]})
    case = _move(client, world, {"to": "investigating"})
    page = console("legal", OWN).get(f"/console/cases/{case['id']}").get_data(as_text=True)
    drafted = _step_input(page, "mitigation")
    # each ground once, in the order of Art. 32's items, as the facts form names it
    assert f'value="{GROUNDS["reduced_harm"]}；{GROUNDS["coerced_or_deceived"]}；' \
        f'{GROUNDS["confessed_unknown"]}"' in drafted, drafted
    assert "readonly" not in drafted and "disabled" not in drafted  # a draft: still editable


def test_no_ground_recorded_drafts_nothing_and_a_refused_notice_keeps_what_was_typed(
        client, console, world):
    case = _move(client, world, {"to": "investigating"})
    session = console("legal", OWN)
    page = session.get(f"/console/cases/{case['id']}").get_data(as_text=True)
    assert 'value=""' in _step_input(page, "mitigation")
    _record_grounds(console, world, {1: ["reduced_harm"]})
    case = _move(client, world)
    answer = session.post(f"/console/cases/{case['id']}/transitions", data={
        "to": "notified", "version": case["version"], "intended_yuan": "一万",
        "mitigation": "当事人自行改写的理由"})
    assert answer.status_code == 422, answer.get_data(as_text=True)  # not an amount in yuan
    drafted = _step_input(answer.get_data(as_text=True), "mitigation")
    assert 'value="当事人自行改写的理由"' in drafted, drafted


def test_the_decision_form_is_not_drafted_so_the_decision_keeps_the_notices_ground(
        client, console, world):
    _record_grounds(console, world, {1: ["reduced_harm"]})
    case = _move(client, world, {"to": "investigating"}, {"to": "legal_review"},
                 {"to": "notified", "intended_fen": 3_000_000, "review_opinion": "同意"})
    page = console("legal", OWN).get(f"/console/cases/{case['id']}").get_data(as_text=True)
    assert GROUNDS["reduced_harm"] not in _step_input(page, "mitigation")
