"""Set a case document as PDF/A-2b (A4, the CJK font embedded as a subset; see pdfa) or as
editable DOCX. The PDFs carry title, author and subject in the document information and in
XMP, and their language (zh-CN) in the catalog."""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from server.cases import pdfa
from server.cases.doc import Doc

# Debian's fonts-wqy-microhei (installed by .ci/run; see README): WenQuanYi Micro Hei, GB18030
# coverage in a 5 MB file. (AR PL UMing, a Song face, works through CJK_FONT too, but parsing its
# 20 MB collection costs an exporting process ~20 MB more memory.)
DEFAULT_FONT = os.environ.get("CJK_FONT", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
DOCX_FONT = "WenQuanYi Micro Hei"
LANG = "zh-CN"
CREATOR = "field-enforcement server (reportlab)"
_registered: dict[str, str] = {}
_lock = threading.Lock()
# reportlab's TTFont keeps the glyph subset of the document being set in state it shares
# between threads: two PDFs set at once in one process (gunicorn's threads, the export
# thread) corrupt each other's subset (KeyError in makeSubset). One PDF is set at a time.
SETTING = threading.Lock()


class FontMissing(RuntimeError):
    """The CJK font file is not installed."""


def _font(path: str) -> str:
    """Register the TrueType font (subfont 0 of a collection) once; returns its PDF name."""
    with _lock:
        if path not in _registered:
            if not Path(path).is_file():
                raise FontMissing(f"CJK font not found at {path}")
            name = f"CJK{len(_registered)}"
            pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
            _registered[path] = name
        return _registered[path]


def font_name() -> str:
    """The registered name of the configured CJK font (FontMissing when not installed)."""
    return _font(DEFAULT_FONT)


def _docs(doc: Doc | Sequence[Doc]) -> list[Doc]:
    return [doc] if isinstance(doc, Doc) else list(doc)


def to_pdf(doc: Doc | Sequence[Doc], font_path: str | None = None) -> bytes:
    """A4 PDF/A-2b with every glyph from the embedded CJK font; several documents page after
    page."""
    docs = _docs(doc)
    font = _font(font_path or DEFAULT_FONT)
    body = ParagraphStyle("body", fontName=font, fontSize=12, leading=20, wordWrap="CJK",
                          firstLineIndent=24)
    cell = ParagraphStyle("cell", fontName=font, fontSize=11, leading=16, wordWrap="CJK")
    title = ParagraphStyle("title", fontName=font, fontSize=20, leading=28, alignment=TA_CENTER)
    small = ParagraphStyle("small", parent=cell, alignment=TA_CENTER)
    story: list = []
    for index, one in enumerate(docs):
        if index:
            story.append(PageBreak())
        story += [Paragraph(escape(one.authority), small), Paragraph(escape(one.title), title)]
        if one.number:
            story.append(Paragraph(escape(one.number), small))
        story.append(Spacer(1, 6 * mm))
        if one.rows:
            table = Table([[Paragraph(escape(k), cell), Paragraph(escape(v or " "), cell)]
                           for k, v in one.rows], colWidths=[42 * mm, 118 * mm])
            table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                                       ("FONTNAME", (0, 0), (-1, -1), font),
                                       ("VALIGN", (0, 0), (-1, -1), "TOP")]))
            story += [table, Spacer(1, 4 * mm)]
        story += [Paragraph(escape(p), body) for p in one.paragraphs]
        story.append(Spacer(1, 10 * mm))
        story += [Paragraph(escape(f"{s}（签章）：" if "年" not in s else s), cell)
                  for s in one.signatures]
    doc = docs[0]
    out = io.BytesIO()
    with SETTING:
        SimpleDocTemplate(out, pagesize=A4, leftMargin=25 * mm, rightMargin=25 * mm,
                          topMargin=25 * mm, bottomMargin=25 * mm, title=doc.title,
                          author=doc.authority, subject=doc.number or doc.title,
                          creator=CREATOR, keywords=[d.form for d in docs], lang=LANG,
                          initialFontName=font, initialFontSize=12).build(story)
    return pdfa.archival(out.getvalue())


def _east_asian(run, size: float) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = DOCX_FONT
    run.font.size = Pt(size)
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), DOCX_FONT)
    fonts.set(qn("w:hint"), "eastAsia")  # ambiguous glyphs (quotes, ：) from the CJK font too


def _chinese_defaults(word) -> None:
    """Normal style (and so every style based on it): the CJK font for East Asian text, zh-CN."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rpr = word.styles["Normal"].element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), DOCX_FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), LANG)
    lang.set(qn("w:eastAsia"), LANG)


def to_docx(doc: Doc | Sequence[Doc]) -> bytes:
    """An editable Word document with the same content, A4, Chinese font named."""
    # Imported here: python-docx (with lxml) costs ~15 MB per process; exports never need it.
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    word = Document()
    _chinese_defaults(word)
    section = word.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(25))
    docs = _docs(doc)
    for index, one in enumerate(docs):
        if index:
            word.add_page_break()
        for text, size in ((one.authority, 11), (one.title, 20), (one.number or "", 11)):
            if text:
                paragraph = word.add_paragraph()
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
                _east_asian(paragraph.add_run(text), size)
        if one.rows:
            table = word.add_table(rows=0, cols=2)
            table.style = "Table Grid"
            for label, value in one.rows:
                cells = table.add_row().cells
                _east_asian(cells[0].paragraphs[0].add_run(label), 11)
                _east_asian(cells[1].paragraphs[0].add_run(value), 11)
        for text in one.paragraphs:
            _east_asian(word.add_paragraph().add_run(text), 12)
        for signer in one.signatures:
            _east_asian(word.add_paragraph().add_run(
                f"{signer}（签章）：" if "年" not in signer else signer), 12)
    properties = word.core_properties
    properties.title, properties.author = docs[0].title, docs[0].authority
    properties.subject = docs[0].number or docs[0].title
    properties.language, properties.keywords = LANG, " ".join(d.form for d in docs)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()
