"""The contact sheet (照片目录): thumbnails captioned with time, place, maker, method, what each
proves, and the flags of the checks against the record (LAW.md §6)."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from server.auth.policy import Actor
from server.cases import pdfa, render
from server.cases.doc import minute_text
from server.errors import NotFound
from server.evidence import derived
from server.evidence import service as evidence

COLUMNS, ROWS = 3, 3
MARGIN = 15 * mm
CAPTION = 9
LINE = 3.5 * mm
CAPTION_LINES = 10
TITLE = "现场照片证据（照片目录）"
FLAGS = {"no_gps": "无定位", "no_capture_time": "无拍摄时间",
         "outside_site": "拍摄地点在场地范围外",
         "captured_outside_inspection": "拍摄时间不在检查时段内",
         "location_mismatch": "拍摄位置与设备定位不符", "time_zone_assumed": "时区按北京时间推定",
         "undecodable": "图像无法解码", "gps_invalid": "定位数据损坏",
         "time_invalid": "拍摄时间数据损坏", "exif_invalid": "EXIF数据损坏"}


def caption(item: Mapping[str, Any]) -> list[str]:
    """Time, place, flags, maker, method and what it proves of one evidence item (the last
    may be cut on the sheet, so the flags come before it)."""
    flags = "、".join(FLAGS.get(f, f) for f in item["flags"]) or "无标记"
    where = f"{item['place']}（WGS-84）" if item["position"] else "无定位"
    when = minute_text(item["captured_at"]) if item["captured_at"] else "拍摄时间未知"
    return [f"{item['sha256'][:12]}  {when}", where,
            f"标记：{flags}", f"制作人：{item['maker']}", f"方式：{item['method']}",
            f"证明：{'；'.join(item['proves']) or '—'}"]


def _wrapped(lines: list[str], font: str, width: float) -> list[str]:
    """The caption broken to the cell's width, cut to CAPTION_LINES (the manifest has all)."""
    out: list[str] = []
    for text in lines:
        line, used = "", 0.0
        for char in text:
            advance = _advance(char, font)  # a line's width is the sum of its glyphs'
            if line and used + advance > width:
                out.append(line)
                line, used = "", 0.0
            line += char
            used += advance
        out.append(line)
    return out if len(out) <= CAPTION_LINES else [*out[:CAPTION_LINES - 1],
                                                  out[CAPTION_LINES - 1][:-1] + "…"]


@lru_cache(maxsize=8192)
def _advance(char: str, font: str) -> float:
    """One character's width in the caption's size (captions repeat their characters)."""
    return stringWidth(char, font, CAPTION)


def build(actor: Actor, items: Sequence[Mapping[str, Any]]) -> bytes:
    """A4 PDF/A-2b pages of 3 × 3 thumbnails (derived images only; originals never decoded);
    `items` are the case's evidence list entries (documents.evidence_list)."""
    font = render.font_name()
    records = evidence.get_evidences(actor, [item["sha256"] for item in items])
    thumbnails = [_thumbnail(records[item["sha256"]]) for item in items]  # read before setting
    out = io.BytesIO()
    with render.SETTING:
        _draw(Canvas(out, pagesize=A4, initialFontName=font, initialFontSize=CAPTION,
                     lang=render.LANG), font, items, thumbnails)
    return pdfa.archival(out.getvalue())


def _thumbnail(record: Any) -> bytes | None:
    """The file's thumbnail, or None when it is not an image or cannot be decoded."""
    try:
        return derived.derived_of(record, "thumbnail")
    except NotFound:
        return None


class Thumbnail:
    """A derived JPEG for Canvas.drawImage, which puts it into the PDF as it is (DCTDecode).

    drawImage decodes an ImageReader to RGB and hashes that, only to name the image: for a
    case of 500 photos, 0.36 s of a 2.3 s export. Not being an ImageReader, this one is named
    by its str, the thumbnail's digest (identical thumbnails are still stored once), and
    reportlab reads it through jpeg_fh; anything that is not a JPEG goes through ImageReader."""

    def __init__(self, data: bytes):
        self.data = data
        self.digest = hashlib.sha256(data).hexdigest()
        self._reader: ImageReader | None = None

    def __str__(self) -> str:
        return f"thumbnail-{self.digest}"

    def jpeg_fh(self) -> io.BytesIO | None:
        """The JPEG's bytes to embed as they are, or None for another format."""
        return io.BytesIO(self.data) if self.data[:3] == b"\xff\xd8\xff" else None

    def __getattr__(self, name: str) -> Any:
        """Another format's decoding (size, RGB data, mode): ImageReader's."""
        if name.startswith("__") or name == "_reader":
            raise AttributeError(name)
        if self._reader is None:
            self._reader = ImageReader(io.BytesIO(self.data))
        return getattr(self._reader, name)


def _draw(canvas: Canvas, font: str, items: Sequence[Mapping[str, Any]],
          thumbnails: list[bytes | None]) -> None:
    """Set the pages: a title on each, a thumbnail and its caption in each cell."""
    canvas.setTitle(TITLE)
    canvas.setCreator(render.CREATOR)
    width, height = A4
    cell_w = (width - 2 * MARGIN) / COLUMNS
    cell_h = (height - 2 * MARGIN - 12 * mm) / ROWS
    per_page = COLUMNS * ROWS
    caption_h = CAPTION_LINES * LINE + 2 * mm
    for index, (item, thumbnail) in enumerate(zip(items, thumbnails, strict=True)):
        slot = index % per_page
        if slot == 0:
            if index:
                canvas.showPage()
            canvas.setFont(font, 14)
            canvas.drawCentredString(width / 2, height - MARGIN, TITLE)
        x = MARGIN + (slot % COLUMNS) * cell_w
        top = height - MARGIN - 12 * mm - (slot // COLUMNS) * cell_h
        if thumbnail is not None:
            canvas.drawImage(Thumbnail(thumbnail), x + 2 * mm,
                             top - cell_h + caption_h, cell_w - 4 * mm,
                             cell_h - caption_h - 2 * mm, preserveAspectRatio=True, anchor="c")
        else:
            canvas.setFont(font, CAPTION)
            canvas.drawString(x + 2 * mm, top - cell_h / 2, "（无缩略图：非图片或无法解码）")
        canvas.setFont(font, CAPTION)
        for line, text in enumerate(_wrapped(caption(item), font, cell_w - 4 * mm)):
            canvas.drawString(x + 2 * mm, top - cell_h + caption_h - (line + 1) * LINE, text)
    if not items:
        canvas.drawString(MARGIN, height - MARGIN, "无照片")
    canvas.showPage()
    canvas.save()
