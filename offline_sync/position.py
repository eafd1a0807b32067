"""Where a photo was taken, from its EXIF GPS block: what the command-line tablet (which has no
GNSS receiver of its own) geotags a violation with when no position is typed; and whether the
photo decodes at all, said while it can still be taken again."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from PIL import ExifTags, Image

from schemas.fieldwork import LocationSchema

try:  # phones write HEIC; without pillow-heif such a photo simply has no position here
    from pillow_heif import register_heif_opener
except ImportError:  # pragma: no cover - pillow-heif is in requirements.txt
    pass
else:
    register_heif_opener()

LAT_REF, LAT, LON_REF, LON = 1, 2, 3, 4  # GPS IFD tags
EARTH_RADIUS_M = 6_371_008.8  # mean radius: plenty to tell a photo taken somewhere else


def _signed(dms: Any, ref: Any, refs: str) -> float | None:
    """Degrees, minutes, seconds and their reference (`refs`: positive then negative, "NS"
    or "EW") as signed decimal degrees; None when either is malformed."""
    if isinstance(ref, bytes):
        ref = ref.decode("latin-1")
    ref = str(ref).strip("\x00 ").upper()
    try:
        degrees, minutes, seconds = (float(part) for part in dms)
    except (TypeError, ValueError, ZeroDivisionError):  # not three numbers (0/0 included)
        return None
    value = degrees + minutes / 60 + seconds / 3600
    if len(ref) != 1 or ref not in refs or not math.isfinite(value) \
            or min(degrees, minutes, seconds) < 0:
        return None
    return -value if ref == refs[1] else value


def photo_position(path: str | Path) -> dict[str, float] | None:
    """{lat, lon} in WGS-84 degrees (as GNSS writes EXIF), or None: not an image, no GPS
    block, or one without a usable fix (missing references, out of range, 0/0)."""
    try:
        with Image.open(path) as image:
            gps = image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    except Exception:  # Pillow raises many kinds on files that are not (whole) images
        return None
    lat = _signed(gps.get(LAT), gps.get(LAT_REF), "NS")
    lon = _signed(gps.get(LON), gps.get(LON_REF), "EW")
    if lat is None or lon is None or (lat == 0 and lon == 0):  # no fix writes zeros
        return None
    position = {"lat": round(lat, 7), "lon": round(lon, 7)}
    return None if LocationSchema().validate(position) else position


def decode_problem(path: str | Path) -> str | None:
    """Why the file does not decode as a whole image (not an image, cut short, corrupt), as
    Pillow says it; None when it does. The server refuses the first and flags the others
    `undecodable`: evidence no one can look at."""
    try:
        with Image.open(path) as image:
            image.draft("RGB", (256, 256))  # a JPEG decoded small: every byte still read
            image.load()
    except Exception as error:  # Pillow raises many kinds on files that are not (whole) images
        return str(error) or type(error).__name__
    return None


def distance_m(lat: float, lon: float, other_lat: float, other_lon: float) -> float:
    """Great-circle distance between two points in degrees, metres (haversine)."""
    phi, other_phi = math.radians(lat), math.radians(other_lat)
    half = (math.sin((other_phi - phi) / 2) ** 2 + math.cos(phi) * math.cos(other_phi)
            * math.sin(math.radians(other_lon - lon) / 2) ** 2)
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, half)))
