"""WGS-84 <-> GCJ-02 conversion, GeoJSON transforms, geodesic area and distance."""

import copy
import csv
import json
import math
from pathlib import Path

import pytest
from shapely.geometry import Polygon, box

from server.geo import (
    distance_m,
    gcj02_to_wgs84,
    geodesic_area_m2,
    geometry_to_gcj02,
    geometry_to_wgs84,
    to_shape,
    wgs84_to_gcj02,
)

SHARED_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
CENTERS_CSV = SHARED_DATA / "geo" / "shanghai_district_centers.csv"
DISTRICTS_WGS84 = SHARED_DATA / "geo" / "shanghai_districts_wgs84.geojson"
DISTRICTS_GCJ02 = SHARED_DATA / "geo" / "shanghai_districts_gcj02.geojson"

# WGS-84 ellipsoid, for building test shapes without the code under test.
WGS84_A = 6378137.0
WGS84_E2 = 0.00669437999014


def _centers() -> list[dict[str, str]]:
    with CENTERS_CSV.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _district_geometry(path: Path, adcode: str) -> dict:
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    return next(f["geometry"] for f in features if f["properties"]["adcode"] == adcode)


def _haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    radius = 6371008.8  # IUGG mean Earth radius
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(h))


def _metres_per_degree(lat: float) -> tuple[float, float]:
    """Metres per degree of longitude and latitude on the WGS-84 ellipsoid at lat."""
    phi = math.radians(lat)
    w = math.sqrt(1 - WGS84_E2 * math.sin(phi) ** 2)
    meridian = WGS84_A * (1 - WGS84_E2) / w**3
    prime_vertical = WGS84_A / w
    return prime_vertical * math.cos(phi) * math.pi / 180, meridian * math.pi / 180


@pytest.mark.parametrize("row", _centers(), ids=lambda row: row["name_en"])
def test_forward_transform_matches_published_gcj02_district_centres(row):
    lon, lat = wgs84_to_gcj02(float(row["center_lon_wgs84"]), float(row["center_lat_wgs84"]))
    # The CSV carries six decimals, so rounding alone accounts for up to 5e-7 degrees per value;
    # the worst observed difference is 4.9e-7 degrees (about 6 cm).
    assert lon == pytest.approx(float(row["center_lon_gcj02"]), abs=1e-6)
    assert lat == pytest.approx(float(row["center_lat_gcj02"]), abs=1e-6)


@pytest.mark.parametrize("row", _centers(), ids=lambda row: row["name_en"])
def test_inverse_undoes_forward(row):
    point = float(row["center_lon_wgs84"]), float(row["center_lat_wgs84"])
    back = gcj02_to_wgs84(*wgs84_to_gcj02(*point))
    assert back == pytest.approx(point, abs=1e-7)


def test_gcj02_offset_in_shanghai_is_hundreds_of_metres():
    lon, lat = 121.485836, 31.22475
    shifted = wgs84_to_gcj02(lon, lat)
    assert 300 < distance_m(lon, lat, *shifted) < 700


@pytest.mark.parametrize(
    "point",
    [(-0.1276, 51.5072), (139.6917, 35.6895), (151.2093, -33.8688), (-74.006, 40.7128)],
    ids=["london", "tokyo", "sydney", "new-york"],
)
def test_points_outside_china_are_unchanged(point):
    assert wgs84_to_gcj02(*point) == point
    assert gcj02_to_wgs84(*point) == point


def test_geodesic_area_of_a_100_m_square_near_shanghai():
    lon, lat = 121.4737, 31.2304
    per_lon, per_lat = _metres_per_degree(lat)
    square = box(lon, lat, lon + 100 / per_lon, lat + 100 / per_lat)
    assert geodesic_area_m2(square) == pytest.approx(10_000, rel=0.01)


@pytest.mark.parametrize("outer_clockwise", [False, True])
def test_geodesic_area_subtracts_holes_whatever_the_ring_orientation(outer_clockwise):
    lon, lat = 121.4737, 31.2304
    per_lon, per_lat = _metres_per_degree(lat)
    outer = list(box(lon, lat, lon + 100 / per_lon, lat + 100 / per_lat).exterior.coords)
    hole = box(lon + 25 / per_lon, lat + 25 / per_lat, lon + 75 / per_lon, lat + 75 / per_lat)
    hole_ring = list(hole.exterior.coords)
    if outer_clockwise:
        outer, hole_ring = outer[::-1], hole_ring[::-1]
    # Both rings run the same way, which GeoJSON producers get wrong in practice.
    with_hole = Polygon(outer, [hole_ring])
    assert geodesic_area_m2(with_hole) == pytest.approx(7_500, rel=0.01)


def test_geodesic_area_of_points_and_lines_is_zero():
    assert geodesic_area_m2(to_shape({"type": "Point", "coordinates": [121.47, 31.23]})) == 0.0
    line = {"type": "LineString", "coordinates": [[121.47, 31.23], [121.48, 31.24], [121.5, 31.2]]}
    assert geodesic_area_m2(to_shape(line)) == 0.0


def test_distance_between_district_centres_agrees_with_haversine():
    rows = {row["name_en"]: row for row in _centers()}
    for a, b in [("Huangpu", "Chongming"), ("Jinshan", "Baoshan"), ("Qingpu", "Pudong New Area")]:
        p = float(rows[a]["center_lon_wgs84"]), float(rows[a]["center_lat_wgs84"])
        q = float(rows[b]["center_lon_wgs84"]), float(rows[b]["center_lat_wgs84"])
        assert distance_m(*p, *q) == pytest.approx(_haversine_m(*p, *q), rel=0.005)


def test_distance_to_the_same_point_is_zero():
    assert distance_m(121.47, 31.23, 121.47, 31.23) == 0.0


def test_multipolygon_transform_keeps_structure_and_closed_rings():
    chongming = _district_geometry(DISTRICTS_WGS84, "310151")
    original = copy.deepcopy(chongming)
    shifted = geometry_to_gcj02(chongming)
    assert chongming == original  # input left untouched
    assert shifted["type"] == "MultiPolygon"
    assert len(shifted["coordinates"]) == len(chongming["coordinates"])
    pairs = zip(shifted["coordinates"], chongming["coordinates"], strict=True)
    for new_polygon, old_polygon in pairs:
        assert len(new_polygon) == len(old_polygon)
        for new_ring, old_ring in zip(new_polygon, old_polygon, strict=True):
            assert len(new_ring) == len(old_ring)
            assert new_ring[0] == new_ring[-1]
            assert new_ring[0] != old_ring[0]


def test_polygon_with_hole_keeps_ring_count_and_extra_ordinates():
    polygon = {
        "type": "Polygon",
        "coordinates": [
            [[121.4, 31.2, 5.0], [121.5, 31.2, 5.0], [121.5, 31.3, 5.0], [121.4, 31.2, 5.0]],
            [[121.45, 31.22], [121.47, 31.22], [121.47, 31.24], [121.45, 31.22]],
        ],
        "bbox": [121.40, 31.20, 121.50, 31.30],
    }
    shifted = geometry_to_gcj02(polygon)
    assert [len(ring) for ring in shifted["coordinates"]] == [4, 4]
    assert all(position[2] == 5.0 for position in shifted["coordinates"][0])
    assert "bbox" not in shifted


def test_published_gcj02_outline_converts_back_to_the_published_wgs84_outline():
    gcj = to_shape(geometry_to_wgs84(_district_geometry(DISTRICTS_GCJ02, "310101")))
    wgs = to_shape(_district_geometry(DISTRICTS_WGS84, "310101"))
    assert gcj.hausdorff_distance(wgs) < 1e-5


def test_geometry_collection_and_round_trip():
    collection = {
        "type": "GeometryCollection",
        "geometries": [
            {"type": "Point", "coordinates": [121.47, 31.23]},
            {"type": "MultiPoint", "coordinates": [[121.47, 31.23], [121.5, 31.3]]},
            {"type": "LineString", "coordinates": [[121.47, 31.23], [121.5, 31.3]]},
            {"type": "MultiLineString", "coordinates": [[[121.47, 31.23], [121.5, 31.3]]]},
        ],
    }
    back = geometry_to_wgs84(geometry_to_gcj02(collection))
    assert [g["type"] for g in back["geometries"]] == [g["type"] for g in collection["geometries"]]
    assert back["geometries"][0]["coordinates"] == pytest.approx([121.47, 31.23], abs=1e-7)


def test_unknown_geometry_type_is_rejected():
    with pytest.raises(ValueError):
        geometry_to_gcj02({"type": "Feature", "geometry": None})
