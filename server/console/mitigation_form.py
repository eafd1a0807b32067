"""The facts form's grounds for a lighter or mitigated penalty (从轻或者减轻, 行政处罚法
第32条): those the discretion in force names, each with one line of what it means and its
basis, as the form shows them, and the form read into PATCH /violations' `mitigation`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from flask_babel import gettext, lazy_gettext

from server.errors import ValidationFailed
from server.rules.model import Discretion, Text
from server.rulesets import service as rulesets

SHOWN = "mitigation_shown"  # the form showed its grounds: none ticked clears them

# What each ground of Art. 32 means, with its item: the shipped discretion's keys.
MEANINGS = {
    "reduced_harm": lazy_gettext(
        "The party, on its own initiative, removed or lessened the harm the violation "
        "caused, e.g. stopped the discharge or cleaned up the pollution (Administrative "
        "Penalty Law Art. 32, item 1)."),
    "coerced_or_deceived": lazy_gettext(
        "The party committed the violation under another person's coercion or deception, not "
        "of its own will (Administrative Penalty Law Art. 32, item 2)."),
    "confessed_unknown": lazy_gettext(
        "The party confessed, of its own accord, violations the authority had not yet found "
        "out (Administrative Penalty Law Art. 32, item 3)."),
    "meritorious_cooperation": lazy_gettext(
        "The party cooperated with the investigation and rendered meritorious service, e.g. "
        "reported another's violation that was then verified (Administrative Penalty Law "
        "Art. 32, item 4)."),
    "other_statutory": lazy_gettext(
        "Another law, regulation or rule requires a lighter or mitigated penalty; the case "
        "names that provision (Administrative Penalty Law Art. 32, item 5)."),
}


def _names() -> dict[str, Text]:
    """Every ground any discretion version names, with its name."""
    return {key: text for rs in rulesets.rule_book().rule_sets if isinstance(rs, Discretion)
            for key, text in rs.mitigation.grounds.items()}


def offered(on: Any, recorded: Sequence[str], lang: str) -> dict[str, Any]:
    """The grounds the form offers (those in force on `on`, then any recorded that a later
    version dropped, so they can be cleared): key, label and meaning; what the rules do with
    them (`reduce_percent`, `verified`)."""
    discretion = rulesets.rule_book().at(on).discretion
    rule, everywhere = (discretion.mitigation if discretion else None), _names()
    keys = list(rule.grounds if rule else ()) + [
        k for k in recorded if not (rule and k in rule.grounds)]
    grounds = [{"key": key, "label": everywhere[key].get(lang) if key in everywhere else key,
                "meaning": str(MEANINGS[key]) if key in MEANINGS else gettext(
                    "Basis: %(article)s.", article=rule.article if rule else "—")}
               for key in dict.fromkeys(keys)]
    return {"grounds": grounds, "reduce_percent": rule.reduce_bp / 100 if rule else None,
            "verified": bool(rule and rule.verified)}


def labels(recorded: Sequence[str], lang: str) -> list[str]:
    """The recorded grounds as the case page names them."""
    everywhere = _names()
    return [everywhere[k].get(lang) if k in everywhere else k for k in recorded]


def notice_draft(recorded: Iterable[Sequence[str]]) -> str:
    """The notice's ground for mitigation drafted from the grounds recorded on the case's
    violations: each once, in the order of Art. 32's items, named as the facts form names
    them in Chinese (the document's language)."""
    order = list(_names())
    keys = dict.fromkeys(key for grounds in recorded for key in grounds)
    ranked = sorted(keys, key=lambda k: order.index(k) if k in order else len(order))
    return "；".join(labels(ranked, "zh"))


def changes(form: Any, shown: dict[str, Any]) -> dict[str, list[str]]:
    """`mitigation` as the form sets it, in the order offered; nothing when the form did not
    show its grounds. A ground it does not offer is refused (422), in the user's language."""
    if SHOWN not in form:
        return {}
    ticked = list(dict.fromkeys(form.getlist("mitigation")))
    keys = [g["key"] for g in shown["grounds"]]
    unknown = [k for k in ticked if k not in keys]
    if unknown:
        raise ValidationFailed(gettext("Some fields are invalid."), errors={"mitigation": [
            gettext("Not a ground for a lighter or mitigated penalty this form offers: "
                    "%(grounds)s.", grounds="、".join(unknown))]})
    return {"mitigation": [k for k in keys if k in ticked]}
