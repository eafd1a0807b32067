"""The supervisors' map: district outlines of the scope, sites, open violations and today's
tasks as layers drawn in SVG (with an optional GCJ-02 basemap)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import current_app, render_template
from shapely.geometry import shape

from server import clock
from server.auth.policy import Actor
from server.cases import service as cases
from server.console.svgmap import Viewport, bounds_of
from server.console.web import bp, page
from server.fieldwork import violations
from server.geo import geometry_to_gcj02, wgs84_to_gcj02
from server.planning import lifecycle, tasks
from server.registry import districts
from server.registry import service as registry

PAGE = 500
MAX_SITES = 5000
MAX_VIOLATIONS = 1000  # open violations drawn, the latest acts first (the page says so)
MAX_PAGES = 20  # of PAGE violations read, open or settled, for one map
FLAGGED = ("outside_site", "no_gps")


def _sites(actor: Actor) -> dict[str, dict[str, Any]]:
    """Live enterprises in scope with a point on their site (id -> name, district, lon/lat)."""
    found: dict[str, dict[str, Any]] = {}
    page_no = 1
    while len(found) < MAX_SITES:
        rows, _ = registry.list_enterprises(actor, registry.EnterpriseFilter(), page_no, PAGE)
        for row in rows:
            point = shape(json.loads(row.site_json)).representative_point()
            found[str(row.id)] = {"id": str(row.id), "name": row.name, "district": row.district,
                                  "lon": point.x, "lat": point.y}
        if len(rows) < PAGE:
            break
        page_no += 1
    return found


def _open_violations(actor: Actor, sites: dict[str, dict[str, Any]]
                     ) -> tuple[list[dict[str, Any]], bool]:
    """Violations not in a closed case, the latest acts first, at most MAX_VIOLATIONS among the
    latest MAX_PAGES pages (and whether more were left off); those without GPS are shown at
    their site."""
    out: list[dict[str, Any]] = []
    page_no = 1
    while True:
        rows, total = violations.page_violations(actor, None, None, page_no, PAGE,
                                                 newest_first=True)
        settled = cases.settled_violations(v.id for v in rows)
        for v in rows:
            site = sites.get(str(v.enterprise_id))
            if v.id in settled or (v.lat is None and site is None):
                continue
            if len(out) == MAX_VIOLATIONS:
                return out, True
            lon, lat = (v.lon, v.lat) if v.lat is not None else (site["lon"], site["lat"])
            flags = sorted(set(v.flags) | ({"no_gps"} if v.lat is None else set()))
            out.append({"id": str(v.id), "code": v.code, "lon": lon, "lat": lat,
                        "flags": flags, "flagged": [f for f in flags if f in FLAGGED],
                        "enterprise": site["name"] if site else ""})
        if page_no * PAGE >= total:
            return out, False
        if page_no == MAX_PAGES:  # one map request reads a bounded part of the table
            return out, True
        page_no += 1


def _todays_tasks(actor: Actor, sites: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Open tasks due today or already overdue."""
    today = clock.today_shanghai()
    out = []
    for status in sorted(lifecycle.OPEN):
        items, _ = tasks.list_tasks(actor, tasks.TaskFilter(status=status), 1, PAGE)
        for task in tasks.describe([t for t in items if t.due_date <= today]):
            site = sites.get(str(task["enterprise_id"]))
            if site is not None:
                out.append({**task, "lon": site["lon"], "lat": site["lat"],
                            "enterprise": site["name"]})
    return out


def _projector(gcj02: bool) -> tuple[Callable[[dict], dict], Callable[[float, float], tuple]]:
    if gcj02:
        return geometry_to_gcj02, wgs84_to_gcj02
    return (lambda g: g), (lambda lon, lat: (lon, lat))


@bp.route("/map", methods=["GET"])
@page("task.stats")
def map_page(actor: Actor) -> str:
    """The map of the actor's scope (all 16 districts when city-wide)."""
    tile_url = current_app.config.get("CONSOLE_TILE_URL")
    to_geometry, to_point = _projector(bool(tile_url))
    outlines = districts.in_scope(actor)
    geometries = {d.code: to_geometry(d.geometry) for d in outlines}
    view = Viewport.around(bounds_of(geometries.values()))

    def place(item: dict[str, Any]) -> dict[str, Any]:
        x, y = view.project(*to_point(item["lon"], item["lat"]))
        return {**item, "x": x, "y": y}

    shapes = []
    for d in outlines:
        label = shape(d.geometry).representative_point()
        x, y = view.project(*to_point(label.x, label.y))
        shapes.append({"code": d.code, "name": d.name, "name_en": d.name_en,
                       "path": view.path(geometries[d.code]), "x": x, "y": y})
    sites = _sites(actor)
    open_violations, violations_cut = _open_violations(actor, sites)
    layers = {"sites": [place(s) for s in sites.values()],
              "violations": [place(v) for v in open_violations],
              "tasks": [place(t) for t in _todays_tasks(actor, sites)]}
    tiles = view.tiles(tile_url, view.zoom_for()) if tile_url else []
    return render_template("console/map.html", view=view, districts=shapes, layers=layers,
                           tiles=tiles, today=clock.today_shanghai(),
                           violations_cut=MAX_VIOLATIONS if violations_cut else None)
