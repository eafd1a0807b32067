"""PURE: which sites lie within N metres of a point — an STRtree over sites in metres."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from server.geo import points_to_metric, to_metric, utm_epsg


@dataclass(frozen=True)
class Nearby:
    """A site near the point, with its distance in metres (0 inside)."""

    key: Any
    distance_m: float


class SiteIndex:
    """Sites projected once into one UTM zone (Shanghai: 51N) and indexed with an STRtree."""

    def __init__(self, keys: Sequence[Any], sites: Sequence[BaseGeometry]):
        if len(keys) != len(sites):
            raise ValueError("one key per site")
        self.keys = list(keys)
        if sites:
            centre = shapely.union_all([s.envelope for s in sites]).centroid
            self.epsg = utm_epsg(centre.x, centre.y)
        else:
            self.epsg = utm_epsg(121.47, 31.23)
        self.metric = np.array([to_metric(site, self.epsg) for site in sites], dtype=object)
        self.tree = shapely.STRtree(self.metric)

    def __len__(self) -> int:
        return len(self.keys)

    def within(self, lon: float, lat: float, radius_m: float) -> list[Nearby]:
        """Sites within `radius_m` of a WGS-84 point, nearest first."""
        x, y = points_to_metric(lon, lat, self.epsg)
        point = shapely.Point(x, y)
        hits = self.tree.query(point, predicate="dwithin", distance=radius_m)
        distances = shapely.distance(self.metric[hits], point)
        order = np.argsort(distances, kind="stable")
        return [Nearby(self.keys[hits[i]], float(distances[i])) for i in order]

    def nearest_within(self, lons: np.ndarray, lats: np.ndarray,
                       radius_m: float) -> tuple[np.ndarray, np.ndarray]:
        """For many points at once: index of the nearest site within the radius (-1: none)
        and its distance (inf: none). Vectorised: projection, tree query and distances."""
        xs, ys = points_to_metric(np.asarray(lons), np.asarray(lats), self.epsg)
        points = shapely.points(xs, ys)
        pairs = self.tree.query(points, predicate="dwithin", distance=radius_m)
        nearest = np.full(len(points), -1, dtype=np.int64)
        best = np.full(len(points), np.inf)
        if pairs.shape[1]:
            distances = shapely.distance(points[pairs[0]], self.metric[pairs[1]])
            order = np.lexsort((distances, pairs[0]))
            point_ids, first = np.unique(pairs[0][order], return_index=True)
            nearest[point_ids] = pairs[1][order][first]
            best[point_ids] = distances[order][first]
        return nearest, best
