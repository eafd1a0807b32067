"""A stored decision as the case page shows it: rule sets named by their titles, not refs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.rules.text import name_rule_sets
from server.rulesets import service as rulesets

# The answer's machine-readable fields: refs stay refs there.
MACHINE = frozenset({"rule_set", "discretion", "list", "rule_sets", "code", "codes"})


def named(result: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """`result` (a decision's answer in `lang`) with each text naming rule sets by title and
    each trace step's rule set by its title."""
    names = rulesets.rule_set_names(lang)

    def walk(value: Any, key: str = "") -> Any:
        if isinstance(value, str):
            if key in MACHINE:
                return value
            return names.get(value) or name_rule_sets(value, names, lang)
        if isinstance(value, Mapping):
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, key) for v in value]
        return value

    return walk(result)
