"""The case page's daily penalty form in a real browser: Enter in a date decides the penalty,
the form's main action, not 'add a round' (no script: the main button comes first)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.console.conftest import OWN
from tests.console.test_console_daily_penalty import fined  # noqa: F401 - a decided case


def test_enter_in_a_date_of_the_daily_form_decides_the_penalty_not_a_round_more(
        signed_in, live_url, fined, shoot):  # noqa: F811 - the fixture imported above
    page = signed_in("legal", OWN)
    page.goto(f"{live_url}/console/cases/{fined['id']}")
    form = page.locator("#daily-form")
    assert form.locator("fieldset.daily-round").count() == 5
    first = form.locator("fieldset.daily-round").first
    first.get_by_label("责令改正决定书送达日期").fill("2021-07-01")
    first.get_by_label("复查日期（违法行为仍在继续）").fill("2021-07-11")
    shoot(page, "daily_form_filled")
    first.get_by_label("复查日期（违法行为仍在继续）").press("Enter")
    expect(page.locator("#daily-result")).to_contain_text("第1轮")
    expect(page.locator("#daily-form")).to_have_count(0)
    shoot(page, "daily_decided_by_enter")


def test_the_add_a_round_button_still_adds_a_row_focused(signed_in, live_url, fined):  # noqa: F811
    page = signed_in("legal", OWN)
    page.goto(f"{live_url}/console/cases/{fined['id']}")
    page.get_by_role("button", name="增加一轮").click()
    rounds = page.locator("#daily-form fieldset.daily-round")
    expect(rounds).to_have_count(6)
    expect(rounds.nth(5).get_by_label("责令改正决定书送达日期")).to_be_focused()
