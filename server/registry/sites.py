"""PURE: is an enterprise site polygon acceptable? (valid, in Shanghai, in its district, sane)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from server.geo import geodesic_area_m2

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


def _shape_problems(geojson: Any) -> list[str]:
    """Structural checks that must pass before shapely may look at it."""
    if not isinstance(geojson, dict):
        return ["must be a GeoJSON geometry object"]
    if geojson.get("type") not in SITE_TYPES:
        return [f"type must be one of {', '.join(SITE_TYPES)}"]
    coordinates = geojson.get("coordinates")
    depth = 3 if geojson["type"] == "Polygon" else 4
    try:
        rings = _rings(geojson)
        if not isinstance(coordinates, list) or not rings:
            return ["coordinates must be a non-empty array"]
        for ring in rings:
            for point in ring:
                if (not isinstance(point, list) or len(point) not in (2, 3)
                        or not all(isinstance(v, int | float) and not isinstance(v, bool)
                                   and math.isfinite(v) for v in point)):
                    return [f"coordinates must be nested {depth} deep and end in [lon, lat]"]
                if not (-180 <= point[0] <= 180 and -90 <= point[1] <= 90):
                    return [f"point {point} is not a WGS-84 [lon, lat] pair"]
            if len(ring) < 4:
                return ["every ring needs at least 4 positions"]
            if ring[0] != ring[-1]:
                return ["every ring must be closed (first position equal to last)"]
    except (TypeError, KeyError, IndexError):
        return [f"coordinates must be nested {depth} deep and end in [lon, lat]"]
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
) -> tuple[Site | None, list[str]]:
    """Validate a site; return the accepted Site or the reasons it is refused."""
    problems = _shape_problems(geojson)
    if problems:
        return None, problems
    geometry = shape(geojson)
    if not geometry.is_valid:
        return None, [f"the polygon is not valid: {shapely.is_valid_reason(geometry)}"]
    if city is not None and _share_inside(geometry, city) < limits.min_share_in_district:
        return None, ["the site lies outside Shanghai"]
    if district is None:
        return None, [f"district {district_code} has no outline to check the site against"]
    share = _share_inside(geometry, district)
    if share < limits.min_share_in_district:
        return None, [f"the site lies outside district {district_code} "
                      f"({(1 - share) * 100:.1f} % of its area is outside)"]
    area = geodesic_area_m2(geometry)
    if not limits.min_area_m2 <= area <= limits.max_area_m2:
        return None, [f"the site area {area:,.0f} m² is outside the plausible range "
                      f"{limits.min_area_m2:,.0f}–{limits.max_area_m2:,.0f} m²"]
    centroid = geometry.centroid
    return Site(geojson, area, centroid.x, centroid.y), []
