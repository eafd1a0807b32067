"""PURE: photo position and time against the record that cites it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pyproj import Geod
from shapely.geometry import box

from server.fieldwork.evidence_checks import RecordContext, check

SITE = box(121.5, 31.2, 121.501, 31.201)
START = datetime(2026, 6, 1, 1, 30, tzinfo=UTC)
GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class Facts:
    kind: str = "photo"
    lat: float | None = 31.2005
    lon: float | None = 121.5005
    alt: float | None = 4.0
    captured_at: datetime | None = START + timedelta(minutes=20)
    flags: tuple[str, ...] = ()


def _context(**change) -> RecordContext:
    values = dict(site=SITE, started_at=START, ended_at=START + timedelta(hours=1),
                  reported=(121.5005, 31.2005), outside_site_m=200, mismatch_m=300,
                  tolerance=timedelta(minutes=30))
    values.update(change)
    return RecordContext(**values)


def test_a_photo_taken_on_site_during_the_inspection_has_no_flags():
    result = check("a" * 64, Facts(), _context())
    assert result["flags"] == [] and result["distance_to_site_m"] == 0


def test_a_photo_far_from_the_site_and_the_device_is_flagged_both_ways():
    lon, lat, _ = GEOD.fwd(121.501, 31.2005, 90, 1000)
    result = check("a" * 64, Facts(lon=lon, lat=lat), _context())
    assert result["flags"] == ["location_mismatch", "outside_site"]
    assert abs(result["distance_to_site_m"] - 1000) < 1


def test_a_photo_taken_the_day_before_is_outside_the_inspection():
    result = check("a" * 64, Facts(captured_at=START - timedelta(days=1)), _context())
    assert result["flags"] == ["captured_outside_inspection"]


def test_the_tolerance_admits_a_photo_just_after_the_end():
    late = START + timedelta(hours=1, minutes=25)
    assert check("a" * 64, Facts(captured_at=late), _context())["flags"] == []


def test_a_photo_without_gps_and_its_own_flags_are_reported():
    result = check("a" * 64, Facts(lat=None, lon=None, flags=("gps_invalid",)), _context())
    assert result["flags"] == ["gps_invalid", "no_gps"] and result["gps"] is None


def test_evidence_not_yet_uploaded_is_missing():
    assert check("b" * 64, None, _context()) == {"sha256": "b" * 64, "present": False,
                                                 "flags": ["missing"]}


def test_a_signature_is_not_checked_for_position():
    result = check("a" * 64, Facts(kind="signature", lat=None, lon=None), _context())
    assert result["flags"] == []
