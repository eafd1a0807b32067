"""One enterprise on the console: its page, and the forms to correct it, register one and
remove it, through the register's service (versioned, audited), refused in Chinese."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import select

from tests.console.conftest import OTHER, OWN


@pytest.fixture
def units(client, login, enterprise_body) -> dict[str, dict]:
    """One enterprise in each of the two districts, registered through the API."""
    boss = login("supervisor", "310000")
    found = {}
    for serial, district in enumerate((OWN, OTHER), start=1):
        response = client.post("/api/v1/enterprises", headers=boss,
                               json=enterprise_body(district, serial))
        assert response.status_code == 201, response.get_json()
        found[district] = response.get_json()
    return found


def _audit(app, entity_id) -> list:
    from server.audit.models import AuditEntry
    from server.extensions import db

    with app.app_context():
        return db.session.scalars(select(AuditEntry).where(
            AuditEntry.entity_id == str(entity_id)).order_by(AuditEntry.seq)).all()


def _saved(app, enterprise_id):
    from server.extensions import db
    from server.registry.models import Enterprise

    with app.app_context():
        return db.session.get(Enterprise, uuid.UUID(str(enterprise_id)))


def _form(unit: dict, **changes) -> dict:
    """The edit form as the page fills it for `unit`, with `changes` typed over it."""
    form = {"credit_code": unit["credit_code"], "name": unit["name"],
            "address": unit["address"], "district": unit["district"],
            "industry": unit["industry"], "permit_class": unit["permit_class"],
            "permit_number": unit["permit_number"] or "", "credit_rating": "",
            "positive_list": "false", "positive_list_from": "", "positive_list_until": "",
            "version": str(unit["version"])}
    return form | changes


def _new_form(serial: int, **changes) -> dict:
    from server.registry.credit_code import make_credit_code

    form = {"credit_code": make_credit_code(OWN, serial), "name": "上海新登记环保有限公司",
            "address": "上海市浦东新区新登记路8号", "district": OWN, "industry": "电镀",
            "permit_class": "simplified", "permit_number": "91310115XK001",
            "credit_rating": "", "positive_list": "false", "positive_list_from": "",
            "positive_list_until": ""}
    return form | changes


def test_the_enterprise_page_shows_its_details_and_the_register_links_to_it(console, units):
    session = console("inspector", OWN)
    unit = units[OWN]
    register = session.get("/console/enterprises").get_data(as_text=True)
    assert f'href="/console/enterprises/{unit["id"]}"' in register
    page = session.get(f"/console/enterprises/{unit['id']}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for shown in (unit["name"], unit["credit_code"], "浦东新区", unit["address"], "化工",
                  "重点管理", "王五"):
        assert shown in text, shown
    assert 'class="site-outline"' in text and "平方米" in text
    assert 'action="/console/enterprises/' not in text  # an inspector gets no forms


def test_another_districts_enterprise_answers_404(console, units):
    response = console("supervisor", OWN).get(f"/console/enterprises/{units[OTHER]['id']}")
    assert response.status_code == 404
    assert units[OTHER]["name"] not in response.get_data(as_text=True)


def test_an_edit_is_saved_at_the_next_version_and_audited(app, console, units):
    session = console("supervisor", OWN)
    unit = units[OWN]
    page = session.get(f"/console/enterprises/{unit['id']}").get_data(as_text=True)
    assert f'name="version" value="{unit["version"]}"' in page
    response = session.post(f"/console/enterprises/{unit['id']}",
                            data=_form(unit, name="上海更名化工有限公司", industry="涂装"))
    assert response.status_code == 303, response.get_data(as_text=True)
    saved = _saved(app, unit["id"])
    assert (saved.name, saved.industry, saved.version) == ("上海更名化工有限公司", "涂装",
                                                          unit["version"] + 1)
    assert saved.site is not None and saved.contacts  # fields the form does not hold stay
    entry = _audit(app, unit["id"])[-1]
    assert entry.action == "enterprise.update"
    assert entry.details["fields"] == ["industry", "name"]
    assert "已保存" in session.get(response.headers["Location"]).get_data(as_text=True)


def test_a_stale_edit_is_refused_in_chinese_with_the_current_values(console, units):
    session = console("supervisor", OWN)
    unit = units[OWN]
    first = session.post(f"/console/enterprises/{unit['id']}",
                         data=_form(unit, industry="涂装"))
    assert first.status_code == 303
    stale = session.post(f"/console/enterprises/{unit['id']}",
                         data=_form(unit, industry="印染"))
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert f"该企业信息已是第{unit['version'] + 1}版" in page
    assert 'name="industry" value="涂装"' in page
    assert f'name="version" value="{unit["version"] + 1}"' in page


def test_an_invalid_credit_code_is_refused_in_chinese_with_the_input_kept(app, console, units):
    session = console("supervisor", OWN)
    unit = units[OWN]
    broken = unit["credit_code"][:-1] + ("0" if unit["credit_code"][-1] != "0" else "1")
    response = session.post(f"/console/enterprises/{unit['id']}",
                            data=_form(unit, credit_code=broken, name="上海保留输入有限公司"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "企业信息不符合要求" in page and "校验码" in page and "统一社会信用代码" in page
    assert f'value="{broken}"' in page and 'value="上海保留输入有限公司"' in page
    assert _saved(app, unit["id"]).version == unit["version"]


def test_a_blank_name_gets_a_chinese_field_note(console, units):
    unit = units[OWN]
    response = console("supervisor", OWN).post(f"/console/enterprises/{unit['id']}",
                                               data=_form(unit, name=""))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Missing data" not in page and "Field may not be null" not in page
    assert re.search(r"<strong>名称</strong>", page)


def test_one_enterprise_is_registered_from_the_form(app, console, units):
    session = console("supervisor", OWN)
    form_page = session.get("/console/enterprises/new")
    assert form_page.status_code == 200
    response = session.post("/console/enterprises/new", data=_new_form(77))
    assert response.status_code == 303, response.get_data(as_text=True)
    page = session.get(response.headers["Location"]).get_data(as_text=True)
    assert "上海新登记环保有限公司" in page and "简化管理" in page
    new_id = response.headers["Location"].rsplit("/", 1)[1]
    assert _audit(app, new_id)[-1].action == "enterprise.create"


def test_registering_a_taken_credit_code_keeps_the_form_and_says_why(console, units):
    session = console("supervisor", OWN)
    response = session.post("/console/enterprises/new", data=_new_form(
        1, credit_code=units[OWN]["credit_code"]))
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "已登记" in page and 'value="上海新登记环保有限公司"' in page


def test_removal_asks_for_confirmation_then_removes(app, console, units):
    session = console("supervisor", OWN)
    unit = units[OWN]
    confirm = session.get(f"/console/enterprises/{unit['id']}/remove")
    assert confirm.status_code == 200
    assert unit["name"] in confirm.get_data(as_text=True)
    assert _saved(app, unit["id"]).deleted_at is None
    done = session.post(f"/console/enterprises/{unit['id']}/remove",
                        data={"version": str(unit["version"])})
    assert done.status_code == 303
    assert _saved(app, unit["id"]).deleted_at is not None
    assert _audit(app, unit["id"])[-1].action == "enterprise.delete"
    assert unit["name"] not in session.get("/console/enterprises").get_data(as_text=True)
    assert session.get(f"/console/enterprises/{unit['id']}").status_code == 404


def test_a_stale_removal_is_refused_in_chinese_and_removes_nothing(app, console, units):
    session = console("supervisor", OWN)
    unit = units[OWN]
    session.post(f"/console/enterprises/{unit['id']}", data=_form(unit, industry="涂装"))
    response = session.post(f"/console/enterprises/{unit['id']}/remove",
                            data={"version": str(unit["version"])})
    assert response.status_code == 409
    assert "该企业信息已是第" in response.get_data(as_text=True)
    assert _saved(app, unit["id"]).deleted_at is None


@pytest.mark.parametrize("form", ["edit", "remove", "new"])
def test_a_role_without_the_permission_is_refused(app, console, units, form):
    unit = units[OWN]
    session = console("inspector", OWN)
    url, data = {"edit": (f"/console/enterprises/{unit['id']}", _form(unit, industry="涂装")),
                 "remove": (f"/console/enterprises/{unit['id']}/remove",
                            {"version": str(unit["version"])}),
                 "new": ("/console/enterprises/new", _new_form(78))}[form]
    assert session.post(url, data=data).status_code == 403
    saved = _saved(app, unit["id"])
    assert (saved.industry, saved.deleted_at) == ("化工", None)
    assert session.get("/console/enterprises/new").status_code == 403


def test_every_field_of_the_enterprise_forms_has_a_label(console, units):
    session = console("supervisor", OWN)
    unit = units[OWN]
    for url in (f"/console/enterprises/{unit['id']}", "/console/enterprises/new",
                f"/console/enterprises/{unit['id']}/remove"):
        page = session.get(url).get_data(as_text=True)
        fields = re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*>', page)
        ids = [re.search(r'\bid="([^"]+)"', field) for field in fields]
        assert all(ids) and (fields or "remove" in url), url
        for found in ids:
            assert f'for="{found.group(1)}"' in page, (url, found.group(1))
