"""The contact sheet (照片目录): thumbnails captioned with time, place, inspector, flags."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from server.auth.policy import Actor
from server.cases import pdfa, render
from server.clock import SHANGHAI
from server.errors import NotFound
from server.evidence import service as evidence

COLUMNS, ROWS = 3, 4
MARGIN = 15 * mm
CAPTION = 9
TITLE = "现场照片证据（照片目录）"


def caption(facts: Any, inspectors: Mapping[Any, str]) -> list[str]:
    """Time, place, inspector and flags of one item."""
    when = facts.captured_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") \
        if facts.captured_at else "拍摄时间未知"
    where = f"{facts.lat:.5f}, {facts.lon:.5f}" if facts.lat is not None else "无定位"
    flags = "、".join(facts.flags) if facts.flags else "无标记"
    return [f"{facts.sha256[:12]}  {when}", f"{where}  {inspectors.get(facts.uploaded_by, '—')}",
            f"标记：{flags}"]


def build(actor: Actor, sha256s: Sequence[str], facts: Mapping[str, Any],
          users: Sequence[Any]) -> bytes:
    """A4 PDF/A-2b pages of 3 × 4 thumbnails (derived images only; originals never decoded)."""
    font = render.font_name()
    inspectors = {user.id: user.display_name for user in users}
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, initialFontName=font, initialFontSize=CAPTION,
                    lang=render.LANG)
    canvas.setTitle(TITLE)
    canvas.setCreator(render.CREATOR)
    width, height = A4
    cell_w = (width - 2 * MARGIN) / COLUMNS
    cell_h = (height - 2 * MARGIN - 12 * mm) / ROWS
    per_page = COLUMNS * ROWS
    records = evidence.get_evidences(actor, sha256s)
    for index, sha256 in enumerate(sha256s):
        slot = index % per_page
        if slot == 0:
            if index:
                canvas.showPage()
            canvas.setFont(font, 14)
            canvas.drawCentredString(width / 2, height - MARGIN, TITLE)
        x = MARGIN + (slot % COLUMNS) * cell_w
        top = height - MARGIN - 12 * mm - (slot // COLUMNS) * cell_h
        try:
            image = ImageReader(io.BytesIO(evidence.derived_of(records[sha256], "thumbnail")))
            canvas.drawImage(image, x + 2 * mm, top - cell_h + 16 * mm, cell_w - 4 * mm,
                             cell_h - 18 * mm, preserveAspectRatio=True, anchor="c")
        except NotFound:
            canvas.setFont(font, CAPTION)
            canvas.drawString(x + 2 * mm, top - cell_h / 2, "（无缩略图：非图片或无法解码）")
        canvas.setFont(font, CAPTION)
        for line, text in enumerate(caption(facts[sha256], inspectors)):
            canvas.drawString(x + 2 * mm, top - cell_h + (11 - 4 * line) * mm, text)
    if not sha256s:
        canvas.drawString(MARGIN, height - MARGIN, "无照片")
    canvas.showPage()
    canvas.save()
    return pdfa.archival(out.getvalue())
