"""Filing a case (立案) in a real browser: open the violations desk, select one party's
violations, file, and land on the new case."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.console.conftest import OWN, desk  # noqa: F401 - the desk's unfiled violations


def test_legal_staff_file_a_case_from_the_violations_desk(signed_in, live_url, desk, shoot):  # noqa: F811
    page = signed_in("legal", OWN)
    page.get_by_role("link", name="违法行为", exact=True).click()
    expect(page.get_by_role("heading", name="违法行为台账")).to_be_visible()
    waived, fined = desk[11]["violations"]
    for violation in (waived, fined):
        page.locator(f"#v-{violation['id']}").check()
    page.get_by_label("逾期立案理由").fill("浏览器立案测试")
    page.get_by_label("简要案情").fill("喷漆车间废气未收集")
    shoot(page, "violation_desk_selected")
    page.get_by_role("button", name="立案", exact=True).click()
    expect(page).to_have_url(re.compile(r"/console/cases/[0-9a-f-]{36}$"))
    expect(page.locator("body")).to_contain_text(desk[11]["enterprise"]["name"])
    expect(page.locator("body")).to_contain_text("环立")
    shoot(page, "violation_desk_filed")


def test_legal_staff_file_two_violations_as_one_act(signed_in, live_url, desk, shoot):  # noqa: F811
    # 处罚法 第29条: the desk's form could not say that two violations are one act
    page = signed_in("legal", OWN)
    page.goto(f"{live_url}/console/violations")
    waived, fined = desk[11]["violations"]
    for violation in (waived, fined):
        page.locator(f"#v-{violation['id']}").check()
        page.locator(f"#act-{violation['id']}").select_option("A")
    page.get_by_label("逾期立案理由").fill("同一行为立案测试")
    shoot(page, "violation_desk_same_act")
    page.get_by_role("button", name="立案", exact=True).click()
    expect(page).to_have_url(re.compile(r"/console/cases/[0-9a-f-]{36}$"))
    acts = page.locator("#case-acts tbody tr")
    expect(acts).to_have_count(1)
    expect(acts.first).to_contain_text("同一违法行为")
    expect(acts.first).to_contain_text("按此项处罚")
    shoot(page, "violation_desk_same_act_filed")
