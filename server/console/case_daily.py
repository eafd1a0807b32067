"""The case page's daily penalty form (按日连续处罚, 环保法 第59条): when it is offered, its rows
of rounds (责令改正 served → 复查), and the form read into the shape of
POST /api/v1/cases/<id>/daily-penalties."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.auth.policy import Actor, allowed
from server.cases import daily
from server.cases.models import Case

ROWS = 5  # rounds the form offers (the API takes up to 100)
ROUND = ("order_served_on", "reinspected_on")


def _row(form: Mapping[str, str], i: int) -> dict[str, str]:
    return {k: form[f"rounds.{i}.{k}"].strip() for k in ROUND
            if (form.get(f"rounds.{i}.{k}") or "").strip()}


def _typed(form: Mapping[str, str]) -> list[int]:
    """The form rows with a date typed, in order."""
    return [i for i in range(ROWS) if _row(form, i)]


def daily_body(form: Mapping[str, str]) -> dict[str, Any]:
    """The form as the API's body: its typed rounds in order, empty inputs left out."""
    body: dict[str, Any] = {k: form[k].strip() for k in (
        "version", "on", "production_restricted_on", "act") if (form.get(k) or "").strip()}
    rounds = [_row(form, i) for i in _typed(form)]
    if rounds:
        body["rounds"] = rounds
    return body


def renamed(form: Mapping[str, str]) -> dict[str, str]:
    """The refusal's names of a round (rounds[1] from the rules, rounds.1.reinspected_on from
    the schema) as the inputs of the form row it came from (an empty row is not sent)."""
    names = {}
    for sent, row in enumerate(_typed(form)):
        names[f"rounds[{sent}]"] = names[f"rounds.{sent}"] = f"rounds.{row}"
        for k in ROUND:
            names[f"rounds.{sent}.{k}"] = f"rounds.{row}.{k}"
    return names


def page_data(actor: Actor, case: Case, sent: Mapping[str, Any] | None) -> dict[str, Any]:
    """The template values of the daily penalty section: whether the form is offered (legal
    staff, a fined case whose act has a provision for it, not yet decided), the acts it may
    name, and its inputs as sent after a refusal."""
    refused = sent if sent and sent["form"] == "daily" else None
    offered = (allowed(actor.role, "case.advance") and case.state in daily.FINED_STATES
               and case.fine_fen is not None and case.daily_penalty_on is None)
    acts = sorted(daily.daily_acts(case)) if offered else []
    inputs = ["on", "act", "production_restricted_on", "rounds", *(
        f"rounds.{i}{name}" for i in range(ROWS) for name in ("", *(f".{k}" for k in ROUND)))]
    return {"may_daily": bool(acts), "daily_acts": acts, "daily": refused,
            "daily_values": refused["values"] if refused else {}, "daily_rows": ROWS,
            "daily_inputs": inputs}
