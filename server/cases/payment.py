"""PURE: the day a served fine falls due, and the amount owed with its late surcharge."""

from __future__ import annotations

from datetime import date
from typing import Any

from server.cases.refusals import Refused
from server.messages import Message
from server.rules import late_payment_surcharge
from server.rules.model import Procedure
from server.workdays import deadline


def payment_due(served_on: date, procedure: Procedure) -> date:
    """The last day to pay: 15 days after receipt (处罚法 Art. 67)."""
    return deadline(served_on, procedure.payment_period_days, procedure.payment_day_kind)


def check_payment(fine_fen: int, served_on: date, paid_on: date, amount_fen: int,
                  procedure: Procedure) -> dict[str, Any]:
    """The fine plus the 3 %/day surcharge (capped at the fine) must be paid in full.

    Deferred or instalment payment (暂缓、分期缴纳, 处罚法 第66条第2款) is deliberately not
    supported: LAW.md records neither its approval conditions nor how the surcharge runs on an
    approved schedule, so a partial amount is refused rather than booked on a guessed rule.
    """
    surcharge = late_payment_surcharge(fine_fen, served_on, paid_on, procedure)
    owed = fine_fen + surcharge.amount_fen
    if amount_fen != owed:
        raise Refused("payment.owed_partial" if amount_fen < owed else "payment.owed",
                      {"on": paid_on, "owed_fen": owed, "fine_fen": fine_fen,
                       "surcharge_fen": surcharge.amount_fen, "days": surcharge.days_late},
                      {"amount_fen": Message("field.owed", {"owed_fen": owed})}, bad_input=True)
    return {"amount_fen": amount_fen, "surcharge_fen": surcharge.amount_fen,
            "late_days": surcharge.days_late, "surcharge_capped": surcharge.capped,
            "payment_due": surcharge.due_on}
