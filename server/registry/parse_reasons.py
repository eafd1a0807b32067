"""PURE: what a library says about an unreadable site or file (Python's JSON parser, GEOS's
validity reason) as register message keys, so the console says it in the user's language.
Each key's English is the library's own text, so the API answers exactly as before; a reason
not known here is passed on as the library wrote it."""

from __future__ import annotations

import re
from collections.abc import Callable

from server.messages import Message
from server.registry.refusals import said

# said() with each key written out (not a table of keys): the catalogue tests find the keys a
# package uses by reading its said(...) calls.
_JSON: dict[str, Callable[[], Message]] = {
    "Expecting value": lambda: said("json.value"),
    "Expecting property name enclosed in double quotes": lambda: said("json.property_name"),
    "Expecting ':' delimiter": lambda: said("json.colon"),
    "Expecting ',' delimiter": lambda: said("json.comma"),
    "Unterminated string starting at": lambda: said("json.unterminated"),
    "Invalid control character at": lambda: said("json.control"),
    "Extra data": lambda: said("json.extra"),
    "Invalid \\uXXXX escape": lambda: said("json.unicode_escape"),
}
_GEOMETRY: dict[str, Callable[[str], Message]] = {
    "Self-intersection": lambda at: said("geometry.self_intersection", at=at),
    "Ring Self-intersection": lambda at: said("geometry.ring_self_intersection", at=at),
    "Too few points": lambda at: said("geometry.too_few_points", at=at),
    "Hole lies outside shell": lambda at: said("geometry.hole_outside", at=at),
    "Nested holes": lambda at: said("geometry.nested_holes", at=at),
    "Interior is disconnected": lambda at: said("geometry.disconnected", at=at),
    "Duplicate Rings": lambda at: said("geometry.duplicate_rings", at=at),
    "Nested shells": lambda at: said("geometry.nested_shells", at=at),
    "Invalid Coordinate": lambda at: said("geometry.invalid_coordinate", at=at),
    "Ring is not closed": lambda at: said("geometry.ring_open", at=at),
}
_LOCATED = re.compile(r"^(?P<phrase>[^\[]+)\[(?P<at>[^\]]*)\]$")


def json_reason(message: str) -> Message | str:
    """The JSON parser's reason (JSONDecodeError.msg) as a message key when it is a known one."""
    known = _JSON.get(message)
    return known() if known is not None else message


def geometry_reason(reason: str) -> Message | str:
    """GEOS's validity reason ("Self-intersection[121.5 31.2]") as a message key when known."""
    match = _LOCATED.match(reason)
    known = _GEOMETRY.get(match["phrase"]) if match else None
    return known(match["at"]) if known is not None and match else reason
