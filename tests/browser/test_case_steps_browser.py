"""The case page's next-step form in a real browser: only the chosen step's inputs show, a
refused step keeps what was typed, and a hearing is set with its chair."""

from __future__ import annotations

from playwright.sync_api import expect

from server import clock
from server.workdays import add_working_days
from tests.console.conftest import OWN


def _notified(client, world) -> dict:
    """The district's case notified after a legal review, through the API."""
    case = world[OWN]["case"]
    for to, params in (("investigating", {}), ("legal_review", {}),
                       ("notified", {"intended_fen": 3_000_000, "review_opinion": "同意"})):
        response = client.post(f"/api/v1/cases/{case['id']}/transitions",
                               json={"to": to, "version": case["version"], **params},
                               headers=world["legal"])
        assert response.status_code == 200, response.get_json()
        case = response.get_json()
    return case


def test_the_form_shows_the_chosen_steps_inputs_and_keeps_them_when_refused(
        signed_in, live_url, client, world, shoot):
    case = _notified(client, world)
    page = signed_in("legal", OWN)
    page.goto(f"{live_url}/console/cases/{case['id']}")
    form = page.locator("#step-form")
    page.get_by_label("推进到").select_option("hearing")
    assert form.get_by_label("听证日期（通知送达后至少7个工作日）").is_visible()
    assert form.get_by_label("罚款金额（元）", exact=True).is_hidden()
    assert form.get_by_label("教育内容").is_hidden()
    page.get_by_label("推进到").select_option("decided")
    assert form.get_by_label("罚款金额（元）", exact=True).is_visible()
    assert form.get_by_label("教育内容").is_visible()  # a waived act: its party is educated
    assert form.get_by_label("听证主持人", exact=True).is_hidden()

    page.get_by_label("推进到").select_option("hearing")
    today = clock.today_shanghai()
    form.get_by_label("听证通知送达日期").fill(today.isoformat())
    form.get_by_label("听证日期（通知送达后至少7个工作日）").fill(
        add_working_days(today, 6).isoformat())
    form.get_by_label("听证主持人", exact=True).fill("李主持")
    form.get_by_label("听证地点").fill("浦东新区生态环境局三楼听证室")
    form.get_by_label("主持人账号（可选，不得为本案调查人员）").select_option(str(page.user.id))
    shoot(page, "case_step_hearing")
    page.get_by_role("button", name="推进案件").click()
    expect(page.locator("#step-refused")).to_contain_text("七个工作日前通知当事人")
    assert page.get_by_label("推进到").input_value() == "hearing"
    assert form.get_by_label("听证主持人", exact=True).input_value() == "李主持"
    assert form.get_by_label("听证地点").input_value() == "浦东新区生态环境局三楼听证室"
    assert form.get_by_label("主持人账号（可选，不得为本案调查人员）").input_value() == str(
        page.user.id)
    # the page's deferred script hides the other steps' inputs once the whole page is parsed
    expect(form.get_by_label("罚款金额（元）", exact=True)).to_be_hidden()
    shoot(page, "case_step_refused")
    form.get_by_label("听证日期（通知送达后至少7个工作日）").fill(
        add_working_days(today, 7).isoformat())
    page.get_by_role("button", name="推进案件").click()
    expect(page.locator("#case-state")).to_have_text("听证")
    expect(page.locator("#step-refused")).to_have_count(0)


def test_after_a_re_notice_the_statement_form_offers_each_notice_and_the_list_names_it(
        signed_in, live_url, client, world, shoot):
    case = _notified(client, world)
    response = client.post(f"/api/v1/cases/{case['id']}/transitions", json={
        "to": "notified", "version": case["version"], "intended_fen": 2_500_000,
        "renotice_reason": "facts_corrected", "renotice_note": "排放时长更正为一个月"},
        headers=world["legal"])
    assert response.status_code == 200, response.get_json()
    today = clock.today_shanghai()
    day = f"{today.year}年{today.month}月{today.day}日"
    page = signed_in("legal", OWN)
    page.goto(f"{live_url}/console/cases/{case['id']}")
    form = page.locator("#statement-form")
    notice = form.get_by_label("陈述、申辩所针对的告知")
    assert notice.input_value() == ""  # found by the day received unless one is chosen
    assert notice.locator("option").all_inner_texts() == [
        "按收到日期（期限包含该日的最近一次告知）", f"第1次告知（{day}）", f"第2次告知（{day}）"]
    notice.select_option(label=f"第1次告知（{day}）")
    form.get_by_label("陈述申辩人", exact=True).fill("法定代表人张三")
    form.get_by_label("陈述申辩内容").fill("已整改，请求从轻处罚。")
    form.get_by_label("复核意见", exact=True).select_option("rejected")
    form.get_by_label("复核理由").fill("不影响定性。")
    shoot(page, "case_statement_renotice")
    page.get_by_role("button", name="保存陈述申辩").click()
    row = page.locator("#statement-list tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(f"第1次告知（{day}）")
    expect(page.locator("#statement-list thead")).to_contain_text("针对的告知")
