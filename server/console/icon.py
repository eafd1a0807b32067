"""The site's icon at /favicon.ico: browsers ask for it on every site (the console's pages also
name the SVG icon beside it), so it is served, not left to answer 404 on each page load."""

from __future__ import annotations

from flask import Flask, Response, send_from_directory

from server.console.web import bp

ICO = "image/vnd.microsoft.icon"  # the registered type of .ico (image/x-icon is its old alias)
ICON_MAX_AGE = 7 * 24 * 3600  # a week: the icon hardly ever changes; a stale one harms nothing


def favicon() -> Response:
    """The icon file (16, 32 and 48 px), public and cached for a week."""
    response = send_from_directory(bp.static_folder, "favicon.ico", mimetype=ICO,
                                   max_age=ICON_MAX_AGE)
    response.cache_control.public = True
    return response


def register(app: Flask) -> None:
    """Serve /favicon.ico."""
    app.add_url_rule("/favicon.ico", "favicon", favicon, methods=["GET"])
