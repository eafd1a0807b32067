"""District codes as the console names them: 浦东新区 (Pudong), or 全市 for the whole city."""

from __future__ import annotations

from flask import g
from flask_babel import gettext

from server.auth.policy import CITY
from server.console.formatting import english
from server.registry import districts


def district_name(code: str | None) -> str:
    """A district (or the city) by its name in the user's language; an unknown code as is."""
    if not code:
        return "—"
    if code == CITY:
        return gettext("Whole city")
    if "district_names" not in g:
        g.district_names = districts.district_names()  # once per request
    names = g.district_names.get(code)
    if names is None:
        return code
    return names[1] if english() else names[0]
