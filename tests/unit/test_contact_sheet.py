"""The contact sheet embeds each JPEG thumbnail as it is (DCTDecode), once per distinct image,
without decoding it, and still draws a thumbnail of another format."""

from __future__ import annotations

import base64
import io

import pikepdf
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from server.cases import contact_sheet, render


def _image(fmt: str, colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(out, fmt)
    return out.getvalue()


def _undo_ascii85(raw: bytes, filters: list[str]) -> bytes:
    """The stream without its ASCII85 layer (reportlab's rl_config.useA85)."""
    if "/ASCII85Decode" not in filters:
        return raw
    return base64.a85decode(raw.strip().removesuffix(b"~>"))


def test_jpeg_thumbnails_go_in_as_they_are_and_once_each(monkeypatch):
    monkeypatch.setattr(contact_sheet, "caption", lambda item: item["sha256"])
    decoded = []
    rgb = ImageReader.getRGBData
    monkeypatch.setattr(ImageReader, "getRGBData",
                        lambda self: decoded.append(self._image.format) or rgb(self))
    red, blue, png = _image("JPEG", "red"), _image("JPEG", "blue"), _image("PNG", "green")
    items = [{"sha256": name} for name in ("a", "b", "c", "d")]
    out = io.BytesIO()
    font = render.font_name()
    with render.SETTING:
        contact_sheet._draw(Canvas(out, pagesize=A4, initialFontName=font), font, items,
                            [red, blue, red, png])
    with pikepdf.open(io.BytesIO(out.getvalue())) as pdf:
        images = list(pdf.pages[0].get_images().values())
        filters = [[str(f) for f in pikepdf.Array(image.get("/Filter"))] for image in images]
        jpegs = sorted(_undo_ascii85(image.read_raw_bytes(), used)
                       for image, used in zip(images, filters, strict=True)
                       if "/DCTDecode" in used)
    assert len(images) == 3  # red once, though drawn twice
    assert sorted(used[-1] for used in filters) == ["/DCTDecode", "/DCTDecode", "/FlateDecode"]
    assert jpegs == sorted([red, blue])  # the thumbnails' own bytes
    assert decoded == ["PNG"]  # no JPEG decoded to RGB (to name it, as drawImage does)


def test_a_caption_line_breaks_at_the_first_character_that_would_pass_the_cell():
    from reportlab.pdfbase.pdfmetrics import stringWidth

    font, width = render.font_name(), 50.0
    text = "证明：VOCs 无组织排放，喷漆车间门窗敞开作业（2026-11-29 14:03）制作人：张三 Li Si"
    lines = contact_sheet._wrapped([text, "短"], font, width)
    assert "".join(lines[:-1]) == text and lines[-1] == "短"
    for line, after in zip(lines, lines[1:-1], strict=False):
        assert stringWidth(line, font, contact_sheet.CAPTION) <= width
        assert stringWidth(line + after[0], font, contact_sheet.CAPTION) > width
