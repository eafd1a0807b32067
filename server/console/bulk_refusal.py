"""A refused bulk assignment as the task board says it: each refused task named as the board
shows it (enterprise, kind, due date), never by its position in the form, with its reasons
in the user's language."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from marshmallow import ValidationError

from server.auth.policy import Actor
from server.console.refusal import refusal
from server.errors import DomainError
from server.planning import tasks
from server.registry import service as registry


def _index(field: str) -> int | None:
    """The item a field message is about (0, items.0.inspectors), or None for the form."""
    parts = field.split(".")
    if parts[0] == "items":
        parts = parts[1:]
    return int(parts[0]) if parts and parts[0].isdigit() else None


def _named(actor: Actor, task_id: Any) -> dict[str, Any]:
    """The task as the board names it; one the actor cannot see keeps the id it was sent as."""
    try:
        task = tasks.describe([tasks.get_task(actor, uuid.UUID(str(task_id)))])[0]
        name = registry.get_enterprise(actor, task["enterprise_id"]).name
    except (DomainError, ValueError):
        return {"id": str(task_id), "name": str(task_id), "kind": None, "due_date": None,
                "link": False}
    return {"id": str(task["id"]), "name": name, "kind": task["kind"],
            "due_date": task["due_date"], "link": True}


def describe(actor: Actor, error: DomainError | ValidationError,
             items: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The refusal's message, the refused tasks with their reasons, and the form's other
    messages (a missing inspector, a reason too long)."""
    _, detail, errors = refusal(error)
    refused: dict[int, list[str]] = {}
    other: dict[str, list[str]] = {}
    for field, problems in errors.items():
        index = _index(field)
        if index is not None and index < len(items):
            refused.setdefault(index, []).extend(problems)
        else:
            other.setdefault(field, []).extend(problems)
    named = [_named(actor, items[index]["task_id"]) | {"reasons": reasons}
             for index, reasons in sorted(refused.items())]
    return {"detail": detail, "tasks": named, "other": other}
