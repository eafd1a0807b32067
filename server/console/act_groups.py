"""The filing form's marks of the selected violations that are one act (处罚法 第29条: one act
breaking several provisions is fined once, under the provision with the highest fine), read
into the `same_act` groups of POST /api/v1/cases."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from server.errors import ValidationFailed

MARK = "same_act:"  # + a violation id; the value names its group
GROUPS = ("A", "B", "C", "D", "E", "F")


def marks(form: Any) -> dict[str, str]:
    """The group marked on each violation (violation id -> group); unmarked ones left out."""
    return {key[len(MARK):]: value for key, value in form.items()
            if key.startswith(MARK) and value}


def unmarked(form: Any) -> MultiDict:
    """The form without the marks (the other inputs as sent)."""
    return MultiDict([(key, value) for key, value in form.items(multi=True)
                      if not key.startswith(MARK)])


def same_act(form: Any) -> list[list[str]]:
    """The violation ids of each marked group, by group; a group of one is refused."""
    groups: dict[str, list[str]] = {}
    for violation_id, group in marks(form).items():
        groups.setdefault(group, []).append(violation_id)
    lonely = sorted(group for group, members in groups.items() if len(members) < 2)
    if lonely:
        raise ValidationFailed(
            gettext("An act group needs at least two of the selected violations."),
            errors={"same_act": [gettext("Group %(group)s has only one violation.",
                                         group=group) for group in lonely]})
    return [groups[group] for group in sorted(groups)]
