"""Make the coarse Shanghai district outlines shipped with the product (run by hand)."""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Point, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry

ROOT = Path(__file__).resolve().parents[1]
GEO = ROOT.parent / "shared" / "data" / "geo"
SOURCE = GEO / "shanghai_districts_wgs84.geojson"
CENTERS = GEO / "shanghai_district_centers.csv"
OUTPUT = ROOT / "server" / "data" / "boundaries" / "shanghai_districts.geojson"

# UTM zone 51N covers all of Shanghai, so the tolerance can be given in metres.
METRIC_CRS = "EPSG:32651"
TOLERANCE_M = 400.0
DECIMALS = 5
# Islets below this area are noise at a 400 m tolerance (they collapse to slivers).
MIN_PART_KM2 = 1.0
MAX_OVERLAP_DEG2 = 1e-9

DISTRICTS: dict[str, tuple[str, str]] = {
    "310101": ("黄浦区", "Huangpu"),
    "310104": ("徐汇区", "Xuhui"),
    "310105": ("长宁区", "Changning"),
    "310106": ("静安区", "Jing'an"),
    "310107": ("普陀区", "Putuo"),
    "310109": ("虹口区", "Hongkou"),
    "310110": ("杨浦区", "Yangpu"),
    "310112": ("闵行区", "Minhang"),
    "310113": ("宝山区", "Baoshan"),
    "310114": ("嘉定区", "Jiading"),
    "310115": ("浦东新区", "Pudong New Area"),
    "310116": ("金山区", "Jinshan"),
    "310117": ("松江区", "Songjiang"),
    "310118": ("青浦区", "Qingpu"),
    "310120": ("奉贤区", "Fengxian"),
    "310151": ("崇明区", "Chongming"),
}


def provenance(tolerance_m: float) -> str:
    """Return the provenance statement for outlines simplified at tolerance_m metres."""
    return (
        "Coarse outlines of Shanghai's 16 districts made by this project for demonstration and "
        "scoping only; NOT official boundaries. Derived from Amap district shapes (GCJ-02, via the "
        "public repository shfshanyue/china-geojson, commit 87a30e47) converted to WGS-84 with the "
        "iterative GCJ-02 inverse, then projected to UTM 51N (EPSG:32651) and simplified together "
        "as one polygonal coverage with GEOS coverage simplification (Visvalingam-Whyatt, "
        f"shapely.coverage_simplify, tolerance {tolerance_m:.0f} m) so neighbouring districts keep "
        f"shared edges (no gaps, no overlaps), islets under {MIN_PART_KM2:g} km2 dropped, and "
        f"coordinates rounded to {DECIMALS} decimal places (about 1 m). Edges may be off by "
        "several hundred metres. Administrators should import the official boundaries before "
        "relying on district membership. Coordinates: WGS-84 (EPSG:4326), longitude/latitude."
    )


def _reproject(geom: BaseGeometry, transformer: Transformer) -> BaseGeometry:
    """Return geom with every coordinate passed through transformer."""

    def apply(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, apply)


def _as_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    """Return the polygonal parts of geom as one MultiPolygon."""
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    if isinstance(geom, MultiPolygon):
        return geom
    parts = [g for g in shapely.get_parts(geom) if isinstance(g, Polygon | MultiPolygon)]
    return _as_multipolygon(shapely.union_all(parts))


def _drop_islets(geom: BaseGeometry, min_area_m2: float) -> MultiPolygon:
    """Return geom (metric) without parts smaller than min_area_m2, keeping at least the largest."""
    parts = sorted(shapely.get_parts(geom), key=lambda p: p.area, reverse=True)
    return MultiPolygon([parts[0], *(p for p in parts[1:] if p.area >= min_area_m2)])


def simplify_districts(
    geoms: list[BaseGeometry], tolerance_m: float = TOLERANCE_M, decimals: int = DECIMALS
) -> list[MultiPolygon]:
    """Simplify WGS-84 district geometries together as a coverage and round their coordinates."""
    to_metric = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
    to_wgs84 = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
    metric = [_reproject(g, to_metric) for g in geoms]
    if not shapely.coverage_is_valid(metric):
        raise ValueError("source districts do not form a valid coverage")
    simplified = shapely.coverage_simplify(metric, tolerance_m)
    trimmed = [_drop_islets(g, MIN_PART_KM2 * 1e6) for g in simplified]
    # Shared vertices are transformed and rounded identically, so edges stay matched.
    rounded = [
        shapely.transform(_reproject(g, to_wgs84), lambda c: np.round(c, decimals)) for g in trimmed
    ]
    out = []
    for g in rounded:
        if not g.is_valid:
            g = shapely.make_valid(g)
        out.append(_as_multipolygon(shapely.orient_polygons(g, exterior_cw=False)))
    return out


def check_districts(
    adcodes: list[str], geoms: list[BaseGeometry], centers: dict[str, Point]
) -> list[str]:
    """Return the problems found in simplified districts (empty list == fit to ship)."""
    problems = []
    if sorted(adcodes) != sorted(DISTRICTS):
        problems.append(f"adcodes {sorted(adcodes)} differ from the 16 expected")
    for code, geom in zip(adcodes, geoms, strict=True):
        if not geom.is_valid:
            problems.append(f"{code}: invalid geometry ({shapely.is_valid_reason(geom)})")
        if code in centers and not geom.contains(centers[code]):
            problems.append(f"{code}: district centre falls outside")
    for i in range(len(geoms)):
        for j in range(i + 1, len(geoms)):
            overlap = geoms[i].intersection(geoms[j]).area
            if overlap >= MAX_OVERLAP_DEG2:
                problems.append(f"{adcodes[i]}/{adcodes[j]}: overlap {overlap:.3g} deg2")
    holes = sum(len(p.interiors) for p in shapely.get_parts(shapely.union_all(geoms)))
    if holes:
        problems.append(f"the union of the districts has {holes} gap(s)")
    return problems


def read_centers(path: Path) -> dict[str, Point]:
    """Read the WGS-84 district seats from the shared centres CSV, keyed by adcode."""
    with path.open(encoding="utf-8") as fh:
        return {
            row["adcode"]: Point(float(row["center_lon_wgs84"]), float(row["center_lat_wgs84"]))
            for row in csv.DictReader(fh)
        }


def build(source: Path, centers_path: Path, tolerance_m: float) -> dict:
    """Build the shippable FeatureCollection from the source districts, or raise on a problem."""
    features = json.loads(source.read_text(encoding="utf-8"))["features"]
    adcodes = [str(f["properties"]["adcode"]) for f in features]
    for code, f in zip(adcodes, features, strict=True):
        if code in DISTRICTS and f["properties"].get("name") != DISTRICTS[code][0]:
            raise ValueError(f"{code}: source name {f['properties'].get('name')!r} is unexpected")
    geoms = simplify_districts([shape(f["geometry"]) for f in features], tolerance_m)
    problems = check_districts(adcodes, geoms, read_centers(centers_path))
    if problems:
        raise ValueError("; ".join(problems))
    ordered = sorted(zip(adcodes, geoms, strict=True))
    return {
        "type": "FeatureCollection",
        "name": "shanghai_districts",
        "provenance": provenance(tolerance_m),
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "adcode": code,
                    "name": DISTRICTS[code][0],
                    "name_en": DISTRICTS[code][1],
                },
                "geometry": mapping(geom),
            }
            for code, geom in ordered
        ],
    }


def main(argv: list[str] | None = None) -> None:
    """Write the simplified district outlines to the product's data directory."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--centers", type=Path, default=CENTERS)
    parser.add_argument("--out", type=Path, default=OUTPUT)
    parser.add_argument("--tolerance", type=float, default=TOLERANCE_M, help="metres")
    args = parser.parse_args(argv)
    try:
        collection = build(args.source, args.centers, args.tolerance)
    except ValueError as exc:
        raise SystemExit(f"refusing to write {args.out}: {exc}") from exc
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")
    geoms = [shape(f["geometry"]) for f in collection["features"]]
    vertices = sum(shapely.get_num_coordinates(g) for g in geoms)
    print(f"wrote {args.out} ({len(text.encode('utf-8')):,} bytes, {vertices} vertices)")


if __name__ == "__main__":
    main()
