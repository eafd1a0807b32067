"""The case page's procedure: what the notice told the party, and the next-step form."""

from __future__ import annotations

from typing import Any

from tests.console.conftest import OWN


def _api_step(client, world: dict[str, Any], case: dict[str, Any], to: str,
              **params: Any) -> dict[str, Any]:
    response = client.post(f"/api/v1/cases/{case['id']}/transitions",
                           json={"to": to, "version": case["version"], **params},
                           headers=world["legal"])
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _notified(client, world: dict[str, Any], **params: Any) -> dict[str, Any]:
    """The district's case notified after a legal review (the fine caps the decision)."""
    case = _api_step(client, world, world[OWN]["case"], "investigating")
    case = _api_step(client, world, case, "legal_review")
    return _api_step(client, world, case, "notified", **params)


def _section(page: str, marker: str) -> str:
    return page.split(marker)[1].split("</ul>")[0]


def test_the_case_page_shows_the_notified_fine_the_hearing_offer_and_the_review_opinion(
        client, console, world):
    case = _notified(client, world, intended_fen=3_000_000, review_opinion="事实清楚，同意告知")
    page = console("legal", OWN).get(f"/console/cases/{case['id']}").get_data(as_text=True)
    notice = _section(page, 'id="case-notice"')
    assert "¥30,000.00" in notice and "第45条" in notice
    assert "告知听证权利: 是" in notice  # the threshold is unconfirmed: the hearing is offered
    assert "法制审核意见: 事实清楚，同意告知" in notice
