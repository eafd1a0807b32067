"""The district outlines shipped with the product are complete, clean, small and sourced."""

from __future__ import annotations

import csv
import itertools
import json
from pathlib import Path

import pytest
import shapely
from shapely.geometry import Point, shape

ROOT = Path(__file__).resolve().parents[2]
BOUNDARIES = ROOT / "server" / "data" / "boundaries" / "shanghai_districts.geojson"
SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
CENTERS = SHARED_DATA / "geo" / "shanghai_district_centers.csv"

EXPECTED = {
    "310101": "黄浦区",
    "310104": "徐汇区",
    "310105": "长宁区",
    "310106": "静安区",
    "310107": "普陀区",
    "310109": "虹口区",
    "310110": "杨浦区",
    "310112": "闵行区",
    "310113": "宝山区",
    "310114": "嘉定区",
    "310115": "浦东新区",
    "310116": "金山区",
    "310117": "松江区",
    "310118": "青浦区",
    "310120": "奉贤区",
    "310151": "崇明区",
}


@pytest.fixture(scope="module")
def collection() -> dict:
    return json.loads(BOUNDARIES.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def districts(collection: dict) -> dict[str, shapely.Geometry]:
    return {f["properties"]["adcode"]: shape(f["geometry"]) for f in collection["features"]}


def test_has_the_sixteen_districts_with_their_adcodes_and_names(collection: dict) -> None:
    props = [f["properties"] for f in collection["features"]]
    assert collection["type"] == "FeatureCollection"
    assert {p["adcode"]: p["name"] for p in props} == EXPECTED
    assert len(props) == 16
    assert all(isinstance(p["adcode"], str) and p["name_en"] for p in props)


def test_every_district_geometry_is_a_valid_polygon(districts: dict) -> None:
    for code, geom in districts.items():
        assert geom.geom_type in {"Polygon", "MultiPolygon"}, code
        assert geom.is_valid, (code, shapely.is_valid_reason(geom))
        assert not geom.is_empty, code


def test_neighbouring_districts_do_not_overlap(districts: dict) -> None:
    for (a, ga), (b, gb) in itertools.combinations(districts.items(), 2):
        assert ga.intersection(gb).area < 1e-9, (a, b)


def test_districts_leave_no_gaps_between_them(districts: dict) -> None:
    union = shapely.union_all(list(districts.values()))
    assert sum(len(p.interiors) for p in shapely.get_parts(union)) == 0


def test_chongming_keeps_its_three_main_islands(districts: dict) -> None:
    islands = shapely.get_parts(districts["310151"])
    assert len(islands) >= 3
    big = sorted((p.area for p in islands), reverse=True)[:3]
    # 1 km2 at 31.5 deg N is about 1e-4 deg2; the third main island is well over 100 km2.
    assert big[2] > 50e-4


def test_each_district_seat_falls_inside_its_own_district(districts: dict) -> None:
    with CENTERS.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 16
    for row in rows:
        seat = Point(float(row["center_lon_wgs84"]), float(row["center_lat_wgs84"]))
        holders = [code for code, geom in districts.items() if geom.contains(seat)]
        assert holders == [row["adcode"]], row["name"]


def test_provenance_states_source_method_and_that_it_is_not_official(collection: dict) -> None:
    text = collection["provenance"]
    for phrase in ("Amap", "shfshanyue/china-geojson", "coverage", "tolerance", "official"):
        assert phrase in text
    note = (BOUNDARIES.parent / "PROVENANCE.md").read_text(encoding="utf-8")
    assert "Amap" in note and "official" in note


def test_shipped_file_is_small() -> None:
    assert BOUNDARIES.stat().st_size < 100_000
