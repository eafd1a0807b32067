"""Parts of console pages the tests read: the team shown on a task page."""

from __future__ import annotations


def task_team(response) -> str:
    """The inspectors shown on a task page."""
    return response.get_data(as_text=True).split('id="task-team">')[1].split("</span>")[0]
