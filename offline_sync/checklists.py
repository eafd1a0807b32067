"""Checklist templates as the tablet pulled them: those meant for an enterprise, the item an
answer names, and their lines for the command-line tablet."""

from __future__ import annotations

from typing import Any

from offline_sync.store import Store

Template = dict[str, Any]


def held(store: Store) -> list[Template]:
    """Every template this tablet holds, by title."""
    return sorted(store.records("checklist_template"), key=lambda t: t.get("ref") or t["id"])


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
