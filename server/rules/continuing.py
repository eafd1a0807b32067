"""Daily continuous penalty (环保法 Art. 59, MEE Order 28) and late-payment surcharge (Art. 72)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from server.rules.errors import InvalidInput
from server.rules.model import BP, Procedure
from server.rules.values import value
from server.workdays import deadline

DAILY_BASIS = ("环保法 第59条", "环境保护主管部门实施按日连续处罚办法（环境保护部令第28号）")
REINSPECTION_LIMIT_DAYS = 30


@value
class DailyRound:
    """One round: a correction order served, then a re-inspection finding the act continuing."""

    order_served_on: date
    reinspected_on: date
    days: int
    reinspected_late: bool


@value
class DailyPenalty:
    """Days counted per round, their total and the amount (days × the original fine)."""

    rounds: tuple[DailyRound, ...]
    total_days: int
    amount_fen: int
    stopped_on: date | None
    basis: tuple[str, ...] = DAILY_BASIS


def daily_penalty(original_fine_fen: int, rounds: Sequence[tuple[date, date]],
                  production_restricted_on: date | None = None) -> DailyPenalty:
    """Days run from the day after each order is served to the re-inspection, cumulatively.

    `rounds` holds (order served on, re-inspected on) pairs in order, without overlap. Counting
    stops the day production is restricted, stopped or sealed (that day is not counted).
    A re-inspection more than 30 days after service is flagged (MEE Order 28 asks for 30).
    """
    if original_fine_fen < 0:
        raise InvalidInput({"original_fine_fen": "must not be negative"})
    counted: list[DailyRound] = []
    previous_end: date | None = None
    for i, (served, reinspected) in enumerate(rounds):
        if reinspected <= served:
            raise InvalidInput({f"rounds[{i}]": "the re-inspection must follow the service"})
        if previous_end is not None and served < previous_end:
            raise InvalidInput({f"rounds[{i}]": "overlaps the previous round"})
        previous_end = reinspected
        last = reinspected
        if production_restricted_on is not None:
            last = min(last, production_restricted_on - timedelta(days=1))
        days = max(0, (last - served).days)
        late = (reinspected - served).days > REINSPECTION_LIMIT_DAYS
        counted.append(DailyRound(served, reinspected, days, late))
    total = sum(r.days for r in counted)
    return DailyPenalty(tuple(counted), total, total * original_fine_fen,
                        production_restricted_on)


@value
class Surcharge:
    """The late-payment surcharge on a fine at a given payment date."""

    due_on: date
    days_late: int
    amount_fen: int
    capped: bool
    basis: str


def late_payment_surcharge(fine_fen: int, received_on: date, paid_on: date,
                           procedure: Procedure) -> Surcharge:
    """3 % of the fine per day after the payment period (from the day after receipt), capped.

    The period ends `procedure.payment_period_days` after receipt, moved to the next working
    day when it ends on a non-working day; partial fen are dropped in the party's favour.
    """
    if fine_fen < 0:
        raise InvalidInput({"fine_fen": "must not be negative"})
    due = deadline(received_on, procedure.payment_period_days, procedure.payment_day_kind)
    days = max(0, (paid_on - due).days)
    raw = fine_fen * procedure.surcharge_bp_per_day * days // BP
    return Surcharge(due, days, min(raw, fine_fen), raw >= fine_fen > 0,
                     procedure.surcharge_article)
