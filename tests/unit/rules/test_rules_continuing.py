"""Daily continuous penalty (环保法 Art. 59, MEE Order 28) and late-payment surcharge (Art. 72)."""

from datetime import date

import pytest

from server.rules import InvalidInput, RuleBook, daily_penalty, late_payment_surcharge

FINE = 10_000_000  # 100,000 yuan


def test_days_run_from_the_day_after_service_to_the_reinspection() -> None:
    result = daily_penalty(FINE, [(date(2024, 3, 1), date(2024, 3, 21))])
    assert (result.total_days, result.amount_fen) == (20, 20 * FINE)
    assert result.rounds[0].reinspected_late is False


def test_days_accumulate_across_reinspections() -> None:
    result = daily_penalty(FINE, [(date(2024, 3, 1), date(2024, 3, 21)),
                                  (date(2024, 3, 22), date(2024, 4, 10))])
    assert [r.days for r in result.rounds] == [20, 19]
    assert result.amount_fen == 39 * FINE


def test_counting_stops_once_production_is_restricted_or_sealed() -> None:
    result = daily_penalty(FINE, [(date(2024, 3, 1), date(2024, 3, 21)),
                                  (date(2024, 3, 22), date(2024, 4, 10))],
                           production_restricted_on=date(2024, 4, 1))
    assert [r.days for r in result.rounds] == [20, 9]   # 23–31 March
    after = daily_penalty(FINE, [(date(2024, 3, 1), date(2024, 3, 21))],
                          production_restricted_on=date(2024, 2, 1))
    assert after.amount_fen == 0


def test_a_late_reinspection_is_flagged() -> None:
    result = daily_penalty(FINE, [(date(2024, 3, 1), date(2024, 4, 5))])
    assert result.rounds[0].reinspected_late and result.total_days == 35


@pytest.mark.parametrize("rounds", [
    [(date(2024, 3, 1), date(2024, 3, 1))],
    [(date(2024, 3, 1), date(2024, 3, 21)), (date(2024, 3, 10), date(2024, 3, 30))],
])
def test_impossible_rounds_are_refused(rounds: list[tuple[date, date]]) -> None:
    with pytest.raises(InvalidInput):
        daily_penalty(FINE, rounds)


@pytest.mark.parametrize(("received", "paid", "due", "days", "amount"), [
    # 15 days after receipt, moved to the next working day when that is a rest day
    (date(2024, 3, 1), date(2024, 3, 18), date(2024, 3, 18), 0, 0),
    (date(2024, 3, 1), date(2024, 3, 20), date(2024, 3, 18), 2, 600_000),
    (date(2024, 9, 16), date(2024, 10, 8), date(2024, 10, 8), 0, 0),   # over National Day
    (date(2024, 9, 16), date(2024, 10, 10), date(2024, 10, 8), 2, 600_000),
    (date(2024, 1, 2), date(2024, 6, 1), date(2024, 1, 17), 136, FINE),  # capped at the fine
])
def test_the_surcharge_is_3_percent_a_day_after_the_period_capped_at_the_fine(
        book: RuleBook, received: date, paid: date, due: date, days: int, amount: int) -> None:
    catalogue = book.catalogue_on(received)
    assert catalogue is not None
    result = late_payment_surcharge(FINE, received, paid, catalogue.procedure)
    assert (result.due_on, result.days_late, result.amount_fen) == (due, days, amount)
    assert result.capped is (amount == FINE)
    assert result.basis == "处罚法 第72条"


def test_partial_fen_of_a_surcharge_are_dropped(book: RuleBook) -> None:
    catalogue = book.catalogue_on(date(2024, 3, 1))
    assert catalogue is not None
    result = late_payment_surcharge(333, date(2024, 3, 1), date(2024, 3, 19), catalogue.procedure)
    assert result.amount_fen == 9  # 3 % of 333 fen is 9.99 fen
