"""The facts form's grounds of 行政处罚法 第32条 in a real browser: each box labelled by its
ground and meaning, a refusal shown where the form is (not at the page's top) with the ticks
kept, and the grounds recorded on the case page."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.console.conftest import OWN


def test_legal_staff_tick_a_ground_see_a_stale_forms_refusal_in_view_and_record_it(
        signed_in, live_url, client, world, shoot):
    case, found = world[OWN]["case"], world[OWN]["violations"][1]
    page = signed_in("legal", OWN)
    page.goto(f"{live_url}/console/cases/{case['id']}")
    item = page.locator(f"#violation-{found['id']}")
    item.get_by_text("记录查明的事实").click()
    form = page.locator(f"#facts-{found['id']}")
    grounds = form.get_by_role(
        "group", name="应当从轻或者减轻处罚的情形（《中华人民共和国行政处罚法》第三十二条）")
    assert grounds.get_by_role("checkbox").count() == 5
    harm = grounds.get_by_label("主动消除或者减轻违法行为危害后果")
    expect(harm).not_to_be_checked()
    harm.check()  # by its label: the label is tied to the box
    shoot(page, "facts_grounds_ticked")
    # meanwhile another reader records a fact: this form is stale and refused as typed
    stale = client.patch(f"/api/v1/violations/{found['id']}", headers=world["legal"], json={
        "version": found["version"], "facts": {"harmful_consequence": True}})
    assert stale.status_code == 200, stale.get_json()
    form.get_by_role("button", name="保存事实").click()
    refusal = page.locator(f"#facts-{found['id']}-refused")
    expect(refusal).to_contain_text("未保存")
    expect(refusal).to_be_in_viewport()
    form = page.locator(f"#facts-{found['id']}")
    expect(form.get_by_label("主动消除或者减轻违法行为危害后果")).to_be_checked()
    shoot(page, "facts_refused_in_view")
    form.get_by_role("button", name="保存事实").click()
    recorded = page.locator(f"#violation-{found['id']} [data-testid=mitigation]")
    expect(recorded).to_contain_text("主动消除或者减轻违法行为危害后果")
    expect(recorded).not_to_contain_text("reduced_harm")
    shoot(page, "facts_ground_recorded")
