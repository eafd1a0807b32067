"""Checklist templates as the tablet pulled them: those in force on a visit day, those meant
for an enterprise, the item an answer names, and their lines for the command-line tablet."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from offline_sync.store import Store

SHANGHAI = ZoneInfo("Asia/Shanghai")

Template = dict[str, Any]


def held(store: Store) -> list[Template]:
    """Every template this tablet holds, by title."""
    return sorted(store.records("checklist_template"), key=lambda t: t.get("ref") or t["id"])


def pulled(store: Store) -> bool:
    """Whether the tablet pulled checklist templates (until then, answers are not checked)."""
    return bool(held(store) or store.records("checklist_version"))


def on(store: Store, day: date) -> list[Template]:
    """The templates in force on `day` (a record's visit day), as the server picks them: of
    every version the tablet pulled, the one of each id with the latest start in force then."""
    versions = {t.get("ref") or t["id"]: t for t in store.records("checklist_version")}
    versions.update({t.get("ref") or t["id"]: t for t in held(store)})
    chosen: dict[str, Template] = {}
    for template in versions.values():
        if not in_force(template, day):
            continue
        key = template.get("id")
        if key not in chosen or chosen[key]["effective_from"] < template["effective_from"]:
            chosen[key] = template
    return sorted(chosen.values(), key=lambda t: t.get("ref") or t["id"])


def in_force(template: Template, day: date) -> bool:
    """Whether the template applies on `day` (both ends inclusive; no dates: always)."""
    start, until = template.get("effective_from"), template.get("effective_until")
    return (not start or date.fromisoformat(start) <= day) and (
        not until or day <= date.fromisoformat(until))


def visit_day(record: dict[str, Any]) -> date:
    """The record's visit day: its start, in Shanghai (today when it has none)."""
    started = record.get("started_at")
    moment = datetime.fromisoformat(started) if started else datetime.now(SHANGHAI)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment.astimezone(SHANGHAI).date()


def meant_for(template: Template, enterprise: dict[str, Any] | None) -> bool:
    """Whether the template names this enterprise: every one, or by an industry word its
    industry label contains and by its permit class (a criterion left out holds for any)."""
    scope = template.get("applies_to") or {}
    if scope.get("every_enterprise"):
        return True
    if enterprise is None:
        return False
    industry = enterprise.get("industry") or ""
    words, classes = scope.get("industries"), scope.get("permit_classes")
    return ((not words or any(word in industry for word in words))
            and (not classes or enterprise.get("permit_class") in classes))


def find(templates: list[Template], item_id: str) -> tuple[Template, dict[str, Any]] | None:
    """The template and item an answer names, or None."""
    for template in templates:
        for item in template.get("items") or []:
            if item.get("id") == item_id:
                return template, item
    return None


def scope_text(template: Template) -> str:
    """Whom the template is meant for, in words."""
    scope = template.get("applies_to") or {}
    if scope.get("every_enterprise"):
        return "every enterprise"
    parts = []
    if scope.get("industries"):
        parts.append("industries " + "、".join(scope["industries"]))
    if scope.get("permit_classes"):
        parts.append("permit classes " + ", ".join(scope["permit_classes"]))
    return "; ".join(parts)


def lines(template: Template, answers: dict[str, dict[str, Any]] | None = None) -> list[str]:
    """The template's heading and one line per item (with its answer when `answers` given)."""
    title = template.get("title") or {}
    mark = "" if template.get("verified") else "  [unverified]"
    out = [f"{template.get('ref') or template['id']}  {title.get('zh')} / {title.get('en')}"
           f"{mark}", f"    for {scope_text(template)}"]
    for item in template.get("items") or []:
        answer = ""
        if answers is not None:
            given = answers.get(item["id"])
            answer = f"[{given['answer'] if given else '—'}]  "
        hint = f"  (no → {item['suggests']})" if item.get("suggests") else ""
        out.append(f"  {item['id']:<10} {answer}{(item.get('question') or {}).get('zh')}{hint}")
    return out
