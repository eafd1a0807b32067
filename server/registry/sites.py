"""PURE: is an enterprise site polygon acceptable? (valid, in Shanghai, in its district, sane)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from server.geo import geodesic_area_m2
from server.messages import Message
from server.registry.parse_reasons import geometry_reason
from server.registry.refusals import said

SITE_TYPES = ("Polygon", "MultiPolygon")


@dataclass(frozen=True)
class SiteLimits:
    """Configurable bounds of a plausible site."""

    min_area_m2: float = 20.0
    max_area_m2: float = 50_000_000.0
    min_share_in_district: float = 0.99


@dataclass(frozen=True)
class Site:
    """An accepted site with the figures derived from it."""

    geojson: dict[str, Any]
    area_m2: float
    centroid_lon: float
    centroid_lat: float


def _rings(geojson: dict[str, Any]) -> list[list[Any]]:
    polygons = [geojson["coordinates"]] if geojson["type"] == "Polygon" else geojson["coordinates"]
    return [ring for polygon in polygons for ring in polygon]


def _shape_problems(geojson: Any) -> list[Message]:
    """Structural checks that must pass before shapely may look at it."""
    if not isinstance(geojson, dict):
        return [said("site.not_geometry")]
    if geojson.get("type") not in SITE_TYPES:
        return [said("site.type", types=list(SITE_TYPES))]
    coordinates = geojson.get("coordinates")
    depth = 3 if geojson["type"] == "Polygon" else 4
    try:
        rings = _rings(geojson)
        if not isinstance(coordinates, list) or not rings:
            return [said("site.empty")]
        for ring in rings:
            for point in ring:
                if (not isinstance(point, list) or len(point) not in (2, 3)
                        or not all(isinstance(v, int | float) and not isinstance(v, bool)
                                   and math.isfinite(v) for v in point)):
                    return [said("site.nesting", depth=depth)]
                if not (-180 <= point[0] <= 180 and -90 <= point[1] <= 90):
                    return [said("site.point", point=str(point))]
            if len(ring) < 4:
                return [said("site.ring_short")]
            if ring[0] != ring[-1]:
                return [said("site.ring_open")]
    except (TypeError, KeyError, IndexError):
        return [said("site.nesting", depth=depth)]
    return []


def _share_inside(geometry: BaseGeometry, area: BaseGeometry) -> float:
    if geometry.area == 0:
        return 0.0
    return geometry.intersection(area).area / geometry.area


def check_site(
    geojson: Any,
    district_code: str,
    district: BaseGeometry | None,
    city: BaseGeometry | None,
    limits: SiteLimits,
) -> tuple[Site | None, list[Message]]:
    """Validate a site; return the accepted Site or the reasons it is refused."""
    problems = _shape_problems(geojson)
    if problems:
        return None, problems
    geometry = shape(geojson)
    if not geometry.is_valid:
        reason = geometry_reason(shapely.is_valid_reason(geometry))
        return None, [said("site.invalid", reason=reason)]
    if city is not None and _share_inside(geometry, city) < limits.min_share_in_district:
        return None, [said("site.outside_city")]
    if district is None:
        return None, [said("site.no_outline", district=district_code)]
    share = _share_inside(geometry, district)
    if share < limits.min_share_in_district:
        return None, [said("site.outside_district", district=district_code,
                           outside_pct=(1 - share) * 100)]
    area = geodesic_area_m2(geometry)
    if not limits.min_area_m2 <= area <= limits.max_area_m2:
        return None, [said("site.area", area_m2=area, min_m2=limits.min_area_m2,
                           max_m2=limits.max_area_m2)]
    centroid = geometry.centroid
    return Site(geojson, area, centroid.x, centroid.y), []
