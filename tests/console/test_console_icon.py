"""The site's icon: /favicon.ico, which browsers ask for on every page load, is a real icon
they may cache; the console's pages name an SVG icon served from the console's own files."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

ICON_LINK = re.compile(r'<link rel="icon" href="([^"]+)"([^>]*)>')


def _max_age(response) -> int:
    return response.cache_control.max_age or 0


def test_favicon_ico_is_a_real_icon_anyone_gets_and_browsers_keep_a_day_or_more(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert response.cache_control.public and _max_age(response) >= 86_400
    icon = Image.open(io.BytesIO(response.data))
    assert icon.format == "ICO" and {(16, 16), (32, 32)} <= icon.info["sizes"]


def test_a_head_of_favicon_ico_answers_without_a_body(client):
    response = client.head("/favicon.ico")
    assert (response.status_code, response.data) == (200, b"")


@pytest.mark.parametrize("signed_in", [False, True])
def test_console_pages_name_an_svg_icon_and_the_ico_and_both_are_served(
        client, console, signed_in):
    session = console("supervisor") if signed_in else client
    page = session.get("/console/map" if signed_in else "/console/login")
    assert page.status_code == 200
    links = dict(ICON_LINK.findall(page.get_data(as_text=True)))
    svg = next(href for href, rest in links.items() if 'type="image/svg+xml"' in rest)
    assert 'sizes="32x32"' in links["/favicon.ico"]
    served = session.get(svg)
    assert (served.status_code, served.mimetype) == (200, "image/svg+xml")
    assert ET.fromstring(served.data).tag == "{http://www.w3.org/2000/svg}svg"
    assert "no-store" not in (served.headers.get("Cache-Control") or "")
