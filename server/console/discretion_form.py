"""The facts form's discretion inputs: the factors of the table in force for the violation
(裁量因素, graded 1–5) and the bases its fine is computed from, as the form shows them and
as PATCH /violations takes them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.rulesets import service as rulesets

# the fine shapes' base (server.rules.model.FineShape) -> the violation's bases field
BASES = {"investment": "investment_yuan", "disposal_cost": "disposal_cost_yuan"}


def offered(code: str, on: Any, lang: str) -> dict[str, Any]:
    """The factors (key, name, each grade's description) of the table in force on `on` for
    `code`, and the bases its fine shape is computed from."""
    rules = rulesets.rule_book().at(on)
    table = rules.discretion.table_for(code) if rules.discretion else None
    factors = [{"key": f.key, "name": f.name.get(lang),
                "grades": [(g, f.grades[g].get(lang) if g in f.grades else "")
                           for g in range(1, 6)]} for f in (table.factors if table else ())]
    entry = rules.catalogue.entries.get(code) if rules.catalogue else None
    bases = []
    if entry and entry.fine.shape == "per_instance":
        bases.append("instances")
    elif entry and entry.fine.base in BASES:
        bases.append(BASES[entry.fine.base])
    return {"factors": factors, "bases": bases}


def form_values(factors: Mapping[str, int], bases: Mapping[str, int]) -> dict[str, str]:
    """A violation's grades and bases as the form's inputs show them."""
    return {**{f"factors.{k}": str(v) for k, v in factors.items()},
            **{f"bases.{k}": str(v) for k, v in bases.items()}}


def changes(form: Mapping[str, str], shown: Mapping[str, Any], factors: Mapping[str, Any],
            bases: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The factors and bases as the form sets them: a grade or base left empty is not
    established; those the form does not show are kept as they are."""
    keys = {f["key"] for f in shown["factors"]}
    graded = {k: v for k, v in factors.items() if k not in keys}
    graded |= {k: form[f"factors.{k}"].strip() for k in keys
               if (form.get(f"factors.{k}") or "").strip()}
    based = {k: v for k, v in bases.items() if k not in shown["bases"]}
    based |= {k: form[f"bases.{k}"].strip() for k in shown["bases"]
              if (form.get(f"bases.{k}") or "").strip()}
    return {"factors": graded, "bases": based}


def inputs(shown: Mapping[str, Any]) -> list[str]:
    """The names of the inputs the form shows for the factors and bases `shown`."""
    return [*(f"factors.{f['key']}" for f in shown["factors"]),
            *(f"bases.{b}" for b in shown["bases"])]


def renamed(shown: Mapping[str, Any]) -> dict[str, str]:
    """A grade's schema error (factors.harm.value) under its input (factors.harm)."""
    return {f"factors.{f['key']}.{part}": f"factors.{f['key']}" for f in shown["factors"]
            for part in ("key", "value")}
