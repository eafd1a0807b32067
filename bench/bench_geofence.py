"""Geofence: 100,000 points against 5,000 site polygons, STRtree index vs a per-polygon loop."""

from __future__ import annotations

import time

import numpy as np
import shapely

from server.geo import points_to_metric, to_metric, utm_epsg
from server.registry.site_index import SiteIndex

RADIUS_M = 200.0


def _world(points: int, sites: int, seed: int = 42):
    rng = np.random.default_rng(seed)
    corners = rng.uniform((121.2, 30.9), (121.9, 31.5), (sites, 2))
    sizes = rng.uniform(0.0005, 0.003, (sites, 2))
    polygons = [shapely.box(x, y, x + w, y + h) for (x, y), (w, h) in zip(corners, sizes,
                                                                        strict=True)]
    lonlat = rng.uniform((121.2, 30.9), (121.9, 31.5), (points, 2))
    return polygons, lonlat[:, 0], lonlat[:, 1]


def _naive(polygons, lons, lats) -> np.ndarray:
    """Project, then for every polygon the distance to every point: keep the nearest."""
    epsg = utm_epsg(121.5, 31.2)
    metric = [to_metric(p, epsg) for p in polygons]
    xs, ys = points_to_metric(lons, lats, epsg)
    points = shapely.points(xs, ys)
    best = np.full(len(points), np.inf)
    nearest = np.full(len(points), -1)
    for number, polygon in enumerate(metric):
        distances = shapely.distance(polygon, points)
        closer = (distances < best) & (distances <= RADIUS_M)
        best[closer], nearest[closer] = distances[closer], number
    return nearest


def run(quick: bool) -> dict:
    """Points per second through the product's index (projection included) vs the loop."""
    point_count, site_count = (20_000, 1_000) if quick else (100_000, 5_000)
    polygons, lons, lats = _world(point_count, site_count)
    started = time.perf_counter()
    index = SiteIndex(list(range(site_count)), polygons)
    build_s = time.perf_counter() - started
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        nearest, _ = index.nearest_within(lons, lats, RADIUS_M)
        best = min(best, time.perf_counter() - started)
    index_rate = point_count / best
    # the loop is O(points x polygons): time it on a slice and compare rates
    sample = 2_000
    started = time.perf_counter()
    naive = _naive(polygons, lons[:sample], lats[:sample])
    naive_rate = sample / (time.perf_counter() - started)
    agree = bool(np.array_equal(naive, nearest[:sample]))
    if not agree:
        raise AssertionError("index and loop disagree on the nearest site")
    return {
        "geofence_vs_naive": {
            "value": index_rate, "unit": "points/s", "baseline": naive_rate,
            "ratio": index_rate / naive_rate, "goal": 10, "higher_is_better": True,
            "detail": f"{point_count} WGS-84 points vs {site_count} sites, nearest site within "
                      f"{RADIUS_M:.0f} m, projection included; index built in {build_s:.2f} s; "
                      f"loop timed on {sample} points; answers identical"},
        "geofence_points_per_s": {
            "value": index_rate, "unit": "points/s", "baseline": 200_000,
            "ratio": index_rate / 200_000, "goal": 1, "higher_is_better": True,
            "detail": "goal: 200,000 points/s including the projection (issue 3)"},
    }
