"""The task page's status form: a supervisor reviews and closes a submitted task, or cancels
one with a reason; the officers' own steps (start, submit) stay on their tablets."""

from __future__ import annotations

import re
from typing import Any

from tests.console.conftest import OTHER, OWN


def _submitted(client, world: dict[str, Any]) -> dict[str, Any]:
    """The district's complaint task, assigned, started and submitted through the API."""
    task, headers = world[OWN]["task"], world["supervisor"]
    task = client.put(f"/api/v1/tasks/{task['id']}/assignees", headers=headers, json={
        "inspectors": [str(i.id) for i in world[OWN]["inspectors"]],
        "version": task["version"]}).get_json()
    for to in ("in_progress", "submitted"):
        answer = client.post(f"/api/v1/tasks/{task['id']}/transitions", headers=headers,
                             json={"to": to, "version": task["version"]})
        assert answer.status_code == 200, answer.get_json()
        task = answer.get_json()
    return task


def _form(page: str) -> str:
    return page.split('id="task-status-form"')[1].split("</form>")[0]


def test_a_supervisor_reviews_then_closes_a_submitted_task_on_its_page(client, console, world):
    task = _submitted(client, world)
    session = console("supervisor", OWN)
    form = _form(session.get(f"/console/tasks/{task['id']}").get_data(as_text=True))
    offered = re.findall(r'<option value="(\w+)"', form)
    assert offered == ["reviewed", "cancelled"]
    answer = session.post(f"/console/tasks/{task['id']}/transitions",
                          data={"to": "reviewed", "version": task["version"]})
    assert answer.status_code == 303
    page = session.get(f"/console/tasks/{task['id']}").get_data(as_text=True)
    assert "状态: 已审核" in page
    assert re.findall(r'<option value="(\w+)"', _form(page)) == ["closed"]
    answer = session.post(f"/console/tasks/{task['id']}/transitions",
                          data={"to": "closed", "version": task["version"] + 1})
    assert answer.status_code == 303
    page = session.get(f"/console/tasks/{task['id']}").get_data(as_text=True)
    assert "状态: 已办结" in page
    assert 'id="task-status-form"' not in page


def test_cancelling_a_task_without_a_reason_is_refused_in_chinese(client, console, world):
    task = world[OWN]["task"]
    session = console("supervisor", OWN)
    answer = session.post(f"/console/tasks/{task['id']}/transitions",
                          data={"to": "cancelled", "version": task["version"]})
    assert answer.status_code == 422
    said = answer.get_data(as_text=True).split('id="task-refused"')[1].split("</div>")[0]
    assert "理由" in said and "reason" not in said.lower()
    answer = session.post(f"/console/tasks/{task['id']}/transitions",
                          data={"to": "cancelled", "version": task["version"],
                                "reason": "企业已停产"})
    assert answer.status_code == 303
    page = session.get(f"/console/tasks/{task['id']}").get_data(as_text=True)
    assert "企业已停产" in page


def test_another_districts_task_is_not_found(client, console, world):
    task = world[OTHER]["task"]
    answer = console("supervisor", OWN).post(f"/console/tasks/{task['id']}/transitions",
                                             data={"to": "cancelled", "version": task["version"],
                                                   "reason": "越权"})
    assert answer.status_code == 404


def _selected(page: str) -> list[str]:
    return re.findall(r'<option value="([0-9a-f-]{36})" selected>', page)


def test_a_refused_reassignment_shows_the_task_page_with_the_choice_and_reason_kept(
        console, world):
    task, one = world[OWN]["task"], world[OWN]["inspectors"][0]
    answer = console("supervisor", OWN).post(
        f"/console/tasks/{task['id']}/assignees",
        data={"inspectors": str(one.id), "version": task["version"], "reason": "原执法人员休假"})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert 'id="task-reason"' in page and 'value="原执法人员休假"' in page
    assert _selected(page) == [str(one.id)]
    assert "至少" in page.split('role="alert"')[1].split("</div>")[0]


def test_a_refused_status_change_shows_the_task_page_with_the_step_kept(console, world):
    task = world[OWN]["task"]
    page = console("supervisor", OWN).post(
        f"/console/tasks/{task['id']}/transitions",
        data={"to": "cancelled", "version": task["version"] + 5, "reason": "企业已停产"})
    assert page.status_code == 409
    form = _form(page.get_data(as_text=True))
    assert 'value="企业已停产"' in form
    assert '<option value="cancelled" selected>' in form


def test_the_english_task_history_separates_labels_with_an_english_colon(console, world):
    session = console("supervisor", OWN)
    assert session.post("/console/language", data={"lang": "en"}).status_code == 303
    page = session.get(f"/console/tasks/{world[OWN]['task']['id']}").get_data(as_text=True)
    history = page.split("<tbody>")[-1].split("</tbody>")[0]
    assert re.search(r"<td>[A-Z][a-z ]+: ", history) and "：" not in history


def test_a_form_refused_because_the_task_was_cancelled_meanwhile_still_says_why(
        client, console, world):
    # the task page hid a refused form's reason when the task could no longer take that form
    task, inspectors = world[OWN]["task"], world[OWN]["inspectors"]
    session = console("supervisor", OWN)
    cancelled = client.post(f"/api/v1/tasks/{task['id']}/transitions",
                            headers=world["supervisor"], json={
                                "to": "cancelled", "version": task["version"],
                                "reason": "企业已停产"})
    assert cancelled.status_code == 200, cancelled.get_json()
    for path, data in (("assignees", {"inspectors": [str(i.id) for i in inspectors],
                                      "reason": "原执法人员休假"}),
                       ("transitions", {"to": "cancelled", "reason": "重复派发"})):
        answer = session.post(f"/console/tasks/{task['id']}/{path}",
                              data=data | {"version": task["version"]})
        assert answer.status_code == 409
        page = answer.get_data(as_text=True)
        assert 'id="task-refused"' in page, path
        assert "未保存" in page.split('id="task-refused"')[1].split("</div>")[0]
