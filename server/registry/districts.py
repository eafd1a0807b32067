"""District outlines: the shipped coarse set, official imports, and a cached lookup."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select

from server.audit import service as audit
from server.auth.policy import Actor, authorize
from server.clock import utcnow
from server.errors import ValidationFailed
from server.extensions import db
from server.registry.models import District
from server.uow import forget_in_transaction, once_per_transaction, unit_of_work

DEFAULT_BOUNDARIES = Path(__file__).resolve().parents[1] / "data" / "boundaries" / \
    "shanghai_districts.geojson"
SHANGHAI_PREFIX = "3101"


@dataclass(frozen=True)
class Boundaries:
    """Prepared shapes of every district and of the whole city."""

    districts: dict[str, BaseGeometry]
    city: BaseGeometry | None


_cache: dict[str, Any] = {}
_lock = threading.Lock()

OUTLINES_STAMP = "district_outlines_stamp"


def exists(code: str) -> bool:
    """Whether a district code is known."""
    return db.session.get(District, code) is not None


def list_districts() -> list[District]:
    """All districts by code."""
    return list(db.session.scalars(select(District).order_by(District.code)))


def in_scope(actor: Actor) -> list[District]:
    """The districts of the actor's scope by code (all of them for a city-wide actor)."""
    return [d for d in list_districts() if actor.city_wide or d.code == actor.scope]


def district_names() -> dict[str, tuple[str, str]]:
    """Each district's Chinese and English name by code (no outlines read)."""
    return {code: (name, name_en) for code, name, name_en in db.session.execute(
        select(District.code, District.name, District.name_en))}


def boundaries() -> Boundaries:
    """The outlines, rebuilt only when the districts table changed (one small query)."""
    key = once_per_transaction(OUTLINES_STAMP, lambda: tuple(db.session.execute(
        select(func.count(), func.max(District.updated_at))).one()))
    with _lock:
        if _cache.get("key") != key:
            shapes = {d.code: shape(d.geometry) for d in list_districts()}
            for geometry in shapes.values():
                shapely.prepare(geometry)
            city = shapely.union_all(list(shapes.values())) if shapes else None
            if city is not None:
                shapely.prepare(city)
            _cache.update(key=key, value=Boundaries(shapes, city))
        return _cache["value"]


def parse_boundaries(collection: Any) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """Read a FeatureCollection of districts; return rows and errors keyed by feature."""
    errors: dict[str, list[str]] = {}
    rows: list[dict[str, Any]] = []
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        return [], {"_file": ["must be a GeoJSON FeatureCollection"]}
    for index, feature in enumerate(collection.get("features") or []):
        key = f"features[{index}]"
        props = (feature or {}).get("properties") or {}
        code = str(props.get("adcode", ""))
        problems = []
        if not (len(code) == 6 and code.isdigit() and code.startswith(SHANGHAI_PREFIX)):
            problems.append(f"adcode {code!r} is not a Shanghai district code (3101xx)")
        if not props.get("name"):
            problems.append("name is missing")
        geometry_json = (feature or {}).get("geometry") or {}
        try:
            geometry = shape(geometry_json)
            if geometry.geom_type not in ("Polygon", "MultiPolygon"):
                problems.append("geometry must be a Polygon or MultiPolygon")
            elif not geometry.is_valid:
                problems.append(f"geometry is not valid: {shapely.is_valid_reason(geometry)}")
        except (ValueError, TypeError, AttributeError, KeyError, shapely.errors.GEOSException):
            problems.append("geometry cannot be read")
        if problems:
            errors[key] = problems
            continue
        rows.append({"code": code, "name": props["name"],
                     "name_en": props.get("name_en") or props["name"],
                     "geometry": geometry_json})
    codes = [row["code"] for row in rows]
    if len(set(codes)) != len(codes):
        errors["_file"] = ["an adcode appears more than once"]
    if not rows and not errors:
        errors["_file"] = ["no features"]
    return rows, errors


def import_boundaries(collection: Any, source: str, actor: Actor | None = None) -> list[str]:
    """Replace or add district outlines (e.g. official ones); returns the codes written."""
    if actor is not None:
        authorize(actor, "district.import")
    rows, errors = parse_boundaries(collection)
    if errors:
        raise ValidationFailed("The boundary file is not valid.", errors=errors)
    with unit_of_work() as session:
        now = utcnow()
        for row in rows:
            district = session.get(District, row["code"]) or District(code=row["code"])
            district.name, district.name_en = row["name"], row["name_en"]
            district.geometry, district.source, district.updated_at = row["geometry"], source, now
            session.add(district)
        forget_in_transaction(OUTLINES_STAMP)
        audit.record(actor, "district.import", "district", "boundaries",
                     {"source": source, "codes": [r["code"] for r in rows]})
    return [row["code"] for row in rows]


def load_default_if_empty() -> int:
    """Install the shipped coarse outlines on an empty database; returns how many."""
    if db.session.scalar(select(func.count()).select_from(District)):
        return 0
    collection = json.loads(DEFAULT_BOUNDARIES.read_text(encoding="utf-8"))
    source = collection.get("provenance", "shipped coarse outline")
    return len(import_boundaries(collection, source))
