"""The case page's "next step" form: which inputs each step needs, amounts typed in yuan, and
the form read into the shape of POST /api/v1/cases/<id>/transitions."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, localcontext
from typing import Any

from flask_babel import gettext
from marshmallow import ValidationError

from server.cases.renotice import RENOTICE_FROM
from server.console.refusal import refusal as said_refusal
from server.errors import DomainError, ValidationFailed

# form field (yuan) -> API field (fen)
MONEY = {"intended_yuan": "intended_fen", "fine_yuan": "fine_fen", "amount_yuan": "amount_fen"}
TEXT = ("on", "mitigation", "statements", "hearing_record", "review_opinion", "reason",
        "measure", "hearing_notice_on", "hearing_on", "hearing_place", "method", "recipient",
        "renotice_reason", "renotice_note")
CHECKBOXES = ("rights_waived", "consent")
NESTED = {"chair": ("name", "user_id"),
          "education": ("on", "method", "content", "educated_person")}
# the inputs (and nested API fields) of each group of step_fields, and those always shown
INPUTS = {"intended": ("intended_yuan",), "fine": ("fine_yuan",), "amount": ("amount_yuan",),
          "hearing": ("hearing_notice_on", "hearing_on", "hearing_place", "chair",
                      "chair.name", "chair.user_id"),
          "education": ("education", *(f"education.{n}" for n in NESTED["education"])),
          "service": ("method", "recipient", "consent"),
          "renotice": ("renotice_reason", "renotice_note")}
ALWAYS = ("to", "on")
YUAN = re.compile(r"[0-9]+(?:\.[0-9]+)?")
ACT_FINE = re.compile(r"act_fine\.([0-9]{1,2})")  # the fine of act N, in yuan


def fen_from_yuan(text: str) -> int:
    """An amount typed in yuan (at most 2 decimals) as integer fen, exactly; ValueError with
    the user's message otherwise."""
    text = text.strip()
    if not YUAN.fullmatch(text):
        raise ValueError(gettext("Type an amount in yuan, e.g. 12345.67."))
    with localcontext() as exact:
        exact.prec = len(text) + 3  # every digit kept: nothing is rounded
        fen = Decimal(text) * 100
        if fen != fen.to_integral_value():
            raise ValueError(gettext("At most 2 decimals: yuan are counted to the fen."))
        return int(fen)


def step_fields(state: str, transitions: Iterable[str], educate: bool,
                several_acts: bool = False) -> dict[str, str]:
    """For each group of inputs, the steps (of those the case may take) that use it, space
    separated; groups no step uses are left out. `educate`: the case has an act that may go
    unfined, so its decision may record the education (处罚法 第33条第3款); `several_acts`:
    several acts may be fined, each with its own fine in the notice and the decision (第29条、
    第44条)."""
    uses = {
        "intended": ("notified",), "fine": ("decided",), "mitigation": ("notified", "decided"),
        "act_fines": ("notified", "decided") if several_acts else (),
        "statements": ("decided",),
        "rights_waived": ("decided",) if state == "notified" else (),
        "hearing_record": ("decided",) if state == "hearing" else (),
        # the review before the notice (a re-notice's, when the case had none), of a heard
        # case, or of the decision not to penalise
        "review_opinion": {"legal_review": ("notified", "not_penalised"),
                           "notified": ("notified", "not_penalised"),
                           "hearing": ("notified", "decided", "not_penalised")}.get(
                               state, ("not_penalised",)),
        "renotice": ("notified",) if state in RENOTICE_FROM else (),
        "hearing": ("hearing",), "reason": ("not_penalised",),
        "education": ("not_penalised", "decided") if educate else ("not_penalised",),
        "service": ("served",), "amount": ("paid",), "measure": ("enforced",),
    }
    allowed = set(transitions)
    found = {group: " ".join(s for s in steps if s in allowed) for group, steps in uses.items()}
    return {group: steps for group, steps in found.items() if steps}


def placed(fields: Mapping[str, str]) -> set[str]:
    """The names whose errors the form shows next to their input (the others go on top)."""
    return {*ALWAYS, *(name for group in fields for name in INPUTS.get(group, (group,)))}


def transition_body(form: Mapping[str, str]) -> dict[str, Any]:
    """The form as the API's transition body (empty inputs left out, yuan turned into fen);
    ValidationFailed names the amounts that are not yuan."""
    body: dict[str, Any] = {k: form[k] for k in ("to", "version") if form.get(k)}
    for name in TEXT:
        if (form.get(name) or "").strip():
            body[name] = form[name].strip()
    for name in CHECKBOXES:
        if form.get(name):
            body[name] = True
    for group, names in NESTED.items():
        values = {n: form[f"{group}.{n}"].strip() for n in names
                  if (form.get(f"{group}.{n}") or "").strip()}
        if values:
            body[group] = values
    errors: dict[str, list[str]] = {}
    fines = []
    for name, value in form.items():
        if (found := ACT_FINE.fullmatch(name)) and (value or "").strip():
            try:
                fines.append({"act": int(found.group(1)), "fine_fen": fen_from_yuan(value)})
            except ValueError as error:
                errors[name] = [str(error)]
    if fines:
        body["act_fines"] = sorted(fines, key=lambda fine: fine["act"])
    for name, api_name in MONEY.items():
        if (form.get(name) or "").strip():
            try:
                body[api_name] = fen_from_yuan(form[name])
            except ValueError as error:
                errors[name] = [str(error)]
    if errors:
        raise ValidationFailed(gettext("Some amounts are not in yuan."), errors=errors)
    return body


def refusal(error: DomainError | ValidationError) -> tuple[int, str, dict[str, list[str]]]:
    """A refused step as the form says it (server.console.refusal), fen amounts under their
    yuan input."""
    return said_refusal(error, {api: form for form, api in MONEY.items()})
