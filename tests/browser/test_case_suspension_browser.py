"""An open suspension (中止) in a real browser: recorded without an end, refused a second time
and an end before its start, shown as 中止中 on the case page and the case desk, then ended."""

from __future__ import annotations

from playwright.sync_api import expect

from server import clock
from tests.console.conftest import OWN


def test_legal_staff_suspend_a_case_without_an_end_and_record_the_end_later(
        signed_in, live_url, world, shoot):
    case, today = world[OWN]["case"], clock.today_shanghai().isoformat()
    page = signed_in("legal", OWN)
    page.goto(f"{live_url}/console/cases/{case['id']}")
    form = page.locator("#suspension-form")
    form.get_by_label("期间类型").select_option(label="中止")
    form.get_by_label("开始日期").fill(today)
    form.get_by_label("原因").fill("当事人下落不明")
    page.get_by_role("button", name="记录期间").click()
    expect(page.locator("#suspended-note")).to_contain_text("中止中")
    expect(page.locator("#suspension-list")).to_contain_text("当事人下落不明")
    form = page.locator("#suspension-form")
    form.get_by_label("期间类型").select_option(label="中止")
    form.get_by_label("开始日期").fill(today)
    form.get_by_label("原因").fill("第二次中止")
    page.get_by_role("button", name="记录期间").click()
    expect(page.locator("#suspension-refused")).to_contain_text("已有未结束的中止")
    shoot(page, "suspension_second_refused")
    page.goto(f"{live_url}/console/cases")
    expect(page.get_by_role("row").filter(has_text=case["filing_number"])).to_contain_text("中止中")
    page.goto(f"{live_url}/console/cases/{case['id']}")
    end = page.locator("#suspension-end-form")
    end.get_by_label("中止结束日期").fill("2000-01-01")
    page.get_by_role("button", name="记录中止结束").click()
    expect(page.locator("#suspension-end-refused")).to_contain_text("至今天之间")
    assert page.locator("#suspension-end-form").get_by_label("中止结束日期").input_value() == (
        "2000-01-01")
    shoot(page, "suspension_end_refused")
    page.locator("#suspension-end-form").get_by_label("中止结束日期").fill(today)
    page.get_by_role("button", name="记录中止结束").click()
    expect(page.locator("#suspended-note")).to_have_count(0)
    expect(page.locator("#suspension-end-form")).to_have_count(0)
    shoot(page, "suspension_ended")
