"""Which change-log rows a device user pulls now, and which they held before."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, false, or_, true

from server.auth.policy import Actor
from server.sync.models import SyncChange

# Entities an inspector pulls for their whole district (the rest only when it is theirs).
DISTRICT_WIDE_FOR_INSPECTORS = ("enterprise", "officer")


def _has(column: Any, value: str) -> Any:
    return column.like(f"%,{value},%")


def _district(actor: Actor) -> Any:
    """Rows of the actor's district now: a row names one district, and a few (evidence held
    by several districts) name others; the pull scans by seq, so this filters, never seeks."""
    if actor.city_wide:
        return true()
    return or_(SyncChange.district == actor.scope,
               _has(SyncChange.other_districts, actor.scope))


def _past_district(actor: Actor) -> Any:
    return true() if actor.city_wide else _has(SyncChange.past_districts, actor.scope)


def current(actor: Actor) -> Any:
    """Rows the actor's device holds now (SQL predicate)."""
    if actor.role == "inspector":
        return or_(SyncChange.everyone, _has(SyncChange.users, str(actor.user_id)),
                   and_(SyncChange.entity.in_(DISTRICT_WIDE_FOR_INSPECTORS),
                        _district(actor)))
    return or_(SyncChange.everyone, _district(actor))


def past(actor: Actor) -> Any:
    """Rows the actor's device may have held at some point (SQL predicate)."""
    if actor.role == "inspector":
        return or_(_has(SyncChange.past_users, str(actor.user_id)),
                   and_(SyncChange.entity.in_(DISTRICT_WIDE_FOR_INSPECTORS),
                        _past_district(actor)))
    return false() if actor.city_wide else _has(SyncChange.past_districts, actor.scope)


def holds(actor: Actor, row: Any) -> bool:
    """The same test as `current`, on a fetched row."""
    if row.everyone:
        return True
    district_ok = (actor.city_wide or row.district == actor.scope
                   or f",{actor.scope}," in (row.other_districts or ""))
    if actor.role == "inspector":
        return f",{actor.user_id}," in (row.users or "") or (
            row.entity in DISTRICT_WIDE_FOR_INSPECTORS and district_ok)
    return district_ok
