"""A task's history in words: who was assigned or unassigned, what changed and why."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import gettext, lazy_gettext

from server.auth import service as auth
from server.console.formatting import day

LABELS = {"kind": lazy_gettext("Kind"), "due_date": lazy_gettext("Due"),
          "draw_id": lazy_gettext("Draw"), "source_ref": lazy_gettext("Source"),
          "reason": lazy_gettext("Reason"),
          "working_days_overdue": lazy_gettext("Working days overdue")}
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _value(value: Any, names: Mapping[str, str]) -> str:
    """One detail as a reader sees it: people by name, days as dates, domain words in words."""
    if isinstance(value, list):
        return "、".join(_value(item, names) for item in value) or "—"
    if value in (None, ""):
        return "—"
    text = str(value)
    if text in names:
        return names[text]
    if DATE.match(text):
        return day(text)
    return gettext(text) if re.fullmatch(r"[a-z_]+", text) else text


def describe(events: Iterable[Any]) -> list[dict[str, Any]]:
    """Each event with its details as (label, text) lines, a change as 'before → after'."""
    names = {str(user.id): user.display_name for user in auth.list_users()}
    rows = []
    for event in events:
        details = dict(event.details or {})
        lines = []
        if "before" in details or "after" in details:
            lines.append((None, f"{_value(details.pop('before', None), names)} → "
                                f"{_value(details.pop('after', None), names)}"))
        for key, value in details.items():
            if value in (None, "", []):
                continue
            text = _value(value, names) if key != "draw_id" else str(value)[:8]
            lines.append((LABELS.get(key, key), text))
        rows.append({"at": event.at, "event": event.event, "lines": lines})
    return rows
