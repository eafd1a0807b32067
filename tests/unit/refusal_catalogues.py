"""Reading the refusal keys a service raises and the console's catalogues that say them."""

from __future__ import annotations

import ast
from pathlib import Path

from babel.messages.pofile import read_po

from server.console.i18n import TRANSLATIONS

ROOT = Path(__file__).resolve().parents[2]


def keys_used(package: str) -> set[str]:
    """The keys server/<package> passes to `said`."""
    found = set()
    for path in (ROOT / "server" / package).glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "said":
                found.add(node.args[0].value)
    return found


def console_refusals(lang: str) -> dict[str, str]:
    """The console catalogue's texts of context "refusal", by key."""
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    return {m.id: m.string for m in catalog if m.context == "refusal"}
