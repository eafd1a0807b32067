"""PURE: draw WGS-84 (or GCJ-02) shapes into an SVG viewport in Web Mercator, and the
basemap tiles that cover it."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from shapely.geometry import shape

TILE_PX = 256


def mercator(lon: float, lat: float) -> tuple[float, float]:
    """Web Mercator in units of the world width (0..1 both ways, y downwards)."""
    x = (lon + 180.0) / 360.0
    siny = math.sin(math.radians(lat))
    y = 0.5 - math.log((1 + siny) / (1 - siny)) / (4 * math.pi)
    return x, y


@dataclass(frozen=True)
class Viewport:
    """A box of the world (in Mercator units) scaled to `width` SVG units."""

    min_x: float
    min_y: float
    max_x: float
    max_y: float
    width: float

    @classmethod
    def around(cls, bounds: Sequence[float], width: float = 1000.0,
               margin: float = 0.03) -> Viewport:
        """The viewport of lon/lat bounds (min_lon, min_lat, max_lon, max_lat) with a margin."""
        x0, y1 = mercator(bounds[0], bounds[1])
        x1, y0 = mercator(bounds[2], bounds[3])
        pad = max(x1 - x0, y1 - y0) * margin
        return cls(x0 - pad, y0 - pad, x1 + pad, y1 + pad, width)

    @property
    def scale(self) -> float:
        """SVG units per Mercator unit."""
        return self.width / (self.max_x - self.min_x)

    @property
    def height(self) -> float:
        """Height in SVG units."""
        return (self.max_y - self.min_y) * self.scale

    def project(self, lon: float, lat: float) -> tuple[float, float]:
        """SVG coordinates of a point."""
        x, y = mercator(lon, lat)
        return round((x - self.min_x) * self.scale, 1), round((y - self.min_y) * self.scale, 1)

    def path(self, geometry: dict[str, Any]) -> str:
        """The SVG path data of a Polygon or MultiPolygon."""
        geom = shape(geometry)
        polygons = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
        parts = []
        for polygon in polygons:
            for ring in (polygon.exterior, *polygon.interiors):
                points = [self.project(x, y) for x, y in ring.coords]
                parts.append("M" + "L".join(f"{x},{y}" for x, y in points) + "Z")
        return "".join(parts)

    def tiles(self, url: str, zoom: int) -> list[dict[str, Any]]:
        """The `{z}/{x}/{y}` tiles covering the viewport, placed in SVG units."""
        n = 2 ** zoom
        size = self.scale / n
        found = []
        for tx in range(int(self.min_x * n), int(self.max_x * n) + 1):
            for ty in range(int(self.min_y * n), int(self.max_y * n) + 1):
                found.append({"href": url.replace("{z}", str(zoom)).replace("{x}", str(tx))
                              .replace("{y}", str(ty)),
                              "x": round(tx * size - self.min_x * self.scale, 1),
                              "y": round(ty * size - self.min_y * self.scale, 1),
                              "size": round(size, 1)})
        return found

    def zoom_for(self, pixels: float = 1000.0) -> int:
        """The tile zoom whose 256 px tiles best match a `pixels`-wide rendering."""
        world_px = pixels / (self.max_x - self.min_x)
        return max(0, min(18, round(math.log2(world_px / TILE_PX))))


def bounds_of(geometries: Iterable[dict[str, Any]]) -> tuple[float, float, float, float]:
    """The lon/lat bounds of some GeoJSON geometries."""
    boxes = [shape(g).bounds for g in geometries]
    if not boxes:
        raise ValueError("no geometries")
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))
