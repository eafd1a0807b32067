"""The console's pure drawing helpers: the SVG map projection and tiles, and bar charts."""

from __future__ import annotations

from server.console.charts import grouped_bars, nice_ceiling
from server.console.svgmap import Viewport, bounds_of, mercator

SQUARE = {"type": "Polygon", "coordinates": [[[121.0, 31.0], [121.5, 31.0], [121.5, 31.5],
                                              [121.0, 31.5], [121.0, 31.0]]]}


def test_north_is_up_and_east_is_right():
    view = Viewport.around(bounds_of([SQUARE]))
    west_south = view.project(121.0, 31.0)
    east_north = view.project(121.5, 31.5)
    assert east_north[0] > west_south[0] and east_north[1] < west_south[1]


def test_the_viewport_holds_its_shapes_inside_the_width():
    view = Viewport.around(bounds_of([SQUARE]), width=800)
    for lon, lat in SQUARE["coordinates"][0]:
        x, y = view.project(lon, lat)
        assert 0 < x < 800 and 0 < y < view.height


def test_a_polygon_with_a_hole_draws_two_closed_rings():
    holed = {"type": "Polygon", "coordinates": [
        SQUARE["coordinates"][0],
        [[121.1, 31.1], [121.2, 31.1], [121.2, 31.2], [121.1, 31.1]]]}
    path = Viewport.around(bounds_of([holed])).path(holed)
    assert path.count("M") == 2 and path.count("Z") == 2


def test_tiles_cover_the_viewport_at_the_chosen_zoom():
    view = Viewport.around(bounds_of([SQUARE]), width=1000)
    zoom = view.zoom_for(1000)
    tiles = view.tiles("https://t.example/{z}/{x}/{y}.png", zoom)
    assert all(t["href"].startswith(f"https://t.example/{zoom}/") for t in tiles)
    assert min(t["x"] for t in tiles) <= 0 and min(t["y"] for t in tiles) <= 0
    assert max(t["x"] + t["size"] for t in tiles) >= view.width
    assert max(t["y"] + t["size"] for t in tiles) >= view.height
    x, y = mercator(0, 0)
    assert (x, round(y, 9)) == (0.5, 0.5)


def test_bars_share_a_round_scale():
    assert [nice_ceiling(v) for v in (0, 7, 10, 11, 340, 5001)] == [1, 10, 10, 20, 500, 10000]
    chart = grouped_bars([("a", (10, 5)), ("b", (0, 20))], ("now", "before"))
    bars = {(g.label, b.series): b for g in chart.groups for b in g.bars}
    assert chart.top_value == 20
    assert bars[("b", "before")].height == chart.plot_bottom - chart.plot_top
    assert bars[("a", "now")].height == bars[("b", "before")].height / 2
    assert bars[("b", "now")].height == 0
