"""A plan's page states everything its draws depend on: the units it draws from (permit
classes, industries, positive-list units) and the tasks' completion time, not only the size."""

from __future__ import annotations

import re

from tests.console.conftest import OWN


def test_a_plans_page_states_its_population_and_completion_time(client, console, world):
    plan = client.post("/api/v1/plans", headers=world["supervisor"], json={
        "name": "涂装行业专项", "district": OWN, "sample": {"ratio": 0.25},
        "period": {"start": "2020-01-01", "end": "2099-12-31"}, "due_working_days": 15,
        "population": {"permit_classes": ["key", "simplified"], "industries": ["涂装", "印刷"],
                       "include_positive_list": True}}).get_json()
    page = console("supervisor", OWN).get(f"/console/plans/{plan['id']}").get_data(as_text=True)
    facts = page.split('<dl class="grid2">')[1].split("</dl>")[0]
    assert "15 个工作日" in facts
    assert "重点管理、简化管理" in facts
    assert "涂装、印刷" in facts
    assert "25%" in facts
    assert "正面清单企业也现场检查" in facts and "是" in facts


def test_a_plan_drawing_from_every_unit_says_so(client, console, world):
    page = console("supervisor", OWN).get(
        f"/console/plans/{world[OWN]['plan']['id']}").get_data(as_text=True)
    facts = page.split('<dl class="grid2">')[1].split("</dl>")[0]
    assert facts.count("全部") >= 2 and "1 家" in facts


def test_a_refused_plan_form_comes_back_as_typed_with_the_reasons(client, console, world):
    # the refusal was an error page: every field typed was lost
    answer = console("supervisor", OWN).post("/console/plans", data={
        "name": "涂装行业专项", "district": OWN, "sample_kind": "ratio", "sample_value": "1.5",
        "period_start": "2026-12-01", "period_end": "2026-12-31", "due_working_days": "15",
        "industries": "涂装, 印刷", "permit_classes": ["key"], "include_positive_list": "on",
        "inspectors_per_task": "3"})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    form = page.split('id="plan-form"')[1].split("</form>")[0]
    assert 'role="alert"' in form and "<strong>抽取数量</strong>" in form
    for typed in ('value="涂装行业专项"', 'value="1.5"', 'value="2026-12-01"',
                  'value="2026-12-31"', 'value="15"', 'value="涂装, 印刷"', 'value="3"'):
        assert typed in form, typed
    assert re.search(r'<option value="ratio" selected', form)
    assert re.search(r'id="p-class-key"[^>]*checked', form)
    assert re.search(r'id="p-positive"[^>]*checked', form)
    assert not re.search(r'id="p-class-simplified"[^>]*checked', form)
