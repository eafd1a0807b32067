"""Checklist answers name items of the checklist templates in force on the visit day."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from server.clock import SHANGHAI
from server.errors import ValidationFailed
from server.rulesets import service as rulesets


def refuse_unknown_items(answers: Iterable[Mapping[str, Any]], started_at: datetime, *,
                         held: Iterable[Mapping[str, Any]] = (), field: str = "checklist"
                         ) -> None:
    """Refuse answers to items that no template in force on the visit day holds; an item the
    record already holds is not asked again (its template may have changed since)."""
    kept = {answer["item"] for answer in held}
    day = started_at.astimezone(SHANGHAI).date()
    unknown = rulesets.unknown_checklist_items(
        (a["item"] for a in answers if a["item"] not in kept), day)
    if unknown:
        raise ValidationFailed(
            f"Checklist item {', '.join(unknown)} is in no checklist template in force on "
            f"{day}: answer the items of the templates (GET /api/v1/rules/sets lists them).",
            errors={field: [f"{item}: no checklist template in force on {day} has this item"
                            for item in unknown]})
