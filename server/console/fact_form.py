"""The inputs of the case page's facts form and the facts they stand for (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The facts the form asks, in the order the waiver and penalty rules read them (FactsSchema).
FACTS = ("first_offence", "corrected_on_spot", "corrected_in_time", "harmful_consequence",
         "harm_minor", "minor", "stopped_and_restored", "no_fault",
         "not_corrected_by_deadline", "refused_correction", "life_health_or_financial_harm")
ANSWERS = {"yes": True, "no": False}
INPUTS = (*FACTS, "corrected_on")  # the form's inputs of facts, named as the facts
RENAMED = {f"facts.{name}": name for name in INPUTS}  # a fact's schema error under its input


def facts_body(form: Mapping[str, str]) -> dict[str, Any]:
    """The facts as the form gives them: yes/no, left out while unknown; the correction day."""
    facts: dict[str, Any] = {name: ANSWERS[form[name]] for name in FACTS
                             if form.get(name) in ANSWERS}
    if form.get("corrected_on"):
        facts["corrected_on"] = form["corrected_on"]
    return facts


def form_values(facts: Mapping[str, Any]) -> dict[str, str]:
    """A violation's recorded facts as the form's inputs show them."""
    values = {name: "yes" if facts[name] else "no" for name in FACTS
              if isinstance(facts.get(name), bool)}
    if facts.get("corrected_on"):
        values["corrected_on"] = str(facts["corrected_on"])
    return values
