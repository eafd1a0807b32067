"""Coordinates: WGS-84 <-> GCJ-02 for display, geodesic area and distance in metres."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import orjson
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import Polygon, orient

# GCJ-02 is defined only by the public reverse-engineered forward transform below. No maintained
# library does it offline (pyproj/PROJ deliberately leave it out), so it is written by hand.
_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323
_INVERSE_TOLERANCE_DEG = 1e-9
_INVERSE_MAX_ROUNDS = 10

_GEOD = Geod(ellps="WGS84")

Transform = Callable[[float, float], tuple[float, float]]


def _outside_china(lon: float, lat: float) -> bool:
    # The coarse box every published implementation uses; the offset is only applied inside it.
    return not (73.66 < lon < 135.05 and 3.86 < lat < 53.55)


def _offset_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _offset_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """Shift a WGS-84 point to GCJ-02; points outside China are returned unchanged."""
    if _outside_china(lon, lat):
        return lon, lat
    d_lat = _offset_lat(lon - 105.0, lat - 35.0)
    d_lon = _offset_lon(lon - 105.0, lat - 35.0)
    rad_lat = lat / 180.0 * math.pi
    magic = 1.0 - _KRASOVSKY_EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    meridian_radius = (_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE)) / (magic * sqrt_magic)
    d_lat = (d_lat * 180.0) / (meridian_radius * math.pi)
    d_lon = (d_lon * 180.0) / (_KRASOVSKY_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return lon + d_lon, lat + d_lat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """Invert wgs84_to_gcj02 by fixed-point iteration (no closed form exists)."""
    guess_lon, guess_lat = lon, lat
    for _ in range(_INVERSE_MAX_ROUNDS):
        fwd_lon, fwd_lat = wgs84_to_gcj02(guess_lon, guess_lat)
        err_lon, err_lat = fwd_lon - lon, fwd_lat - lat
        if abs(err_lon) < _INVERSE_TOLERANCE_DEG and abs(err_lat) < _INVERSE_TOLERANCE_DEG:
            break
        guess_lon -= err_lon
        guess_lat -= err_lat
    return guess_lon, guess_lat


def location_as_wgs84(location: dict[str, Any] | None) -> dict[str, Any] | None:
    """A device position as stored: WGS-84 with the system named; one a device gave in
    GCJ-02 (as Amap/Tencent location SDKs do) is converted first (LAW.md §8)."""
    if location is None:
        return None
    lon, lat = location["lon"], location["lat"]
    if location.get("crs", "wgs84") == "gcj02":
        lon, lat = gcj02_to_wgs84(lon, lat)
    return {**location, "lat": lat, "lon": lon, "crs": "wgs84"}


def _map_position(position: Sequence[float], transform: Transform) -> list[float]:
    lon, lat = transform(float(position[0]), float(position[1]))
    # Keep altitude or any further ordinates untouched.
    return [lon, lat, *position[2:]]


def _map_coordinates(coords: Any, depth: int, transform: Transform) -> list[Any]:
    if depth == 0:
        return _map_position(coords, transform)
    return [_map_coordinates(part, depth - 1, transform) for part in coords]


# How deep the coordinate arrays nest below "coordinates" before a position is reached.
_NESTING = {
    "Point": 0,
    "MultiPoint": 1,
    "LineString": 1,
    "MultiLineString": 2,
    "Polygon": 2,
    "MultiPolygon": 3,
}


def _transform_geometry(geojson: dict[str, Any], transform: Transform) -> dict[str, Any]:
    kind = geojson.get("type")
    # A bbox would describe the old coordinates, so it is dropped rather than copied stale.
    result = {key: value for key, value in geojson.items() if key != "bbox"}
    if kind == "GeometryCollection":
        result["geometries"] = [_transform_geometry(g, transform) for g in geojson["geometries"]]
    elif kind in _NESTING:
        result["coordinates"] = _map_coordinates(geojson["coordinates"], _NESTING[kind], transform)
    else:
        raise ValueError(f"not a GeoJSON geometry type: {kind!r}")
    return result


def geometry_to_gcj02(geojson: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of a WGS-84 GeoJSON geometry with every position shifted to GCJ-02."""
    return _transform_geometry(geojson, wgs84_to_gcj02)


def geometry_to_wgs84(geojson: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of a GCJ-02 GeoJSON geometry with every position shifted back to WGS-84."""
    return _transform_geometry(geojson, gcj02_to_wgs84)


def to_shape(geojson: dict[str, Any]) -> BaseGeometry:
    """Build a shapely geometry from a GeoJSON geometry dict."""
    return shape(geojson)


def geodesic_area_m2(geom: BaseGeometry) -> float:
    """Return the geodesic area in m² of a WGS-84 lon/lat geometry (0 for points and lines)."""
    if isinstance(geom, Polygon):
        if geom.is_empty:
            return 0.0
        # pyproj adds hole areas with their sign, so holes are only subtracted when the rings
        # are oriented (exterior counter-clockwise, holes clockwise).
        area, _ = _GEOD.geometry_area_perimeter(orient(geom, sign=1.0))
        return abs(area)
    if hasattr(geom, "geoms"):
        return sum(geodesic_area_m2(part) for part in geom.geoms)
    return 0.0


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Return the geodesic distance in metres between two WGS-84 points."""
    _, _, distance = _GEOD.inv(lon1, lat1, lon2, lat2)
    return float(distance)


def utm_epsg(lon: float, lat: float) -> int:
    """EPSG code of the WGS-84 UTM zone of a point (Shanghai: 32651, zone 51N)."""
    zone = min(60, max(1, int((lon + 180) // 6) + 1))
    return (32600 if lat >= 0 else 32700) + zone


@lru_cache(maxsize=16)
def _to_utm(epsg: int) -> Transformer:
    return Transformer.from_crs(4326, epsg, always_xy=True)


def to_metric(geom: BaseGeometry, epsg: int) -> BaseGeometry:
    """Project a WGS-84 geometry into a UTM zone (metres; scale error < 0.1 % in-zone)."""
    transformer = _to_utm(epsg)
    return shapely.transform(geom, lambda xy: np.column_stack(
        transformer.transform(xy[:, 0], xy[:, 1])))


def points_to_metric(lons: Any, lats: Any, epsg: int) -> tuple[Any, Any]:
    """Project arrays of WGS-84 positions into a UTM zone, vectorised."""
    return _to_utm(epsg).transform(lons, lats)


def distance_to_geometry_m(lon: float, lat: float, geom: BaseGeometry) -> float:
    """Metres from a point to a WGS-84 geometry (0 inside), in the point's UTM zone."""
    epsg = utm_epsg(lon, lat)
    x, y = points_to_metric(lon, lat, epsg)
    return float(to_metric(geom, epsg).distance(Point(x, y)))


def distance_to_geojson_m(lon: float, lat: float, geojson: dict[str, Any]) -> float:
    """distance_to_geometry_m of a GeoJSON geometry, whose projection is cached: the
    violations recorded at one enterprise measure against the same site."""
    epsg = utm_epsg(lon, lat)
    x, y = points_to_metric(lon, lat, epsg)
    return float(_metric_shape(orjson.dumps(geojson), epsg).distance(Point(x, y)))


@lru_cache(maxsize=1024)
def _metric_shape(geojson: bytes, epsg: int) -> BaseGeometry:
    """A GeoJSON geometry (as JSON bytes) projected into a UTM zone."""
    return to_metric(to_shape(orjson.loads(geojson)), epsg)
