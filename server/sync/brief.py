"""What a tablet pulls of a violation's decision: the outcome, the amounts and what the
inspector must still establish on site, in both languages, without the discretion trace.

The stored decision (both languages, every step of the trace) is some 8 KB a violation; a
tablet on a weak network gets a tenth of that, and the whole at GET /api/v1/violations/<id>.
Pure: no Flask, no database."""

from __future__ import annotations

from typing import Any

LANGS = ("zh", "en")
# Language-neutral parts, copied from the Chinese result (the legal text's).
_WAIVER = ("outcome", "eligible", "ground", "item", "items", "unmet", "unknown", "deadline",
           "deadline_kind", "window_days", "education_required")
_PENALTY = ("status", "amount_fen", "would_be_amount_fen", "statutory_min_fen",
            "statutory_max_fen", "levied", "missing")


def _pick(part: dict[str, Any] | None, names: tuple[str, ...]) -> dict[str, Any] | None:
    return None if part is None else {name: part.get(name) for name in names}


def _said(result: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    """A text of the result in each language it holds ({} when none)."""
    said = {}
    for lang in LANGS:
        value: Any = result.get(lang)
        for name in path:
            value = value.get(name) if isinstance(value, dict) else None
        if value is not None:
            said[lang] = value
    return said


def brief(result: dict[str, Any] | None, href: str) -> dict[str, Any] | None:
    """The pulled summary of a stored decision result (None when there is none)."""
    if not result:
        return None
    zh = result.get("zh") or {}
    penalty, waiver = zh.get("penalty"), zh.get("waiver")
    limitation = zh.get("limitation")
    return {
        "outcome": zh.get("decision"), "decided_on": (zh.get("violation") or {}).get(
            "decided_on"), "verified": zh.get("verified"), "rule_sets": zh.get("rule_sets"),
        "explanation": _said(result, ("explanation",)),
        "waiver": _pick(waiver, _WAIVER) | {"reason": _said(result, ("waiver", "reason"))}
        if waiver is not None else None,
        "penalty": _pick(penalty, _PENALTY) | {"basis": _said(result, ("penalty", "basis"))}
        if penalty is not None else None,
        "limitation": None if limitation is None else {
            "expired": limitation.get("expired"), "ends_on": limitation.get("ends_on")},
        "warnings": _said(result, ("warnings",)),
        "full": href}
