"""Where and when a photo was taken, against the record that cites it.

Flags: `no_gps`, `no_capture_time` (its time cannot be checked against the record),
`outside_site` (beyond OUTSIDE_SITE_M from the site), `captured_outside_inspection` (EXIF time
outside the inspection's start/end ± a tolerance), `location_mismatch` (EXIF position far from
the position the device reported), plus the photo's own flags.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shapely.geometry.base import BaseGeometry

from server.geo import distance_m, distance_to_geometry_m


@dataclass(frozen=True)
class RecordContext:
    """What a photo is checked against."""

    site: BaseGeometry | None
    started_at: datetime | None
    ended_at: datetime | None
    reported: tuple[float, float] | None  # (lon, lat) from the device
    outside_site_m: float
    mismatch_m: float
    tolerance: timedelta


def check(sha256: str, facts: Any | None, context: RecordContext) -> dict[str, Any]:
    """The checks of one cited evidence item; `facts` is None while it is not uploaded."""
    if facts is None:
        return {"sha256": sha256, "present": False, "flags": ["missing"]}
    flags = list(facts.flags)
    result: dict[str, Any] = {"sha256": sha256, "present": True, "kind": facts.kind,
                              "captured_at": facts.captured_at.isoformat()
                              if facts.captured_at else None,
                              "gps": None, "distance_to_site_m": None}
    if facts.kind == "photo":
        if facts.lat is None:
            flags.append("no_gps")
        else:
            result["gps"] = {"lat": facts.lat, "lon": facts.lon, "alt": facts.alt}
            if context.site is not None:
                distance = distance_to_geometry_m(facts.lon, facts.lat, context.site)
                result["distance_to_site_m"] = round(distance, 1)
                if distance > context.outside_site_m:
                    flags.append("outside_site")
            if context.reported is not None and distance_m(
                    facts.lon, facts.lat, *context.reported) > context.mismatch_m:
                flags.append("location_mismatch")
        if facts.captured_at is None:  # when it was taken cannot be checked against the record
            flags.append("no_capture_time")
        elif context.started_at is not None:
            end = context.ended_at or context.started_at
            if not (context.started_at - context.tolerance <= facts.captured_at
                    <= end + context.tolerance):
                flags.append("captured_outside_inspection")
    result["flags"] = sorted(set(flags))
    return result
