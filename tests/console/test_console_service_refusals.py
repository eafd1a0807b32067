"""The task lifecycle's, the recusals' (回避) and the register's refusals are message keys
the console says in Chinese through the refusal it shows on every page (server/console/
refusal.py); no console page moves a task, declares a recusal or edits an enterprise yet,
so each refusal is raised by its service and said as the console would say it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from schemas.enterprise import EnterpriseCreateSchema
from server.auth.policy import Actor
from server.console.refusal import refusal
from server.errors import DomainError
from server.planning import recusals, tasks
from server.registry import service as registry
from tests.console.conftest import OTHER, OWN

BOSS = Actor(uuid.uuid4(), "boss", "supervisor", OWN)
CITY = Actor(uuid.uuid4(), "city", "supervisor", "310000")


@pytest.fixture
def said(app) -> Callable[[Callable[[], Any]], tuple[int, str, dict[str, list[str]]]]:
    """The refusal a service call raises, as the console says it (status, text, fields)."""
    def say(call: Callable[[], Any]) -> tuple[int, str, dict[str, list[str]]]:
        with app.test_request_context("/console/"):
            with pytest.raises(DomainError) as caught:
                call()
            return refusal(caught.value)
    return say


def test_a_step_the_task_lifecycle_forbids_is_said_in_chinese(said, world):
    task = uuid.UUID(world[OWN]["task"]["id"])
    assert said(lambda: tasks.transition(BOSS, task, "reviewed", 1)) == (
        409, "任务当前为待分派，不能转为已审核（只能由已提交转入）", {})


def test_a_cancellation_without_a_reason_is_said_in_chinese(said, world):
    task = uuid.UUID(world[OWN]["task"]["id"])
    assert said(lambda: tasks.transition(BOSS, task, "cancelled", 1, "  ")) == (
        422, "请说明取消该任务的理由。", {"reason": ["取消任务须填写理由"]})


def test_a_task_due_in_the_past_or_for_a_used_source_is_said_in_chinese(app, said, world):
    enterprise = uuid.UUID(world[OWN]["enterprise"]["id"])
    late = {"kind": "complaint", "enterprise_id": enterprise, "priority": "normal",
            "due_date": date.today() - timedelta(days=2)}
    assert said(lambda: tasks.create_task(BOSS, late)) == (
        422, "办理期限已过。", {"due_date": ["须为今天或之后的日期"]})
    sourced = {"kind": "complaint", "enterprise_id": enterprise, "priority": "normal",
               "source_ref": "12345-信访"}
    with app.test_request_context("/console/"):
        tasks.create_task(BOSS, sourced)
    assert said(lambda: tasks.create_task(BOSS, sourced)) == (
        409, "该来源已有对应的检查任务。", {"source_ref": ["已被其他任务使用"]})


def test_recusal_refusals_are_said_in_chinese(app, said, world, make_user):
    enterprise = uuid.UUID(world[OWN]["enterprise"]["id"])
    first, second = world[OWN]["inspectors"]
    inspector = Actor(first.id, first.username, "inspector", OWN)
    assert said(lambda: recusals.declare(inspector, {
        "inspector_id": second.id, "enterprise_id": enterprise, "reason": "relative"})) == (
        403, "执法人员只能申报本人的回避事由。", {})
    legal = make_user("legal", OWN)[0]
    assert said(lambda: recusals.declare(BOSS, {
        "inspector_id": legal.id, "enterprise_id": enterprise, "reason": "relative"})) == (
        422, "该用户不是执法人员。", {"inspector_id": ["没有这名执法人员"]})
    body = {"inspector_id": first.id, "enterprise_id": enterprise, "reason": "relative"}
    with app.test_request_context("/console/"):
        recusals.declare(BOSS, body)
    assert said(lambda: recusals.declare(BOSS, body)) == (409, "该回避事由已申报过。", {})


def test_register_edit_refusals_are_said_in_chinese(said, world, enterprise_body):
    own, other = (world[d]["enterprise"] for d in (OWN, OTHER))
    own_id, other_id = uuid.UUID(own["id"]), uuid.UUID(other["id"])
    assert said(lambda: registry.update_enterprise(BOSS, own_id, 7, {"address": "x"})) == (
        409, "该企业信息已是第1版，不是第7版；请刷新后重试。", {})
    assert said(lambda: registry.remove_enterprise(BOSS, own_id, 7))[1] == \
        "该企业信息已是第1版，不是第7版；请刷新后重试。"
    assert said(lambda: registry.update_enterprise(BOSS, own_id, 1, {
        "positive_list": True, "positive_list_from": date(2024, 1, 1),
        "positive_list_until": date(2030, 1, 1)})) == (
        422, "企业信息不符合要求。",
        {"positive_list_until": ["正面清单有效期最长3年（最后一日为2026年12月31日）"]})
    assert said(lambda: registry.update_enterprise(
        CITY, other_id, 1, {"credit_code": own["credit_code"]})) == (
        409, "其他企业已使用该统一社会信用代码。", {"credit_code": ["已登记"]})
    again = EnterpriseCreateSchema().load(enterprise_body(OWN, 1))
    assert said(lambda: registry.register_enterprise(BOSS, again)) == (
        409, f"统一社会信用代码为{own['credit_code']}的企业已登记。", {"credit_code": ["已登记"]})


def test_a_move_that_leaves_the_site_behind_is_said_in_chinese(said, world):
    own_id = uuid.UUID(world[OWN]["enterprise"]["id"])
    assert said(lambda: registry.update_enterprise(CITY, own_id, 1, {"district": OTHER})) == (
        422, "企业信息不符合要求。", {"site": [f"场地位于区{OTHER}以外（100.0%的面积在区外）"]})
