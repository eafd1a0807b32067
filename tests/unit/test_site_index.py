"""PURE: the STRtree site index against a brute-force geodesic answer."""

from __future__ import annotations

import numpy as np
from pyproj import Geod
from shapely.geometry import box

from server.geo import distance_to_geometry_m
from server.registry.site_index import SiteIndex

GEOD = Geod(ellps="WGS84")


def _sites(count: int, seed: int = 7):
    rng = np.random.default_rng(seed)
    corners = rng.uniform((121.3, 31.0), (121.7, 31.4), (count, 2))
    return [box(x, y, x + 0.001, y + 0.0008) for x, y in corners]


def test_within_matches_a_brute_force_scan():
    sites = _sites(400)
    index = SiteIndex(list(range(len(sites))), sites)
    rng = np.random.default_rng(3)
    for lon, lat in rng.uniform((121.3, 31.0), (121.7, 31.4), (60, 2)):
        expected = sorted((round(distance_to_geometry_m(lon, lat, s), 3), i)
                          for i, s in enumerate(sites))
        expected = [i for d, i in expected if d <= 800]
        got = [n.key for n in index.within(lon, lat, 800)]
        assert got == expected


def test_distance_is_zero_inside_and_right_to_a_metre_at_one_kilometre():
    site = box(121.5, 31.2, 121.501, 31.201)
    index = SiteIndex(["s"], [site])
    assert index.within(121.5005, 31.2005, 1)[0].distance_m == 0
    lon, lat, _ = GEOD.fwd(121.501, 31.2005, 90, 1000)
    assert abs(index.within(lon, lat, 1500)[0].distance_m - 1000) < 1


def test_the_vectorised_query_agrees_with_the_single_point_query():
    sites = _sites(300, seed=11)
    index = SiteIndex(list(range(len(sites))), sites)
    rng = np.random.default_rng(5)
    points = rng.uniform((121.3, 31.0), (121.7, 31.4), (500, 2))
    nearest, distance = index.nearest_within(points[:, 0], points[:, 1], 300)
    for (lon, lat), key, metres in zip(points, nearest, distance, strict=True):
        single = index.within(lon, lat, 300)
        if single:
            assert key == single[0].key and abs(metres - single[0].distance_m) < 1e-6
        else:
            assert key == -1 and metres == np.inf


def test_an_empty_register_finds_nothing():
    index = SiteIndex([], [])
    assert index.within(121.5, 31.2, 1000) == []
    nearest, _ = index.nearest_within(np.array([121.5]), np.array([31.2]), 1000)
    assert nearest.tolist() == [-1]
