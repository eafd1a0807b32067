"""The command-line tablet's geotag: the GPS of every sample photo in ../shared/data/photos/ as
an independent reader decoded it (photos_exif.csv), and GPS blocks a receiver botched."""

from __future__ import annotations

import csv
import io
from fractions import Fraction
from pathlib import Path

import pytest
from PIL import Image

from offline_sync.position import photo_position

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
ROWS = list(csv.DictReader((SHARED / "photos_exif.csv").open(encoding="utf-8")))


@pytest.mark.parametrize("row", ROWS, ids=[row["file"] for row in ROWS])
def test_the_position_is_the_one_the_photo_records(row):
    found = photo_position(SHARED / "photos" / row["file"])
    if row["has_gps"] != "True":
        assert found is None
        return
    assert found == pytest.approx({"lat": float(row["lat"]), "lon": float(row["lon"])},
                                  abs=1e-6)


def _with_gps(tmp_path: Path, gps: dict) -> Path:
    image = Image.new("RGB", (8, 8))
    exif = image.getexif()
    exif.get_ifd(0x8825).update(gps)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    path = tmp_path / "gps.jpg"
    path.write_bytes(buffer.getvalue())
    return path


def _dms(value: float) -> tuple[Fraction, Fraction, Fraction]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = Fraction(round((value - degrees - minutes / 60) * 3600 * 1000), 1000)
    return Fraction(degrees), Fraction(minutes), seconds


def test_south_and_west_are_negative(tmp_path):
    found = photo_position(_with_gps(tmp_path, {1: "S", 2: _dms(33.8688), 3: "W",
                                                4: _dms(70.6693)}))
    assert found == pytest.approx({"lat": -33.8688, "lon": -70.6693}, abs=1e-6)


@pytest.mark.parametrize("gps", [
    {1: "N", 2: _dms(0), 3: "E", 4: _dms(0)},  # no fix: the receiver wrote zeros
    {2: _dms(31.2), 4: _dms(121.5)},  # no N/S, E/W references
    {1: "X", 2: _dms(31.2), 3: "E", 4: _dms(121.5)},  # a reference that is none
    {1: "N", 2: _dms(95.0), 3: "E", 4: _dms(121.5)},  # off the globe
], ids=["null island", "no references", "bad reference", "latitude over 90"])
def test_a_botched_gps_block_gives_no_position(tmp_path, gps):
    assert photo_position(_with_gps(tmp_path, gps)) is None
