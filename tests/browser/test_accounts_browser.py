"""Accounts in a real browser: an admin creates an inspector's account and sees its password
once, the inspector signs in with it and must replace it with their own, the admin renews the
certificate and disables the account (the inspector's session ends); a supervisor reads the
district's accounts only."""

from __future__ import annotations

import re
from datetime import timedelta

from babel.dates import format_date
from playwright.sync_api import expect

from server import clock
from tests.console.conftest import OTHER, OWN


def _sign_in(page, live_url: str, username: str, password: str) -> None:
    page.goto(f"{live_url}/console/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_an_admin_creates_an_account_renews_its_certificate_and_disables_it(
        browser, signed_in, live_url, shoot):
    page = signed_in("admin", OWN)
    page.get_by_role("link", name="账户", exact=True).click()
    expect(page).to_have_url(re.compile(r"/console/accounts$"))
    new = page.locator("#new-account")
    new.get_by_label("用户名", exact=True).fill("zhao.liu")
    new.get_by_label("姓名", exact=True).fill("赵六")
    new.get_by_label("角色").select_option("inspector")
    new.get_by_label("区", exact=True).select_option(OWN)
    new.get_by_label("执法证号").fill("沪环执000777")
    soon = clock.today_shanghai() + timedelta(days=12)
    new.get_by_label("执法证有效期至").fill(soon.isoformat())
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        new.get_by_role("button", name="创建账户").click()
    assert answer.value.status == 201 and answer.value.headers["cache-control"] == "no-store"
    shown = page.locator("#generated-password")
    expect(shown).to_have_text(re.compile(r"^[A-Za-z0-9_-]{16}$"))
    password = shown.inner_text()
    shoot(page, "account_created")

    officer = browser.new_context(locale="zh-CN")
    try:
        tablet_less = officer.new_page()
        _sign_in(tablet_less, live_url, "zhao.liu", password)
        # the password the admin saw is temporary: the officer chooses their own first
        expect(tablet_less).to_have_url(re.compile(r"/console/password"))
        expect(tablet_less.locator("#temporary-password")).to_contain_text("临时密码")
        shoot(tablet_less, "password_change_required")
        tablet_less.get_by_label("当前密码").fill(password)
        tablet_less.get_by_label("新密码", exact=True).fill("赵六自己的密码 2026")
        tablet_less.get_by_label("再次输入新密码").fill("赵六自己的密码 2026")
        tablet_less.get_by_role("button", name="修改密码并登录").click()
        expect(tablet_less).to_have_url(re.compile(r"/console/$"))

        page.get_by_role("link", name="查看账户").click()
        expect(page.get_by_role("heading", name=re.compile("zhao.liu"))).to_be_visible()
        expect(page.locator("main")).not_to_contain_text(password)
        expect(page.locator("#account-expires .cert-expiring")).to_have_text("12 天后到期")
        renewed = clock.today_shanghai() + timedelta(days=3 * 365)
        page.get_by_label("执法证号").fill("沪环执000778")
        page.get_by_label("执法证有效期至").fill(renewed.isoformat())
        page.get_by_role("button", name="保存账户").click()
        expect(page.get_by_role("status")).to_have_text("账户已保存。")
        expect(page.locator("#account-expires")).to_have_text(
            format_date(renewed, "medium", locale="zh_CN"))
        expect(page.locator("main dl")).to_contain_text("沪环执000778")
        shoot(page, "account_renewed")

        page.get_by_label("状态").select_option("false")
        page.get_by_role("button", name="保存账户").click()
        expect(page.locator("#account-status")).to_have_text("停用")
        shoot(page, "account_disabled")
        tablet_less.reload()  # the disabled inspector's console session has ended
        expect(tablet_less).to_have_url(re.compile(r"/console/login"))
    finally:
        officer.close()


def test_a_supervisor_reads_the_districts_accounts_without_forms(
        signed_in, live_url, make_user, shoot):
    mine, _ = make_user("inspector", OWN)
    theirs, _ = make_user("inspector", OTHER)
    page = signed_in("supervisor", OWN)
    page.get_by_role("link", name="账户", exact=True).click()
    table = page.locator("#accounts")
    expect(table).to_contain_text(mine.username)
    expect(table).not_to_contain_text(theirs.username)
    expect(page.locator("#new-account")).to_have_count(0)
    shoot(page, "accounts_supervisor")
    table.get_by_role("link", name=mine.username).click()
    expect(page.locator("main dl")).to_contain_text(mine.certificate_no)
    expect(page.get_by_role("button", name="保存账户")).to_have_count(0)
    expect(page.get_by_role("button", name="重置密码")).to_have_count(0)
    for role in ("inspector", "legal"):
        other = signed_in(role, OWN)
        expect(other.get_by_role("link", name="账户", exact=True)).to_have_count(0)
        other.goto(f"{live_url}/console/accounts")
        expect(other.get_by_role("heading", name=re.compile("403"))).to_be_visible()


def test_reloading_the_new_password_page_does_not_reset_it_again(
        signed_in, live_url, make_user, shoot):
    officer, _ = make_user("inspector", OWN)
    page = signed_in("admin", OWN)
    page.goto(f"{live_url}/console/accounts/{officer.id}")
    page.get_by_role("button", name="重置密码").click()
    shown = page.locator("#generated-password")
    expect(shown).to_have_text(re.compile(r"^[A-Za-z0-9_-]{16}$"))
    password = shown.inner_text()
    with page.expect_response(lambda r: r.request.method == "POST") as again:
        page.reload()  # the browser sends the reset form again
    assert again.value.status == 409
    expect(page.locator("#password-already-reset")).to_contain_text("密码未再次重置")
    expect(page.locator("main")).not_to_contain_text(password)
    expect(page.locator("#generated-password")).to_have_count(0)
    shoot(page, "account_password_not_reset_again")
    page.get_by_role("button", name="再次重置密码").click()
    expect(page.locator("#generated-password")).not_to_have_text(password)
