"""A value outside a field's choices (a form or query edited by hand, a stale page) is refused
naming the choices as the console labels them elsewhere, never by their internal codes."""

from __future__ import annotations

import re
from typing import Any

from tests.console.conftest import OWN
from tests.console.test_console_case_steps import _form_of


def _case(client, world: dict[str, Any]) -> dict[str, Any]:
    case_id = world[OWN]["case"]["id"]
    return client.get(f"/api/v1/cases/{case_id}", headers=world["legal"]).get_json()


def _one_of(text: str) -> str:
    """The choices a refusal names ("应为以下之一：…。")."""
    return re.search(r"应为以下之一：([^<]*?)。", text).group(1)


def test_a_step_to_no_state_names_the_case_states_in_chinese(client, console, world):
    case = _case(client, world)
    page = console("legal", OWN).post(f"/console/cases/{case['id']}/transitions", data={
        "version": case["version"], "to": "bogus"})
    assert page.status_code == 422
    said = _one_of(_form_of(page.get_data(as_text=True)).split('name="to"')[1])
    assert "已立案" in said and "调查取证" in said and "已归档" in said
    assert "filed" not in said and "investigating" not in said


def test_a_period_of_no_kind_names_the_kinds_as_the_form_offers_them(client, console, world):
    case = _case(client, world)
    page = console("legal", OWN).post(f"/console/cases/{case['id']}/suspensions", data={
        "version": case["version"], "kind": "holiday", "start": "2021-06-01",
        "end": "2021-06-02", "reason": "送检"})
    assert page.status_code == 422
    form = page.get_data(as_text=True).split('id="suspension-form"')[1].split("</form>")[0]
    assert _one_of(form.split('name="kind"')[1]) == "检测、鉴定、中止"


def test_an_account_of_no_role_names_the_roles_in_chinese(console):
    page = console("admin", OWN).post("/console/accounts", data={
        "username": "zhao.liu", "display_name": "赵六", "role": "root", "district": OWN})
    assert page.status_code == 422
    assert _one_of(page.get_data(as_text=True)) == "执法人员、科室负责人、法制审核、系统管理员"


def test_a_hand_edited_filter_names_the_choices_as_the_page_labels_them(console):
    page = console("supervisor", OWN).get("/console/conflicts?status=stale")
    assert page.status_code == 422
    assert _one_of(page.get_data(as_text=True)) == "待处理、已处理、已自动合并、全部"


def test_an_import_of_no_mode_names_the_modes_as_the_form_offers_them(console):
    page = console("supervisor", OWN).post("/console/enterprises/import", data={
        "mode": "everything"}, content_type="multipart/form-data")
    assert page.status_code == 422
    assert _one_of(page.get_data(as_text=True)) == "全部不导入、仅导入有效行"


def test_choices_without_a_label_are_named_as_they_are(app):
    from flask_babel import force_locale

    from server.console.schema_messages import said

    with app.test_request_context(), force_locale("zh"):
        assert said("format", "Must be one of: pdf, docx.") == "应为以下之一：pdf、docx。"
        assert said("to", "Must be one of: filed, closed.") == "应为以下之一：已立案、已办结。"
