"""The accounts pages say every refusal of the accounts service in the console's language
(Chinese by default, English a click away): invalid fields next to their label, a taken
username, scope and role refusals, a change to one's own account, a stale version; the
service raises message keys and the console says them, the API keeps its English."""

from __future__ import annotations

import re

from tests.console.conftest import OTHER, OWN
from tests.console.test_console_accounts import _form

CITY = "310000"
ENGLISH_LEFT = ("inspectors need", "not on your own account", "already exists",
                "unknown district", "is not valid", "No such", "outside your scope",
                "may not perform", "letters, digits", "6-digit division code")


def _refused(page: str) -> str:
    """The refusal box of an accounts form."""
    return page.split('id="account-refused"')[1].split("</div>")[0]


def _field(box: str, label: str) -> str:
    """The messages the refusal box shows for one field (by its label)."""
    found = re.search(rf"<strong>{re.escape(label)}</strong>: ([^<]*)</li>", box)
    assert found, box
    return found.group(1)


def _no_english(page: str) -> None:
    assert [text for text in ENGLISH_LEFT if text in page] == []


def test_a_new_inspector_without_a_certificate_is_refused_in_chinese(console):
    response = console("admin", OWN).post("/console/accounts", data={
        "username": "li.si", "display_name": "李四", "role": "inspector", "district": OWN})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    box = _refused(page)
    assert "未保存： 账户信息不符合要求。" in box
    assert _field(box, "执法证号") == "执法人员须有执法证号及其有效期"
    _no_english(page)


def test_a_new_account_in_an_unknown_district_is_refused_in_chinese(console):
    response = console("admin", CITY).post("/console/accounts", data={
        "username": "nowhere", "role": "legal", "district": "319999"})
    assert response.status_code == 422
    box = _refused(response.get_data(as_text=True))
    assert _field(box, "区") == "未知的区划代码“319999”（全市请用 310000）"
    _no_english(response.get_data(as_text=True))


def test_the_contract_schemas_own_messages_are_said_in_chinese(console):
    response = console("admin", CITY).post("/console/accounts", data={
        "username": "li si", "role": "legal", "district": "31011"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    box = _refused(page)
    assert _field(box, "用户名") == "1–80 个字母、数字、“.”、“_”或“-”。"
    assert _field(box, "区") == "须为 6 位行政区划代码。"
    _no_english(page)


def test_a_taken_username_is_refused_in_chinese(console, make_user):
    taken, _ = make_user("legal", OWN)
    response = console("admin", OWN).post("/console/accounts", data={
        "username": taken.username, "role": "legal", "district": OWN})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert f"用户名“{taken.username}”已被使用。" in _refused(page)
    _no_english(page)


def test_creating_an_account_outside_the_admins_district_is_refused_in_chinese(console):
    response = console("admin", OWN).post("/console/accounts", data={
        "username": "wang.wu", "role": "legal", "district": OTHER})
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert f"区 {OTHER} 不在您的管辖范围（{OWN}）内。" in page
    _no_english(page)


def test_an_account_of_another_district_is_not_found_in_chinese(console, make_user):
    theirs, _ = make_user("inspector", OTHER)
    session = console("admin", OWN)
    for response in (session.get(f"/console/accounts/{theirs.id}"),
                     session.post(f"/console/accounts/{theirs.id}/password")):
        assert response.status_code == 404
        page = response.get_data(as_text=True)
        assert "没有该记录，或它不在您的管辖范围内。" in page
        _no_english(page)


def test_clearing_an_inspectors_certificate_is_refused_in_chinese(app, console, make_user):
    inspector, _ = make_user("inspector", OWN)
    response = console("admin", OWN).post(f"/console/accounts/{inspector.id}", data=_form(
        inspector, certificate_no="", certificate_expires=""))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert _field(_refused(page), "执法证号") == "执法人员须有执法证号及其有效期"
    _no_english(page)


def test_disabling_or_demoting_oneself_is_refused_in_chinese(app, console):
    from server.auth.models import User
    from server.extensions import db

    session = console("admin", OWN)
    with app.app_context():
        me = db.session.get(User, session.user.id)
    response = session.post(f"/console/accounts/{me.id}",
                            data=_form(me, role="legal", active="false"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    box = _refused(page)
    assert "不能停用自己的账户、更改自己的角色或把自己调到其他区。" in box
    assert _field(box, "角色") == "不能用于自己的账户"
    assert _field(box, "状态") == "不能用于自己的账户"
    _no_english(page)


def test_the_same_refusals_in_english_when_the_user_picked_english(console, make_user):
    session = console("admin", OWN)
    assert session.post("/console/language", data={"lang": "en"}).status_code == 303
    page = session.post("/console/accounts", data={
        "username": "li.si", "role": "inspector", "district": OWN}).get_data(as_text=True)
    box = _refused(page)
    assert "The account is not valid." in box
    assert _field(box, "Certificate number") == (
        "inspectors need a certificate number and its expiry date")
    taken, _ = make_user("legal", OWN)
    again = session.post("/console/accounts", data={
        "username": taken.username, "role": "legal", "district": OWN})
    assert f"The username “{taken.username}” is already taken." in _refused(
        again.get_data(as_text=True))
    far = session.post("/console/accounts", data={
        "username": "far", "role": "legal", "district": OTHER}).get_data(as_text=True)
    assert f"District {OTHER} is outside your scope ({OWN})." in far
