"""The task board, the plans and the import say the planning and registry services' refusals
in the console's language: a refused bulk assignment shows the board again with the selection
kept and every refused task named (never by its position in the form)."""

from __future__ import annotations

import io
import re

import pytest

from tests.console.conftest import OTHER, OWN


def _ticked(page: str) -> set[str]:
    """The task ids whose box is ticked on the board."""
    return set(re.findall(r'name="task" value="([^":]+):\d+" checked', page))


def _refusals(page: str) -> str:
    return page.split('id="bulk-refusals"')[1].split("</ul>")[0]


def _bulk_one_inspector(console, world):
    """Bulk-assign the drawn random check and the complaint to one inspector."""
    session = console("supervisor", OWN)
    board = session.get("/console/tasks").get_data(as_text=True)
    drawn = world[OWN]["draw"]["selected"][0]["task_id"]
    ticked = [value for value in re.findall(r'name="task" value="([^"]+)"', board)
              if value.split(":")[0] in (drawn, world[OWN]["task"]["id"])]
    assert len(ticked) == 2
    inspector = world[OWN]["inspectors"][0]
    response = session.post("/console/tasks/assignments", data={
        "task": ticked, "inspectors": [str(inspector.id)], "reason": "就近安排"})
    return session, response, drawn, inspector


def test_a_refused_bulk_assignment_shows_the_board_again_in_chinese(console, world):
    session, response, drawn, inspector = _bulk_one_inspector(console, world)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "2项分派中有2项被拒绝，未分派任何任务。" in page
    refusals = _refusals(page)
    name = world[OWN]["enterprise"]["name"]
    assert refusals.count(name) == 2  # both tasks are at this enterprise: named, not numbered
    assert "双随机检查任务至少需要2名不同的执法人员" in refusals
    assert "信访投诉任务至少需要2名不同的执法人员" in refusals
    assert f"/console/tasks/{drawn}" in refusals
    assert "<strong>0</strong>" not in refusals and "<strong>1</strong>" not in refusals
    assert "assignments are refused" not in page and "distinct inspectors" not in page


def test_a_refused_bulk_assignment_keeps_the_ticked_tasks_inspectors_and_reason(
        console, world):
    _, response, drawn, inspector = _bulk_one_inspector(console, world)
    page = response.get_data(as_text=True)
    assert _ticked(page) == {drawn, world[OWN]["task"]["id"]}
    assert f'<option value="{inspector.id}" selected>' in page
    assert 'value="就近安排"' in page


def test_the_same_refusal_in_english_names_the_tasks_too(console, world):
    session = console("supervisor", OWN)
    assert session.post("/console/language", data={"lang": "en"}).status_code == 303
    board = session.get("/console/tasks").get_data(as_text=True)
    ticked = [v for v in re.findall(r'name="task" value="([^"]+)"', board)
              if v.startswith(world[OWN]["task"]["id"])]
    page = session.post("/console/tasks/assignments", data={
        "task": ticked, "inspectors": [str(world[OWN]["inspectors"][0].id)]}).get_data(
        as_text=True)
    assert "1 of 1 assignments are refused; nothing was assigned." in page
    assert world[OWN]["enterprise"]["name"] in _refusals(page)
    assert "needs at least 2 distinct inspectors" in _refusals(page)


def test_an_unreadable_import_file_is_refused_in_chinese(console, world):
    session = console("supervisor", OWN)
    response = session.post("/console/enterprises/import", data={
        "file": (io.BytesIO(b"\xff\xfe\x00garbage\xff"), "units.csv"),
        "mode": "all_or_nothing"}, content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "无法导入该文件：文件既不是UTF-8也不是GB18030编码的文本" in page
    assert "cannot be imported" not in page and "neither" not in page


def test_missing_import_columns_are_named_in_chinese(console, world):
    session = console("supervisor", OWN)
    page = session.post("/console/enterprises/import", data={
        "file": (io.BytesIO(b"name,district\nx,310115\n"), "units.csv"),
        "mode": "all_or_nothing"}, content_type="multipart/form-data").get_data(as_text=True)
    assert "CSV文件缺少列：credit_code、permit_class" in page
    assert "missing CSV columns" not in page


def test_a_crafted_plan_for_an_unknown_district_is_refused_in_chinese(console, world):
    session = console("supervisor", "310000")
    response = session.post("/console/plans", data={
        "name": "伪造", "district": "319999", "sample_kind": "count", "sample_value": "1",
        "period_start": "2020-01-01", "period_end": "2099-12-31"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "未知的区。" in page and "Unknown district" not in page


def test_a_crafted_plan_for_another_district_is_refused_in_chinese(console, world):
    session = console("supervisor", OWN)
    response = session.post("/console/plans", data={
        "name": "伪造", "district": OTHER, "sample_kind": "count", "sample_value": "1",
        "period_start": "2020-01-01", "period_end": "2099-12-31"})
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert f"区 {OTHER} 不在您的管辖范围（{OWN}）内。" in page
    assert "outside your scope" not in page


def _draw_nobody_can_staff(console):
    """Draw a plan of five inspectors per unit in a district that has two."""
    session = console("supervisor", OWN)
    created = session.post("/console/plans", data={
        "name": "人手不足", "district": OWN, "sample_kind": "count", "sample_value": "1",
        "inspectors_per_task": "5", "period_start": "2020-01-01",
        "period_end": "2099-12-31"})
    assert created.status_code == 303, created.get_data(as_text=True)
    return session.post(created.headers["Location"] + "/draws", data={})


def test_a_draw_nobody_can_staff_is_refused_in_chinese(console, world):
    response = _draw_nobody_can_staff(console)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "1个抽中单位无法配齐5名" in page
    assert "cannot be staffed" not in page and "eligible" not in page


def test_a_draw_nobody_can_staff_names_the_units_as_the_register_shows_them(console, world):
    page = _draw_nobody_can_staff(console).get_data(as_text=True)
    enterprise = world[OWN]["enterprise"]
    assert re.search(f"{enterprise['name']}（统一社会信用代码 {enterprise['credit_code']}）："
                     r"符合条件的执法人员\d+名", page)
    assert enterprise["id"] not in page
    assert "<strong>执法人员</strong>" in page and "<strong>inspectors</strong>" not in page



@pytest.mark.parametrize(("change", "said", "not_said"), [
    # the page said 'period.end：ends before it starts'
    ({"period_start": "2026-12-31", "period_end": "2026-12-01"},
     "<strong>结束日期</strong>：早于开始日期。", ("ends before", "period.end")),
    # and 'sample.ratio：Must be greater than 0 and less than or equal to 1.'
    ({"sample_kind": "ratio", "sample_value": "1.5"},
     "<strong>抽取数量</strong>：应大于0且不超过1。", ("Must be", "sample.ratio")),
])
def test_a_refused_plan_form_names_its_fields_and_reasons_in_chinese(
        console, world, change, said, not_said):
    response = console("supervisor", OWN).post("/console/plans", data={
        "name": "有误的计划", "district": OWN, "sample_kind": "count", "sample_value": "1",
        "period_start": "2026-12-01", "period_end": "2026-12-31", **change})
    assert response.status_code == 422
    page = response.get_data(as_text=True).split("<main")[1]
    assert said in page
    assert not any(text in page for text in not_said)


def _schedule_refused(console, schedule: str) -> str:
    """The refusal's text when a plan is created with this schedule (refused with 422)."""
    response = console("supervisor", OWN).post("/console/plans", data={
        "name": "季度抽查", "district": OWN, "sample_kind": "count", "sample_value": "1",
        "period_start": "2026-01-01", "period_end": "2026-12-31", "schedule": schedule})
    assert response.status_code == 422
    refused = response.get_data(as_text=True).split('class="refused"')[1].split("</div>")[0]
    return re.sub(r"<[^>]*>", "", refused.partition(">")[2])


@pytest.mark.parametrize("schedule", ["每季度", "0 9 1 */3", "0 25 1 */3 *"])
def test_a_plan_with_a_schedule_that_is_no_cron_expression_is_refused_in_chinese(console,
                                                                                 schedule):
    said = _schedule_refused(console, schedule)
    assert "cron 表达式" in said and "分 时 日 月 周" in said
    assert not re.search(r"[A-Za-z]{4,}", said.replace("cron", "")), said


@pytest.mark.parametrize("schedule", ["0 9 31 2 *", "0 9 30 2 *"])
def test_a_plan_with_a_schedule_that_never_fires_is_refused_in_chinese(console, schedule):
    said = _schedule_refused(console, schedule)
    assert "永远不会触发" in said, said
    assert not re.search(r"[A-Za-z]{4,}", said.replace("cron", "")), said


def test_a_refused_draw_shows_the_plan_again_with_the_reason_typed(console, world):
    session = console("supervisor", OWN)
    plan_url = session.post("/console/plans", data={
        "name": "三人一组", "district": OWN, "sample_kind": "count", "sample_value": "1",
        "inspectors_per_task": "3", "period_start": "2020-01-01",
        "period_end": "2099-12-31"}).headers["Location"]
    answer = session.post(plan_url + "/draws", data={"reason": "上次抽中企业已停产"})
    assert answer.status_code == 409  # too few certified inspectors for teams of three
    page = answer.get_data(as_text=True)
    assert 'id="d-reason"' in page and ">上次抽中企业已停产</textarea>" in page
    assert "未保存" in page.split('class="refused" role="alert"')[1].split("</div>")[0]
