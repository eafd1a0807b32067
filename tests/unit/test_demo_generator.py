"""Demo enterprises are valid, unique, well placed and the same on every run."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import shape

from server.demo.generator import (
    DEFAULT_BOUNDARIES,
    generate_enterprises,
    load_districts_geojson,
)
from server.geo import geodesic_area_m2
from server.registry.credit_code import validate_credit_code


@pytest.fixture(scope="module")
def districts() -> dict:
    return load_districts_geojson(DEFAULT_BOUNDARIES)


@pytest.fixture(scope="module")
def enterprises(districts: dict) -> list[dict]:
    return generate_enterprises(districts, per_district=15)


def test_makes_fifteen_enterprises_in_each_of_the_sixteen_districts(enterprises: list) -> None:
    assert len(enterprises) == 240
    assert set(Counter(e["district"] for e in enterprises).values()) == {15}


def test_credit_codes_are_valid_unique_and_carry_the_district(enterprises: list) -> None:
    codes = [e["credit_code"] for e in enterprises]
    assert len(set(codes)) == len(codes)
    for e in enterprises:
        assert validate_credit_code(e["credit_code"]) == [], e["credit_code"]
        assert e["credit_code"][2:8] == e["district"]


def test_names_are_unique_chinese_company_names(enterprises: list) -> None:
    names = [e["name"] for e in enterprises]
    assert len(set(names)) == len(names)
    assert all(n.startswith("上海") and n.endswith("有限公司") for n in names)


def test_permit_numbers_follow_the_permit_class(enterprises: list) -> None:
    for e in enterprises:
        suffix = "W" if e["permit_class"] == "registration" else "P"
        assert re.fullmatch(re.escape(e["credit_code"]) + r"\d{3}" + suffix, e["permit_number"])


def test_permit_classes_come_in_a_realistic_mix(enterprises: list) -> None:
    share = Counter(e["permit_class"] for e in enterprises)
    assert set(share) == {"key", "simplified", "registration"}
    assert 0.1 < share["key"] / len(enterprises) < 0.3


def test_positive_list_terms_run_three_years_less_a_day(enterprises: list) -> None:
    listed = [e for e in enterprises if e["positive_list"]]
    assert listed
    for e in listed:
        assert e["permit_class"] in {"key", "simplified"}
        start = date.fromisoformat(e["positive_list_from"])
        until = date.fromisoformat(e["positive_list_until"])
        day_after = until + timedelta(days=1)
        anniversary = (3, 1) if (start.month, start.day) == (2, 29) else (start.month, start.day)
        assert (day_after.year, day_after.month, day_after.day) == (start.year + 3, *anniversary)
    for e in enterprises:
        if not e["positive_list"]:
            assert e["positive_list_from"] is None and e["positive_list_until"] is None


def test_contacts_have_a_role_and_a_mobile_number(enterprises: list) -> None:
    for e in enterprises:
        assert e["contacts"]
        for contact in e["contacts"]:
            assert contact["name"] and contact["role"]
            assert re.fullmatch(r"1[358]\d{9}", contact["phone"])
    assert {e["credit_rating"] for e in enterprises} <= {"A", "B", "C", "D"}


def test_every_site_is_a_closed_ccw_polygon_inside_its_district(
    enterprises: list, districts: dict
) -> None:
    for e in enterprises:
        site = e["site"]
        ring = site["coordinates"][0]
        assert site["type"] == "Polygon" and ring[0] == ring[-1]
        assert all(round(v, 6) == v for point in ring for v in point)
        polygon = shape(site)
        assert polygon.is_valid and polygon.exterior.is_ccw
        assert districts[e["district"]].contains(polygon), e["name"]


def test_every_site_keeps_about_100_m_clear_of_the_district_edge(
    enterprises: list, districts: dict
) -> None:
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32651", always_xy=True)

    def metric(geom: shapely.Geometry) -> shapely.Geometry:
        return shapely.transform(geom, lambda c: np.column_stack(to_utm.transform(*c.T)))

    edges = {code: metric(geom.boundary) for code, geom in districts.items()}
    for e in enterprises:
        assert metric(shape(e["site"])).distance(edges[e["district"]]) > 99.0, e["name"]


def test_every_site_area_lies_between_2000_and_80000_m2(enterprises: list) -> None:
    for e in enterprises:
        assert 2_000 <= geodesic_area_m2(shape(e["site"])) <= 80_000, e["name"]


def test_sites_do_not_overlap_each_other(enterprises: list) -> None:
    sites = [shape(e["site"]) for e in enterprises]
    tree = shapely.STRtree(sites)
    pairs = tree.query(sites, predicate="intersects")
    assert all(i == j for i, j in pairs.T)


def test_output_is_identical_run_to_run(districts: dict, enterprises: list) -> None:
    assert generate_enterprises(districts, per_district=15) == enterprises


def test_another_seed_gives_other_enterprises(districts: dict, enterprises: list) -> None:
    other = generate_enterprises(districts, per_district=15, seed=1)
    assert [e["credit_code"] for e in other] != [e["credit_code"] for e in enterprises]
