"""EXIF and header reading (pure) against what an independent reader decoded from every sample
photo in ../shared/data/photos/ (photos_exif.csv), plus hand-made malformed GPS blocks."""

from __future__ import annotations

import csv
import io
import random
import zlib
from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat, TiffImagePlugin

from server.evidence import exif, images

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
ROWS = list(csv.DictReader((SHARED / "photos_exif.csv").open(encoding="utf-8")))
MAX_PIXELS = 89_478_485


def _float(text: str) -> float | None:
    return float(text) if text else None


def test_the_sample_table_lists_every_sample_photo():
    assert {row["file"] for row in ROWS} == {p.name for p in (SHARED / "photos").iterdir()}


@pytest.mark.parametrize("row", ROWS, ids=[row["file"] for row in ROWS])
def test_header_and_exif_match_the_independent_reading(row):
    data = (SHARED / "photos" / row["file"]).read_bytes()
    facts = images.inspect(io.BytesIO(data), MAX_PIXELS)
    if not row["format"]:  # the zero-byte file is nothing at all
        assert facts is None
        return
    assert images.sniff(data[:images.SNIFF_BYTES]).startswith("image/")
    assert (facts.width, facts.height) == (int(row["width"]), int(row["height"]))
    assert facts.mime == {"JPEG": "image/jpeg", "PNG": "image/png",
                          "HEIF": "image/heif"}[row["format"]]
    found = facts.exif
    assert (found.gps is not None) == (row["has_gps"] == "True")
    if found.gps:
        assert found.gps.lat == pytest.approx(float(row["lat"]), abs=1e-6)
        assert found.gps.lon == pytest.approx(float(row["lon"]), abs=1e-6)
        expected_alt = _float(row["gps_altitude_m"])
        assert found.gps.alt == (pytest.approx(expected_alt, abs=0.01) if expected_alt
                                 is not None else None)
    expected_time = (datetime.strptime(row["datetime_original"], "%Y:%m:%d %H:%M:%S")
                     if row["datetime_original"] else None)
    assert found.captured_local == expected_time
    assert found.orientation == (int(row["orientation"]) if row["orientation"] else None)
    assert found.make == (row["make"] or None)
    assert found.model == (row["model"] or None)
    assert "gps_invalid" not in found.flags


@pytest.mark.parametrize("row", [r for r in ROWS if r["format"]], ids=lambda r: r["file"])
def test_pixels_decode_exactly_when_the_independent_reader_decoded_them(row):
    data = (SHARED / "photos" / row["file"]).read_bytes()
    if row["decodes"] == "yes":
        thumb = Image.open(io.BytesIO(images.render(io.BytesIO(data), 320, MAX_PIXELS)))
        assert thumb.format == "JPEG" and max(thumb.size) <= 320
    else:
        with pytest.raises(images.Undecodable):
            images.render(io.BytesIO(data), 320, MAX_PIXELS)


def _hopper(name: str) -> Image.Image:
    return Image.open(SHARED / "photos" / name).convert("RGB")


@pytest.mark.parametrize("orientation", range(2, 9))
def test_thumbnails_of_orientations_2_to_8_come_out_upright(orientation):
    reference = _hopper("pillow_hopper_noexif.jpg")
    data = (SHARED / "photos" / f"pillow_hopper_orientation_{orientation}.jpg").read_bytes()
    stored = Image.open(io.BytesIO(data)).convert("RGB")
    thumb = Image.open(io.BytesIO(images.render(io.BytesIO(data), 320, MAX_PIXELS)))
    assert thumb.size == reference.size
    upright = _difference(thumb.convert("RGB"), reference)
    as_stored = _difference(stored, reference)
    assert upright < 8, f"mean difference to the upright reference {upright:.1f}"
    assert as_stored > 3 * upright, "the stored pixels were already upright: test proves nothing"


def _difference(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute difference per channel (0-255)."""
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


def test_previews_of_a_rotated_photo_swap_width_and_height():
    data = (SHARED / "photos" / "landscape_6.jpg").read_bytes()  # stored 450 x 600, orientation 6
    preview = Image.open(io.BytesIO(images.render(io.BytesIO(data), 1280, MAX_PIXELS)))
    assert preview.size == (600, 450)


def test_a_decompression_bomb_is_refused_before_any_pixel_is_decoded():
    header = io.BytesIO()
    Image.new("1", (1, 1)).save(header, "PNG")
    png = bytearray(header.getvalue())
    png[16:24] = (100_000).to_bytes(4, "big") * 2  # IHDR width and height: 10^10 pixels
    png[29:33] = zlib.crc32(png[12:29]).to_bytes(4, "big")  # a valid chunk, just huge
    with pytest.raises(images.ImageTooLarge):
        images.inspect(io.BytesIO(bytes(png)), MAX_PIXELS)
    with pytest.raises(images.ImageTooLarge):
        images.render(io.BytesIO(bytes(png)), 320, MAX_PIXELS)


def test_the_pixel_limit_is_the_configured_one():
    data = (SHARED / "photos" / "DSCN0010.jpg").read_bytes()  # 640 x 480
    assert images.inspect(io.BytesIO(data), 640 * 480) is not None
    with pytest.raises(images.ImageTooLarge):
        images.inspect(io.BytesIO(data), 640 * 480 - 1)


def _dms(d, m, s):
    return tuple(TiffImagePlugin.IFDRational(Fraction(v).limit_denominator(10**6))
                 for v in (d, m, s))


def test_south_and_west_references_give_negative_degrees():
    position, malformed = exif.position_from_gps({
        1: "S", 2: _dms(33, 52, 4.2), 3: "W", 4: _dms(151, 12, 36), 5: b"\x01", 6: 12.5})
    assert not malformed
    assert position.lat == pytest.approx(-(33 + 52 / 60 + 4.2 / 3600))
    assert position.lon == pytest.approx(-(151 + 12 / 60 + 36 / 3600))
    assert position.alt == -12.5  # altitude reference 1: below sea level


@pytest.mark.parametrize("gps", [
    {1: "N", 2: _dms(31, 61, 0), 3: "E", 4: _dms(121, 0, 0)},  # 61 minutes
    {1: "N", 2: _dms(95, 0, 0), 3: "E", 4: _dms(121, 0, 0)},  # beyond the pole
    {1: "N", 2: (TiffImagePlugin.IFDRational(31, 0),) * 3, 3: "E", 4: _dms(121, 0, 0)},  # 0/0
    {1: "X", 2: _dms(31, 0, 0), 3: "E", 4: _dms(121, 0, 0)},  # no such reference
    {2: _dms(31, 0, 0), 3: "E", 4: _dms(121, 0, 0)},  # reference missing
    {1: "N", 2: _dms(31, 0, 0)},  # latitude without longitude
    {1: "N", 2: (31.5,), 3: "E", 4: _dms(121, 0, 0)},  # not degrees, minutes, seconds
    {1: "N", 2: "31,12,0", 3: "E", 4: _dms(121, 0, 0)},  # text
    {1: "N", 2: _dms(0, 0, 0), 3: "E", 4: _dms(0, 0, 0)},  # no fix ("null island")
], ids=["minutes", "latitude", "zero-denominator", "ref", "no-ref", "half", "one-value",
        "text", "zeros"])
def test_malformed_gps_gives_no_position_and_says_so(gps):
    assert exif.position_from_gps(gps) == (None, True)


def test_a_gps_block_without_coordinates_is_no_position_but_not_malformed():
    assert exif.position_from_gps({0: b"\x02\x02\x00\x00"}) == (None, False)
    assert exif.position_from_gps({}) == (None, False)


def test_a_malformed_gps_block_in_a_real_file_yields_gps_null_and_the_flag():
    image = Image.open(SHARED / "photos" / "DSCN0010.jpg")
    data = image.getexif()
    gps = data.get_ifd(0x8825)
    gps[2] = (TiffImagePlugin.IFDRational(43, 1), TiffImagePlugin.IFDRational(75, 1),
              TiffImagePlugin.IFDRational(0, 1))
    out = io.BytesIO()
    image.save(out, "JPEG", exif=data.tobytes())
    facts = images.inspect(io.BytesIO(out.getvalue()), MAX_PIXELS)
    assert facts.exif.gps is None and "gps_invalid" in facts.exif.flags


def test_capture_time_uses_the_recorded_offset_else_the_assumed_zone():
    shanghai = timezone(timedelta(hours=8))
    with_offset = exif.ExifFacts(captured_local=datetime(2024, 5, 20, 10, 15, 30),
                                 captured_offset=timedelta(hours=-5))
    assert with_offset.captured_at(shanghai).astimezone(UTC) == datetime(2024, 5, 20, 15, 15, 30,
                                                                         tzinfo=UTC)
    without = exif.ExifFacts(captured_local=datetime(2024, 5, 20, 10, 15, 30))
    assert without.captured_at(shanghai).astimezone(UTC) == datetime(2024, 5, 20, 2, 15, 30,
                                                                     tzinfo=UTC)


def test_a_photo_with_an_offset_time_reports_it():
    image = Image.open(SHARED / "photos" / "DERIVED_gps_sh_huangpu_center.jpg")
    data = image.getexif()
    data.get_ifd(0x8769)[exif.TAG_OFFSET_TIME_ORIGINAL] = "+08:00"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=data.tobytes())
    found = images.inspect(io.BytesIO(out.getvalue()), MAX_PIXELS).exif
    assert found.captured_offset == timedelta(hours=8)
    assert found.captured_at(UTC) == datetime(2024, 5, 20, 2, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize(("text", "expected"), [
    ("+08:00", timedelta(hours=8)), ("-03:30", -timedelta(hours=3, minutes=30)),
    ("08:00", None), ("+8:00", None), ("+08:60", None), ("+15:00", None), (None, None)])
def test_offsets_are_read_strictly(text, expected):
    assert exif.parse_offset(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("2008:10:22 16:28:39", datetime(2008, 10, 22, 16, 28, 39)),
    ("2008:10:22 16:28:39\x00", datetime(2008, 10, 22, 16, 28, 39)),
    ("    :  :     :  :  ", None), ("2008:13:22 16:28:39", None), ("", None)])
def test_exif_times_are_parsed_or_left_out(text, expected):
    assert exif.parse_datetime(text) == expected


@pytest.mark.parametrize(("head", "kind"), [
    (b"\xff\xd8\xff\xe0", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\x00\x00\x00\x18ftypheic", "image/heif"), (b"\x00\x00\x00\x18ftypM4A ", "mp4"),
    (b"ID3\x04", "audio/mpeg"), (b"\xff\xfb\x90\x00", "audio/mpeg"),
    (b"\xff\xf1\x50\x80", "audio/aac"), (b"%PDF-1.7", "application/pdf"),
    (b"RIFF\x00\x00\x00\x00WAVE", "audio/wav"), (b"#!AMR\n", "audio/amr"),
    (b"MZ\x90\x00", None), (b"hello", None)])
def test_file_signatures_are_recognised(head, kind):
    assert images.sniff(head) == kind


def test_declared_media_types_must_match_a_recognised_signature():
    assert images.matches_declared("audio/mp4", "mp4")
    assert not images.matches_declared("audio/mp4", "audio/mpeg")
    assert not images.matches_declared("audio/mpeg", None)
    assert images.matches_declared("audio/x-unknown-codec", None)  # taken as configured


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow warns about corrupt EXIF tags
@pytest.mark.parametrize("name", ["DSCN0010.jpg", "pillow_exif.png", "samplefilehub.heif",
                                  "landscape_6.jpg"])
def test_damaged_files_never_raise_anything_but_the_two_refusals(name):
    data = (SHARED / "photos" / name).read_bytes()
    rng = random.Random(name)
    for trial in range(40):
        damaged = bytearray(data)
        if trial % 2:
            damaged = damaged[:rng.randrange(1, len(damaged))]
        else:
            for _ in range(rng.randrange(1, 20)):
                damaged[rng.randrange(min(len(damaged), 8000))] = rng.randrange(256)
        try:
            facts = images.inspect(io.BytesIO(bytes(damaged)), MAX_PIXELS)
            if facts is not None:
                images.render(io.BytesIO(bytes(damaged)), 320, MAX_PIXELS)
        except (images.Undecodable, images.ImageTooLarge):
            pass
