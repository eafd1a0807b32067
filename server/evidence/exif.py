"""PURE: what a photo's EXIF says about when, where and with what it was taken (Pillow only).

GPS becomes signed decimal degrees (WGS-84, as GNSS gives it) honouring the N/S/E/W references;
a malformed GPS block yields no position and the flag `gps_invalid`, never an exception.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from PIL import ExifTags, Image

TAG_ORIENTATION = 0x0112
TAG_MAKE = 0x010F
TAG_MODEL = 0x0110
TAG_DATETIME_ORIGINAL = 0x9003
TAG_OFFSET_TIME_ORIGINAL = 0x9011
GPS_LAT_REF, GPS_LAT, GPS_LON_REF, GPS_LON, GPS_ALT_REF, GPS_ALT = 1, 2, 3, 4, 5, 6

_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


@dataclass(frozen=True)
class Position:
    """A WGS-84 position in decimal degrees; altitude in metres above sea level."""

    lat: float
    lon: float
    alt: float | None = None


@dataclass(frozen=True)
class ExifFacts:
    """What the EXIF block says; `flags` name what was present but unusable."""

    orientation: int | None = None
    make: str | None = None
    model: str | None = None
    captured_local: datetime | None = None  # DateTimeOriginal as written (no zone)
    captured_offset: timedelta | None = None  # OffsetTimeOriginal, when the camera wrote one
    gps: Position | None = None
    flags: frozenset[str] = field(default_factory=frozenset)

    def captured_at(self, assumed_zone: Any) -> datetime | None:
        """The capture instant: with the recorded offset, else in `assumed_zone`."""
        if self.captured_local is None:
            return None
        if self.captured_offset is not None:
            return self.captured_local.replace(tzinfo=timezone(self.captured_offset))
        return self.captured_local.replace(tzinfo=assumed_zone)


def _text(value: Any) -> str | None:
    """EXIF ASCII values come padded with NULs or spaces, sometimes as bytes."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str):
        return None
    value = value.replace("\x00", "").strip()
    return value or None


def _number(value: Any) -> float | None:
    """A finite float from an EXIF rational or integer, else None (0/0 is NaN in Pillow)."""
    try:
        number = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return number if math.isfinite(number) else None


def _degrees(value: Any, limit: float) -> float | None:
    """Degrees, minutes, seconds as three rationals → decimal degrees, or None if malformed."""
    if not isinstance(value, tuple | list) or len(value) != 3:
        return None
    parts = [_number(part) for part in value]
    if any(part is None or part < 0 for part in parts):
        return None
    degrees, minutes, seconds = parts
    if minutes >= 60 or seconds >= 60:
        return None
    decimal = degrees + minutes / 60 + seconds / 3600
    return decimal if decimal <= limit else None


def _altitude(gps: Mapping[int, Any]) -> float | None:
    altitude = _number(gps.get(GPS_ALT))
    if altitude is None:
        return None
    ref = gps.get(GPS_ALT_REF, 0)
    if isinstance(ref, bytes):
        ref = ref[:1] == b"\x01"
    return -altitude if ref in (1, True) else altitude


def position_from_gps(gps: Mapping[int, Any]) -> tuple[Position | None, bool]:
    """(position, malformed) from a GPS IFD; no coordinates at all is not malformed."""
    if GPS_LAT not in gps and GPS_LON not in gps:
        return None, False
    lat = _degrees(gps.get(GPS_LAT), 90.0)
    lon = _degrees(gps.get(GPS_LON), 180.0)
    lat_ref = (_text(gps.get(GPS_LAT_REF)) or "").upper()
    lon_ref = (_text(gps.get(GPS_LON_REF)) or "").upper()
    if lat is None or lon is None or lat_ref not in ("N", "S") or lon_ref not in ("E", "W"):
        return None, True
    if lat == 0 and lon == 0:  # receivers without a fix write zeros ("null island")
        return None, True
    return Position(lat if lat_ref == "N" else -lat, lon if lon_ref == "E" else -lon,
                    _altitude(gps)), False


def parse_datetime(value: Any) -> datetime | None:
    """EXIF 'YYYY:MM:DD HH:MM:SS' → naive datetime, None if blank or malformed."""
    text = _text(value)
    if not text:
        return None
    try:
        return datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def parse_offset(value: Any) -> timedelta | None:
    """EXIF '+08:00' → timedelta, None if absent or malformed."""
    match = _OFFSET.match(_text(value) or "")
    if not match:
        return None
    sign, hours, minutes = match.groups()
    if int(minutes) >= 60 or int(hours) > 14:
        return None
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    return -delta if sign == "-" else delta


def read_exif(image: Image.Image) -> ExifFacts:
    """Read the EXIF of an opened image; damaged blocks give None fields and flags."""
    flags: set[str] = set()
    try:
        exif = image.getexif()
        exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
    except Exception:  # Pillow raises many types on broken EXIF; the pixels may still be fine
        return ExifFacts(flags=frozenset({"exif_invalid"}))
    try:
        gps_ifd = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except Exception:  # a GPS pointer to garbage is a malformed GPS block
        gps_ifd, flags = {}, {"gps_invalid"}
    position, malformed = position_from_gps(gps_ifd)
    if malformed:
        flags.add("gps_invalid")
    raw_time = _text(exif_ifd.get(TAG_DATETIME_ORIGINAL))
    captured = parse_datetime(raw_time)
    if raw_time and captured is None and raw_time.strip(" :0"):  # blank or zeros = unknown
        flags.add("time_invalid")
    orientation = exif.get(TAG_ORIENTATION)
    return ExifFacts(
        orientation=orientation if isinstance(orientation, int) and 1 <= orientation <= 8
        else None,
        make=_text(exif.get(TAG_MAKE)), model=_text(exif.get(TAG_MODEL)),
        captured_local=captured, captured_offset=parse_offset(
            exif_ifd.get(TAG_OFFSET_TIME_ORIGINAL)),
        gps=position, flags=frozenset(flags))
