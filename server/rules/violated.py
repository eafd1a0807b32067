"""PURE: the provisions a violation violated as its stored decision gives them, each with
whether the rule data that names it is verified (LAW.md: unconfirmed data is shown as such).

A decision names them since the rules' answers carry `violated_articles`: the waiver item's
(the behaviour the list names, e.g. item 2's 环评法 第24条第1款 for a major change recorded
as EIA_UNAPPROVED) when the item gives any, else the catalogue entry's. An older decision,
stored without them, is read from the rule-set versions it cites, the same way. None is named
when the data gives none (a dash in LAW.md: not yet known).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from server.rules.book import RuleBook
from server.rules.model import Catalogue, WaiverList


@dataclass(frozen=True, slots=True)
class Provision:
    """One provision violated, as the rule data cites it (环评法 第24条第1款)."""

    article: str
    verified: bool


def _rule_set(book: RuleBook, ref: str | None, kind: type) -> Any:
    """The cited version, when the book holds it as that kind."""
    try:
        found = book.get(ref) if ref else None
    except KeyError:
        return None
    return found if isinstance(found, kind) else None


def _item(book: RuleBook, refs: Mapping[str, Any], number: Any) -> tuple[tuple[str, ...], bool]:
    """The cited list item's violated articles and whether the list and the item are verified."""
    wlist = _rule_set(book, refs.get("waiver_list"), WaiverList)
    item = next((i for i in wlist.items if i.number == number), None) if wlist else None
    if item is None:
        return (), False
    return item.violated_articles, wlist.meta.verified and item.verified


def _entry(book: RuleBook, refs: Mapping[str, Any], code: str) -> tuple[tuple[str, ...], bool]:
    """The cited catalogue entry's violated articles and whether the catalogue and the entry
    are verified."""
    catalogue = _rule_set(book, refs.get("catalogue"), Catalogue)
    entry = catalogue.entries.get(code) if catalogue else None
    if entry is None:
        return (), False
    return entry.violated_articles, catalogue.meta.verified and entry.verified


def violated_provisions(book: RuleBook, stored: Mapping[str, Any],
                        code: str) -> tuple[Provision, ...]:
    """The provisions the violation violated, from its stored decision (one language's
    answer); none when neither the decision nor the rule sets it cites name any."""
    waiver, penalty = stored.get("waiver") or {}, stored.get("penalty") or {}
    refs = stored.get("rule_sets") or {}
    item_articles, item_verified = _item(book, refs, waiver.get("item"))
    entry_articles, entry_verified = _entry(book, refs, penalty.get("code") or code)
    if "violated_articles" in penalty or "violated_articles" in waiver:
        item_articles = tuple(waiver.get("violated_articles") or ())
        entry_articles = tuple(penalty.get("violated_articles") or ())
    if item_articles:
        return tuple(Provision(a, item_verified) for a in item_articles)
    return tuple(Provision(a, entry_verified) for a in entry_articles)
