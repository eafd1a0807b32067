"""The case page's extension form in a real browser: a refused extension says why in Chinese
and keeps what was typed; corrected, it extends the decision deadline."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.console.conftest import OWN


def test_a_supervisor_extends_the_deadline_after_a_refusal_that_kept_the_form(
        signed_in, live_url, client, world, shoot):
    case = world[OWN]["case"]
    page = signed_in("supervisor", OWN)
    page.goto(f"{live_url}/console/cases/{case['id']}")
    form = page.locator("#extension-form")
    assert form.get_by_label("批准方式").input_value() == "approval"
    form.get_by_label("批准方式").select_option("collective")
    form.get_by_label("延长天数（不超过30日）").fill("20")
    form.get_by_label("延长理由").fill("案情复杂，需补充调查取证")
    page.get_by_role("button", name="延长期限").click()
    expect(page.locator("#extension-refused")).to_contain_text("第1次延长期限应当经负责人批准。")
    form = page.locator("#extension-form")
    assert form.get_by_label("批准方式").input_value() == "collective"
    assert form.get_by_label("延长天数（不超过30日）").input_value() == "20"
    assert form.get_by_label("延长理由").input_value() == "案情复杂，需补充调查取证"
    shoot(page, "case_extension_refused")
    form.get_by_label("批准方式").select_option("approval")
    page.get_by_role("button", name="延长期限").click()
    expect(page.locator("#extension-list")).to_contain_text("案情复杂，需补充调查取证")
    expect(page.locator("#extension-refused")).to_have_count(0)
    extended = client.get(f"/api/v1/cases/{case['id']}", headers=world["legal"]).get_json()
    assert [(e["approval"], e["days"]) for e in extended["extensions"]] == [("approval", 20)]
