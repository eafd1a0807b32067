"""Every sample photo through the API: EXIF as photos_exif.csv says, broken files as the issue
says (zero bytes 400, undecodable kept and flagged), thumbnails upright."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from PIL import Image, ImageChops, ImageStat

from .conftest import PHOTOS, sha256

ROWS = list(csv.DictReader((PHOTOS.parent / "photos_exif.csv").open(encoding="utf-8")))
SHANGHAI = timedelta(hours=8)


@pytest.mark.parametrize("row", [r for r in ROWS if r["bytes"] != "0"], ids=lambda r: r["file"])
def test_every_sample_photo_becomes_evidence_as_the_table_says(tus, client, inspector, row):
    data = (PHOTOS / row["file"]).read_bytes()
    assert tus.upload(data, filename=row["file"]).status_code == 204
    response = client.get(f"/api/v1/evidence/{sha256(data)}", headers=inspector)
    assert response.status_code == 200
    evidence = response.get_json()
    assert evidence["size"] == int(row["bytes"]) and evidence["filename"] == row["file"]
    assert (evidence["width"], evidence["height"]) == (int(row["width"]), int(row["height"]))
    if row["has_gps"] == "True":
        assert evidence["gps"]["lat"] == pytest.approx(float(row["lat"]), abs=1e-6)
        assert evidence["gps"]["lon"] == pytest.approx(float(row["lon"]), abs=1e-6)
        altitude = float(row["gps_altitude_m"]) if row["gps_altitude_m"] else None
        assert evidence["gps"]["alt"] == (pytest.approx(altitude, abs=0.01) if altitude
                                          else None)
        assert "no_gps" not in evidence["flags"]
    else:
        assert evidence["gps"] is None and "no_gps" in evidence["flags"]
    if row["datetime_original"]:  # no offset in these files: read as Shanghai time
        local = datetime.strptime(row["datetime_original"], "%Y:%m:%d %H:%M:%S")
        captured = datetime.fromisoformat(evidence["captured_at"])
        assert captured.replace(tzinfo=None) + SHANGHAI == local
        assert "time_zone_assumed" in evidence["flags"]
    else:
        assert evidence["captured_at"] is None
    assert evidence["orientation"] == (int(row["orientation"]) if row["orientation"] else None)
    assert (evidence["make"], evidence["model"]) == (row["make"] or None, row["model"] or None)
    decodes = row["decodes"] == "yes"
    assert ("undecodable" in evidence["flags"]) is not decodes
    assert evidence["thumbnail"] is decodes
    thumbnail = client.get(f"/api/v1/evidence/{sha256(data)}/thumbnail", headers=inspector)
    if decodes:
        assert thumbnail.status_code == 200 and thumbnail.mimetype == "image/jpeg"
        assert max(Image.open(io.BytesIO(thumbnail.data)).size) <= 320
    else:
        assert thumbnail.status_code == 404
        assert thumbnail.content_type == "application/problem+json"
    original = client.get(f"/api/v1/evidence/{sha256(data)}/original", headers=inspector)
    assert original.status_code == 200 and original.data == data


def test_a_zero_byte_file_is_refused_with_400(tus, photo):
    assert photo("DERIVED_empty_0B.jpg") == b""
    response = tus.create(0, sha256(b""), filename="DERIVED_empty_0B.jpg")
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"


@pytest.mark.parametrize("orientation", range(2, 9))
def test_thumbnails_and_previews_of_orientations_2_to_8_are_upright(tus, client, inspector,
                                                                    orientation):
    reference = Image.open(PHOTOS / "pillow_hopper_noexif.jpg").convert("RGB")
    data = (PHOTOS / f"pillow_hopper_orientation_{orientation}.jpg").read_bytes()
    assert tus.upload(data).status_code == 204
    for variant in ("thumbnail", "preview"):
        response = client.get(f"/api/v1/evidence/{sha256(data)}/{variant}", headers=inspector)
        image = Image.open(io.BytesIO(response.data)).convert("RGB")
        assert image.size == reference.size
        difference = sum(ImageStat.Stat(ImageChops.difference(image, reference)).mean) / 3
        assert difference < 8, f"{variant}: mean difference {difference:.1f}"
