"""The console in a real browser: each role signs in, the map shows every district of the
scope, a draw is run, a task reassigned, a case opened with its waived violation explained,
and its case file exported and downloaded."""

from __future__ import annotations

import re
import zipfile

from playwright.sync_api import expect

from tests.console.conftest import OTHER, OWN


def test_every_role_signs_in_and_lands_on_its_page(signed_in, shoot):
    landings = {("supervisor", "310000"): "/console/map", ("supervisor", OWN): "/console/map",
                ("legal", OWN): "/console/cases", ("admin", "310000"): "/console/map",
                ("inspector", OWN): "/console/"}
    for (role, district), path in landings.items():
        page = signed_in(role, district)
        assert page.url.endswith(path), (role, page.url)
        shoot(page, f"landing_{role}_{district}")


def test_map_draws_every_district_of_the_scope(signed_in, world, shoot):
    city = signed_in("supervisor", "310000")
    city.goto(city.url)
    assert city.locator("svg.map path.district").count() == 16
    assert city.locator("svg.map .layer-violations .violation").count() == 4
    shoot(city, "map_city")
    district = signed_in("supervisor", OWN)
    assert district.locator("svg.map path.district").count() == 1
    assert district.locator(f'path.district[data-code="{OWN}"]').count() == 1
    district.get_by_role("checkbox", name="未结违法行为").uncheck()
    expect(district.locator(".layer-violations")).to_be_hidden()
    shoot(district, "map_district_violations_hidden")


def test_supervisor_runs_a_draw_and_reassigns_a_task(signed_in, live_url, world, shoot):
    page = signed_in("supervisor", OWN)
    page.goto(f"{live_url}/console/plans")
    page.get_by_label("名称", exact=True).fill("浏览器抽查计划")
    page.get_by_label("抽取数量", exact=True).fill("1")
    page.get_by_label("开始日期").fill("2020-01-01")
    page.get_by_label("结束日期").fill("2099-12-31")
    shoot(page, "plans")
    page.get_by_role("button", name="创建计划").click()
    page.get_by_role("link", name="预览本次抽取").click()
    expect(page.locator("#preview")).to_be_visible()
    expect(page.get_by_text("随机种子由服务器生成，抽取人不能指定。")).to_be_visible()
    page.get_by_role("button", name="执行抽取").click()
    expect(page.locator("#draw-seed")).to_have_text(re.compile(r"^\s*\S{32,}\s*$"))  # server's
    expect(page.locator("#verification .badge-ok")).to_be_visible()
    shoot(page, "draw")

    page.goto(f"{live_url}/console/tasks")
    first_card = page.locator(".board .card").first
    first_card.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.classList.contains('card')")
    shoot(page, "tasks")
    task = world[OWN]["task"]
    page.locator(f'.card[data-task="{task["id"]}"] a').click()
    first, second = world[OWN]["inspectors"]
    page.get_by_label("执法人员", exact=True).select_option([str(first.id), str(second.id)])
    page.get_by_label("理由").fill("就近安排")
    page.get_by_role("button", name="保存执法人员").click()
    team = page.locator("#task-team")
    expect(team).to_contain_text(first.display_name)
    expect(team).to_contain_text(second.display_name)
    shoot(page, "task_reassigned")


def test_legal_staff_open_a_case_see_the_waiver_and_download_the_export(
        signed_in, live_url, world, shoot):
    page = signed_in("legal", OWN)
    case = world[OWN]["case"]
    assert page.get_by_text(world[OTHER]["case"]["filing_number"]).count() == 0
    shoot(page, "cases")
    page.get_by_role("link", name=case["filing_number"]).click()
    expect(page).to_have_url(re.compile(f"/console/cases/{case['id']}$"))
    expect(page.locator('[data-testid="explanation"]')).to_have_count(2)
    waived = page.locator(".explanation", has_text="免罚依据")
    expect(waived).to_have_count(1)
    expect(waived).to_be_visible()
    # the thumbnail is lazy-loaded after the page: wait for it to have decoded, not read once
    page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                           arg=page.locator(".gallery img").first.element_handle())
    shoot(page, "case")
    page.get_by_role("button", name="导出案卷（ZIP）").click()
    link = page.locator("#export-download")
    link.wait_for(state="visible", timeout=60_000)
    assert page.locator("#export-progress").get_attribute("value") == "100"
    shoot(page, "case_export_ready")
    with page.expect_download() as download:
        link.click()
    path = download.value.path()
    with zipfile.ZipFile(path) as archive:
        assert "manifest.json" in archive.namelist()


def test_enterprises_and_reports_pages_render_in_english(signed_in, live_url, world, shoot):
    page = signed_in("supervisor", "310000")
    page.goto(f"{live_url}/console/enterprises")
    shoot(page, "enterprises_zh")
    page.get_by_label("语言").select_option("en")
    page.get_by_role("button", name="切换").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Enterprises")).to_be_visible()
    page.goto(f"{live_url}/console/reports?from=2021-01-01&to=2030-12-31")
    assert page.locator('[data-testid="chart-counts"] rect').count() >= 4
    shoot(page, "reports_en")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download XLSX").click()
    assert download.value.suggested_filename.endswith(".xlsx")


def test_supervisor_resolves_a_sync_conflict(signed_in, live_url, client, make_user, world,
                                            shoot):
    from tests.console.test_console_matrix import _conflict

    conflict = _conflict(client, make_user, OWN, world[OWN]["enterprise"]["id"])
    page = signed_in("supervisor", OWN)
    page.goto(f"{live_url}/console/conflicts")
    card = page.locator(f"#conflict-{conflict}")
    assert card.locator("td pre").all_inner_texts() == ["甲", "乙"]  # as written, no JSON quotes
    shoot(page, "conflicts")
    card.get_by_label("平板的值", exact=True).check()
    card.get_by_role("button", name="处理").click()
    expect(page.locator(f"#conflict-{conflict}")).to_have_count(0)
    page.get_by_label("状态").select_option("resolved")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator(f"#conflict-{conflict}")).to_contain_text("已处理: 平板的值 · 第 3 版")
    shoot(page, "conflicts_resolved")


def test_supervisor_merges_a_conflict_field_typed_as_it_reads(signed_in, live_url, client,
                                                               make_user, world, shoot):
    # the merged value was raw JSON typed in a textarea, and the card named no enterprise
    from tests.console.test_console_matrix import _conflict

    conflict = _conflict(client, make_user, OWN, world[OWN]["enterprise"]["id"])
    page = signed_in("supervisor", OWN)
    page.goto(f"{live_url}/console/conflicts")
    card = page.locator(f"#conflict-{conflict}")
    expect(card).to_contain_text(world[OWN]["enterprise"]["name"])
    expect(card).to_contain_text(world[OWN]["enterprise"]["credit_code"])
    card.get_by_label("合并后的值（见下，逐项选择或填写）").check()
    card.get_by_label("以下的值（可修改）：").check()
    box = card.get_by_label("检查情况的合并值", exact=True)
    expect(box).to_have_value("乙")
    box.fill("甲、乙两次检查所见")
    shoot(page, "conflicts_typed_merge")
    card.get_by_role("button", name="处理").click()
    expect(page.locator(f"#conflict-{conflict}")).to_have_count(0)
    page.get_by_label("状态").select_option("resolved")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator(f"#conflict-{conflict}")).to_contain_text("合并")
