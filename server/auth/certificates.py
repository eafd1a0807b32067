"""PURE: the state of an enforcement certificate (执法证) on a day, for the accounts page.

An officer signs only with a valid certificate, valid through its expiry day (the rule the
task assignment and the draw apply). The 30-day warning is the product's choice: time for
the district to renew it before the officer can no longer be assigned or sign.
"""

from __future__ import annotations

from datetime import date

WARNING_DAYS = 30
STATES = ("none", "valid", "expiring", "expired")


def days_left(expires: date | None, today: date) -> int | None:
    """Days from today to the certificate's last valid day (0: it ends today)."""
    return None if expires is None else (expires - today).days


def certificate_state(expires: date | None, today: date) -> str:
    """'none', 'expired', 'expiring' (within WARNING_DAYS, today included) or 'valid'."""
    left = days_left(expires, today)
    if left is None:
        return "none"
    if left < 0:
        return "expired"
    return "expiring" if left <= WARNING_DAYS else "valid"
