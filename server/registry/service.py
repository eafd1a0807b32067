"""Use cases of the enterprise register: register, read, list, update, remove."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import Row, Select, Text, cast, func, select

from server.audit import service as audit
from server.auth.policy import Actor, authorize, in_scope
from server.clock import today_shanghai, utcnow
from server.errors import Conflict, NotFound, ValidationFailed, VersionConflict
from server.extensions import db
from server.geo import to_shape
from server.messages import Message
from server.registry import districts
from server.registry.credit_code import credit_code_problems
from server.registry.models import Enterprise
from server.registry.refusals import refused, said
from server.registry.site_index import SiteIndex
from server.registry.sites import SiteLimits, check_site
from server.registry.terms import POSITIVE_LIST_YEARS, positive_list_last_day
from server.uow import unit_of_work

EDITABLE = ("credit_code", "name", "address", "district", "industry", "permit_class",
            "permit_number", "positive_list", "positive_list_from", "positive_list_until",
            "credit_rating", "contacts", "site")


@dataclass(frozen=True)
class EnterpriseFilter:
    """List filters; None means no filter."""

    district: str | None = None
    permit_class: str | None = None
    positive_list: bool | None = None
    industry: str | None = None
    name: str | None = None


def site_limits() -> SiteLimits:
    """Site bounds from the configuration."""
    config = current_app.config
    return SiteLimits(config["SITE_MIN_AREA_M2"], config["SITE_MAX_AREA_M2"],
                      config["SITE_MIN_SHARE_IN_DISTRICT"])


def positive_list_active(enterprise: Enterprise, on: date | None = None) -> bool:
    """On the positive list and within its validity period on the given day."""
    day = on or today_shanghai()
    return bool(enterprise.positive_list and enterprise.positive_list_from
                and enterprise.positive_list_until
                and enterprise.positive_list_from <= day <= enterprise.positive_list_until)


def delist_penalised(actor: Actor, enterprise_id: uuid.UUID, on: date, decision: str) -> bool:
    """Inside the caller's transaction: a unit penalised on `on` leaves the positive list.

    正面清单 (Shanghai rules of 2021-08-25): a listed unit that is penalised leaves the list;
    returns whether it was listed.
    """
    enterprise = db.session.get(Enterprise, enterprise_id, with_for_update=True)
    if enterprise is None or not enterprise.positive_list:
        return False
    enterprise.positive_list = False
    enterprise.version += 1
    enterprise.updated_at = utcnow()
    audit.record(actor, "enterprise.delisted", "enterprise", enterprise.id,
                 {"reason": "penalised", "decision": decision, "on": on.isoformat(),
                  "listed_from": _iso(enterprise.positive_list_from),
                  "listed_until": _iso(enterprise.positive_list_until),
                  "version": enterprise.version})
    return True


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def validate_fields(data: dict[str, Any]) -> tuple[dict[str, list[Message]], dict[str, Any]]:
    """Domain checks of a complete field set; returns (problems by field, derived columns)."""
    errors: dict[str, list[Message]] = {}
    if problems := credit_code_problems(data.get("credit_code")):
        errors["credit_code"] = problems
    district = data.get("district")
    bounds = districts.boundaries()
    if district not in bounds.districts:
        errors["district"] = [said("enterprise_field.district", district=district)]
    if data.get("positive_list"):
        start, end = data.get("positive_list_from"), data.get("positive_list_until")
        if data.get("permit_class") == "registration":
            errors["positive_list"] = [said("enterprise_field.listed_permit")]
        if not (start and end):
            errors["positive_list_until"] = [said("enterprise_field.listed_dates")]
        elif end < start:
            errors["positive_list_until"] = [said("enterprise_field.listed_order")]
        elif end > positive_list_last_day(start):
            errors["positive_list_until"] = [said(
                "enterprise_field.listed_too_long", years=POSITIVE_LIST_YEARS,
                last=positive_list_last_day(start))]
    derived: dict[str, Any] = {"site_area_m2": None, "centroid_lon": None, "centroid_lat": None}
    if data.get("site") is not None and "district" not in errors:
        site, problems = check_site(data["site"], district, bounds.districts.get(district),
                                    bounds.city, site_limits())
        if problems:
            errors["site"] = problems
        else:
            derived = {"site_area_m2": round(site.area_m2, 1),
                       "centroid_lon": site.centroid_lon, "centroid_lat": site.centroid_lat}
    return errors, derived


def _live_duplicate(session, credit_code: str, exclude: uuid.UUID | None = None) -> bool:
    query = select(Enterprise.id).where(Enterprise.credit_code == credit_code,
                                        Enterprise.deleted_at.is_(None))
    if exclude is not None:
        query = query.where(Enterprise.id != exclude)
    return session.scalar(query) is not None


def register_enterprise(actor: Actor, data: dict[str, Any]) -> Enterprise:
    """Add an enterprise to the register."""
    authorize(actor, "enterprise.create", data.get("district"), exists_for_others=False)
    errors, derived = validate_fields(data)
    if errors:
        raise refused(ValidationFailed, said("enterprise.invalid"), errors)
    with unit_of_work() as session:
        if _live_duplicate(session, data["credit_code"]):
            raise refused(Conflict, said("enterprise.registered",
                                         credit_code=data["credit_code"]),
                          {"credit_code": said("enterprise_field.registered")})
        enterprise = Enterprise(**{k: data[k] for k in EDITABLE if k in data}, **derived)
        session.add(enterprise)
        session.flush()
        audit.record(actor, "enterprise.create", "enterprise", enterprise.id,
                     {"credit_code": enterprise.credit_code, "district": enterprise.district})
    return enterprise


def _unknown_enterprise() -> NotFound:
    return refused(NotFound, said("enterprise.unknown"))


def get_enterprise(actor: Actor, enterprise_id: uuid.UUID, *, lock: bool = False) -> Enterprise:
    """One live enterprise in the caller's scope, else NotFound (row-locked if `lock`)."""
    enterprise = db.session.get(Enterprise, enterprise_id, with_for_update=lock)
    if enterprise is None or enterprise.deleted_at is not None:
        raise _unknown_enterprise()
    authorize(actor, "enterprise.read", enterprise.district, unknown=_unknown_enterprise)
    return enterprise


def party_of(enterprise_id: uuid.UUID) -> Enterprise:
    """The party of a record the caller is already authorized for (a case), whatever its
    district now: a unit that moved keeps its cases in the old district, whose staff must
    still name it; NotFound only when there is no such row."""
    enterprise = db.session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise refused(NotFound, said("enterprise.unknown"))
    return enterprise


def parties_of(enterprise_ids: list[uuid.UUID]) -> list[Enterprise]:
    """Several units as party_of names one (the caller is already authorized for them)."""
    return list(db.session.scalars(select(Enterprise).where(
        Enterprise.id.in_(enterprise_ids))))


def _filtered(actor: Actor, filters: EnterpriseFilter) -> Select:
    query = select(Enterprise).where(Enterprise.deleted_at.is_(None))
    if not actor.city_wide:
        query = query.where(Enterprise.district == actor.scope)
    if filters.district:
        query = query.where(Enterprise.district == filters.district)
    if filters.permit_class:
        query = query.where(Enterprise.permit_class == filters.permit_class)
    if filters.positive_list is not None:
        today = today_shanghai()
        active = (Enterprise.positive_list.is_(True) & (Enterprise.positive_list_from <= today)
                  & (Enterprise.positive_list_until >= today))
        query = query.where(active if filters.positive_list else ~active)
    if filters.industry:
        query = query.where(Enterprise.industry == filters.industry)
    if filters.name:
        pattern = "%" + filters.name.replace("\\", "\\\\").replace("%", "\\%").replace(
            "_", "\\_") + "%"
        query = query.where(Enterprise.name.ilike(pattern, escape="\\"))
    return query


# The list is a read model: plain rows, with the JSON columns left as text for the serializer
# to embed as they are.
_LIST_COLUMNS = (
    *(c for c in Enterprise.__table__.c if c.name not in ("site", "contacts")),
    cast(Enterprise.site, Text).label("site_json"),
    cast(Enterprise.contacts, Text).label("contacts_json"),
)


def list_enterprises(actor: Actor, filters: EnterpriseFilter, page: int,
                     per_page: int) -> tuple[list[Row], int]:
    """A page of live enterprises in scope, by district then name, and the total count."""
    authorize(actor, "enterprise.read")
    query = _filtered(actor, filters)
    rows = db.session.execute(
        query.with_only_columns(*_LIST_COLUMNS)
        .order_by(Enterprise.district, Enterprise.name, Enterprise.id)
        .limit(per_page).offset((page - 1) * per_page)).all()
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    return list(rows), total or 0


def _current(enterprise: Enterprise) -> dict[str, Any]:
    return {field: getattr(enterprise, field) for field in EDITABLE}


def _check_version(enterprise: Enterprise, version: int) -> None:
    """Refuse a change of an enterprise read at another version than it is at now."""
    if enterprise.version != version:
        raise refused(VersionConflict, said("enterprise.stale", current=enterprise.version,
                                            given=version),
                      current_version=enterprise.version)


def update_enterprise(actor: Actor, enterprise_id: uuid.UUID, version: int,
                      changes: dict[str, Any]) -> Enterprise:
    """Change fields of an enterprise read at `version` (optimistic locking)."""
    with unit_of_work() as session:
        enterprise = get_enterprise(actor, enterprise_id, lock=True)
        authorize(actor, "enterprise.update", enterprise.district)
        if "district" in changes and not in_scope(actor, changes["district"]):
            authorize(actor, "enterprise.update", changes["district"], exists_for_others=False)
        _check_version(enterprise, version)
        merged = _current(enterprise) | changes
        errors, derived = validate_fields(merged)
        if errors:
            raise refused(ValidationFailed, said("enterprise.invalid"), errors)
        if (changes.get("credit_code", enterprise.credit_code) != enterprise.credit_code
                and _live_duplicate(session, changes["credit_code"], exclude=enterprise.id)):
            raise refused(Conflict, said("enterprise.taken"),
                          {"credit_code": said("enterprise_field.registered")})
        changed = sorted(k for k in changes if changes[k] != getattr(enterprise, k))
        for key in changed:
            setattr(enterprise, key, changes[key])
        for key, value in derived.items():
            setattr(enterprise, key, value)
        enterprise.version += 1
        enterprise.updated_at = utcnow()
        audit.record(actor, "enterprise.update", "enterprise", enterprise.id,
                     {"fields": changed, "version": enterprise.version})
    return enterprise


def remove_enterprise(actor: Actor, enterprise_id: uuid.UUID, version: int) -> None:
    """Soft-delete: the record stays for history and disappears from lists."""
    with unit_of_work():
        enterprise = get_enterprise(actor, enterprise_id, lock=True)
        authorize(actor, "enterprise.delete", enterprise.district)
        _check_version(enterprise, version)
        enterprise.deleted_at = enterprise.updated_at = utcnow()
        enterprise.version += 1
        audit.record(actor, "enterprise.delete", "enterprise", enterprise.id,
                     {"credit_code": enterprise.credit_code})


_index_cache: dict[str, Any] = {}
_index_lock = threading.Lock()


def site_index() -> SiteIndex:
    """The STRtree over every live site, rebuilt only when the register changed."""
    stamp = db.session.execute(select(func.count(), func.max(Enterprise.updated_at))
                               .where(Enterprise.site.is_not(None))).one()
    key = (stamp[0], stamp[1])
    with _index_lock:
        if _index_cache.get("key") != key:
            rows = db.session.execute(select(Enterprise.id, Enterprise.site).where(
                Enterprise.deleted_at.is_(None), Enterprise.site.is_not(None))).all()
            _index_cache.update(key=key, index=SiteIndex(
                [row.id for row in rows], [to_shape(row.site) for row in rows]))
        return _index_cache["index"]


def enterprises_near(actor: Actor, lon: float, lat: float,
                     radius_m: float) -> list[tuple[Enterprise, float]]:
    """Live enterprises in scope whose site lies within `radius_m` of a point, nearest first."""
    authorize(actor, "enterprise.read")
    found = site_index().within(lon, lat, radius_m)
    rows = {e.id: e for e in db.session.scalars(
        select(Enterprise).where(Enterprise.id.in_([n.key for n in found]),
                                 Enterprise.deleted_at.is_(None)))}
    return [(rows[n.key], n.distance_m) for n in found
            if n.key in rows and in_scope(actor, rows[n.key].district)]
