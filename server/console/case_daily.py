"""The case page's daily penalty form (按日连续处罚, 环保法 第59条): when it is offered, its rows
of rounds (责令改正 served → 复查), and the form read into the shape of
POST /api/v1/cases/<id>/daily-penalties."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from schemas.cases import MAX_DAILY_ROUNDS
from server.auth.policy import Actor, allowed
from server.cases import daily
from server.cases.models import Case

ROWS = 5  # rows the form shows at first; "add a round" adds one, up to the API's count
ROUND = ("order_served_on", "reinspected_on")
ROW_INPUT = re.compile(r"rounds\.([0-9]{1,3})\.(?:order_served_on|reinspected_on)")
COUNT = re.compile(r"[0-9]{1,9}")  # ASCII digits only: int() refuses '²', which isdigit() takes


def rows(form: Mapping[str, str]) -> int:
    """The rows the form has: as it says (`rows`), at least ROWS and each row sent, at most
    the rounds the API takes (a row past those is never read)."""
    said = form.get("rows") or ""
    sent = [int(found.group(1)) + 1 for name in form if (found := ROW_INPUT.fullmatch(name))]
    return min(MAX_DAILY_ROUNDS, max(ROWS, int(said) if COUNT.fullmatch(said)
                                     else 0, *sent))


def _row(form: Mapping[str, str], i: int) -> dict[str, str]:
    return {k: form[f"rounds.{i}.{k}"].strip() for k in ROUND
            if (form.get(f"rounds.{i}.{k}") or "").strip()}


def _typed(form: Mapping[str, str]) -> list[int]:
    """The form rows with a date typed, in order."""
    return [i for i in range(rows(form)) if _row(form, i)]


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
    name, its rows, and its inputs as sent after a refusal or a round added (`adding`: one
    row more, the new row focused, nothing refused)."""
    back = sent if sent and sent["form"] == "daily" else None
    adding = bool(back and back.get("adding"))
    offered = (allowed(actor.role, "case.advance") and case.state in daily.FINED_STATES
               and case.fine_fen is not None and case.daily_penalty_on is None)
    acts = sorted(daily.daily_acts(case)) if offered else []
    values = back["values"] if back else {}
    had = rows(values)
    added = had if adding and had < MAX_DAILY_ROUNDS else None
    shown = had + (added is not None)
    inputs = ["on", "act", "production_restricted_on", "rounds", *(
        f"rounds.{i}{name}" for i in range(shown) for name in ("", *(f".{k}" for k in ROUND)))]
    return {"may_daily": bool(acts), "daily_acts": acts, "daily": None if adding else back,
            "daily_values": values, "daily_rows": shown, "daily_max": MAX_DAILY_ROUNDS,
            "daily_added": added, "daily_inputs": inputs}
