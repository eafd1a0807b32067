"""PURE: the party's right to a hearing, the legal review it brings, and the notice's reply
period (处罚法 第58、63、64条)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from server.cases import deadlines as dl
from server.workdays import deadline


@dataclass(frozen=True, slots=True)
class Hearing:
    """The fine from which the party may ask for a hearing (处罚法 第63条), and whether the
    rule set's amount is confirmed: an unconfirmed one never refuses a request."""

    min_fen: int
    verified: bool


def hearing_eligible(amount_fen: int | None, hearing: Hearing | None) -> bool:
    """Whether the intended fine reaches the 较大数额 that gives a right to a hearing (处罚法
    第63条); with no threshold in the catalogue, every fine does."""
    return amount_fen is not None and (hearing is None or amount_fen >= hearing.min_fen)


def hearing_offered(amount_fen: int | None, hearing: Hearing | None) -> bool:
    """Whether the notice tells the party of a hearing right: when the fine reaches the
    threshold, or the threshold is not confirmed (telling too many is lawful, too few not)."""
    return hearing_eligible(amount_fen, hearing) or (
        amount_fen is not None and hearing is not None and not hearing.verified)


def legal_review_required(amount_fen: int | None, hearing: Hearing | None,
                          complex_: bool) -> bool:
    """法制审核 before deciding: hearing cases and complex or major cases (处罚法 Art. 58)."""
    return complex_ or (hearing is not None and hearing_eligible(amount_fen, hearing))


def notice_reply_due(notice_on: date) -> date:
    """The last day to state, defend or ask for a hearing: 5 working days after notice."""
    return deadline(notice_on, dl.NOTICE_REPLY_WORKING_DAYS, "working")
