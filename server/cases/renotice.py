"""PURE: notifying the party again (重新告知) before the decision — the product's procedure
under 处罚法 第44条 (the party is told the intended penalty before it is decided) and 第45条
(its statements and defence never make the penalty heavier).

After a notice, or a hearing asked for under it, facts found or corrected later (a violation
re-decided on them: follow.py) or a corrected legal basis may call for another penalty than
the one notified; the decision cannot be heavier than the notice, so the party is notified
again first. The new notice replaces the intended fine and the notice day: the reply period,
the hearing right and the decision's limit follow it. The earlier notice stays in the case's
steps (inside the new one's `earlier_notices`) and in its case file. A hearing asked for under
the earlier notice lapses with it: the hearing step moves into the earlier notice's record,
and the party may ask again within the new notice's reply period.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from server.cases.doc import clause
from server.cases.hearing_rights import notice_reply_due
from server.cases.refusals import Refused
from server.messages import Message

RENOTICE_FROM = ("notified", "hearing")
GROUNDS = ("new_facts", "facts_corrected", "basis_corrected")
"""What may call for a new notice: facts found after it, facts corrected, the basis corrected."""
STATEMENTS = "statements"
REASONS = (*GROUNDS, STATEMENTS)
"""The reasons the API names: the party's statements or defence are named to be refused."""
WORDS = {"new_facts": "告知后发现新的违法事实", "facts_corrected": "违法事实更正",
         "basis_corrected": "法律依据更正"}
"""The grounds as the case file's documents say them."""


def ground(reason: str, note: str, notice_on: date | None, intended_fen: int | None
           ) -> dict[str, Any]:
    """The re-notice's reason as recorded with it, or Refused: the party's statements and
    defence are no ground (a heavier penalty on them is forbidden, a lighter one is decided
    without a new notice)."""
    if reason == STATEMENTS:
        raise Refused("renotice.statements", notes={"renotice_reason": "field.not_a_ground"})
    if reason not in GROUNDS:
        raise Refused("renotice.unknown", notes={"renotice_reason": Message(
            "field.reasons", {"reasons": GROUNDS})}, bad_input=True)
    return {"reason": reason, "note": note.strip(), "replaces_notice_on": notice_on,
            "replaces_intended_fen": intended_fen}


def renoticed(steps: Mapping[str, Any], record: Mapping[str, Any]) -> dict[str, Any]:
    """The case's steps after a re-notice: the new notice in force, the earlier ones (each
    with the hearing asked for under it, if any) kept in its `earlier_notices`, oldest first."""
    earlier = {k: v for k, v in steps["notified"].items() if k != "earlier_notices"}
    if "hearing" in steps:
        earlier["hearing"] = steps["hearing"]
    kept = [*steps["notified"].get("earlier_notices", ()), earlier]
    rest = {k: v for k, v in steps.items() if k not in ("notified", "hearing")}
    return {**rest, "notified": {**record, "earlier_notices": kept}}


def earlier_notices(steps: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The notices a re-notice replaced, oldest first."""
    return list((steps.get("notified") or {}).get("earlier_notices") or ())


def replaced(steps: Mapping[str, Any]) -> list[tuple[int, dict[str, Any], dict[str, Any]]]:
    """Each notice a re-notice replaced, oldest first: its number (第n次告知), the notice as
    recorded (with the hearing asked for under it, if any) and the notice that replaced it."""
    earlier = earlier_notices(steps)
    following = [*earlier[1:], steps["notified"]] if earlier else []
    return [(seq, old, by) for seq, (old, by)
            in enumerate(zip(earlier, following, strict=True), start=1)]


def notices(steps: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every notice of the case, oldest first: the n-th is 第n次告知, the last one in force."""
    current = steps.get("notified")
    if not current:
        return []
    return [*earlier_notices(steps), {k: v for k, v in current.items()
                                      if k != "earlier_notices"}]


def windows(steps: Mapping[str, Any]) -> list[tuple[date, date]]:
    """Each notice's period for statements and defence: its day and the reply's last day."""
    days = [date.fromisoformat(str(n["on"])) for n in notices(steps)]
    return [(on, notice_reply_due(on)) for on in days]


def answering(periods: list[tuple[date, date]], received: date, chosen: int | None
              ) -> int | None:
    """The notice (1 for the first) a statement received on `received` answers: `chosen` when
    its period holds that day, else the latest notice whose period holds it; None if none."""
    holding = [n for n, (start, end) in enumerate(periods, start=1) if start <= received <= end]
    if chosen is not None:
        return chosen if chosen in holding else None
    return holding[-1] if holding else None


def said(renotice: Mapping[str, Any]) -> str:
    """A re-notice's reason as the case file says it: 违法事实更正：<what was corrected>."""
    note = clause(renotice.get("note") or "")  # the notice brackets it: no stop inside
    return f"{WORDS.get(renotice.get('reason') or '', '—')}：{note or '—'}"
