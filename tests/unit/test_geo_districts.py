"""District seats land in their own district whichever system they arrive in, once converted;
read raw, GCJ-02 positions are a few hundred metres off (LAW.md §8)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from shapely.geometry import Point, shape

from server.geo import distance_m, gcj02_to_wgs84, wgs84_to_gcj02

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data" / "geo"
SHIPPED = ROOT / "server" / "data" / "boundaries" / "shanghai_districts.geojson"
CENTRES = list(csv.DictReader((SHARED / "shanghai_district_centers.csv").open(encoding="utf-8")))


def _layer(path: Path) -> dict[str, object]:
    collection = json.loads(path.read_text("utf-8"))
    return {str(f["properties"]["adcode"]): shape(f["geometry"]) for f in collection["features"]}


@pytest.fixture(scope="module")
def layers():
    return {"shipped": _layer(SHIPPED), "reference": _layer(SHARED /
                                                            "shanghai_districts_wgs84.geojson")}


def _district(layer: dict, lon: float, lat: float) -> str | None:
    point = Point(lon, lat)
    return next((code for code, area in layer.items() if area.covers(point)), None)


@pytest.mark.parametrize("row", CENTRES, ids=[r["adcode"] for r in CENTRES])
def test_a_gcj02_seat_converted_back_lands_in_its_district(layers, row):
    lon, lat = gcj02_to_wgs84(float(row["center_lon_gcj02"]), float(row["center_lat_gcj02"]))
    for layer in layers.values():
        assert _district(layer, lon, lat) == row["adcode"]


@pytest.mark.parametrize("row", CENTRES, ids=[r["adcode"] for r in CENTRES])
def test_raw_gcj02_is_hundreds_of_metres_off_and_the_round_trip_under_2_m(row):
    wgs = float(row["center_lon_wgs84"]), float(row["center_lat_wgs84"])
    gcj = float(row["center_lon_gcj02"]), float(row["center_lat_gcj02"])
    assert 300 < distance_m(*wgs, *gcj) < 1000
    back = gcj02_to_wgs84(*wgs84_to_gcj02(*wgs))
    assert distance_m(*wgs, *back) < 2
