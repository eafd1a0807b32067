"""reportlab's PDFs become PDF/A-2b, and the check that says so does catch what is missing."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas

from server.cases import pdfa, render
from server.cases.forms import Doc
from tests import pdfa_check

DECISION = Doc("decision", "行政处罚决定书", "沪环罚〔2026〕17号",
               rows=(("当事人", "上海浦东某某涂装有限公司"), ("罚款", "35,000.00元")),
               paragraphs=("经查，你单位喷漆车间门窗敞开作业，VOCs 无组织排放。",),
               signatures=("执法人员",), authority="上海市浦东新区生态环境局")


@pytest.fixture
def plain(monkeypatch) -> bytes:
    """The decision as reportlab alone sets it."""
    monkeypatch.setattr(render, "pdfa", SimpleNamespace(archival=lambda data: data))
    return render.to_pdf(DECISION)


def test_reportlab_alone_lacks_the_xmp_claim_and_the_output_intent(plain):
    assert pdfa_check.problems(plain) == [
        "6.6.2.1: no XMP metadata stream",
        "6.2.3: no PDF/A output intent with an ICC profile (DeviceRGB has no meaning)"]


def test_archival_makes_it_pdfa_2b_with_the_same_pages_and_text(plain):
    archived = pdfa.archival(plain)
    assert pdfa_check.problems(archived) == []
    before, after = PdfReader(io.BytesIO(plain)), PdfReader(io.BytesIO(archived))
    assert [p.extract_text() for p in after.pages] == [p.extract_text() for p in before.pages]
    assert [p.mediabox for p in after.pages] == [p.mediabox for p in before.pages]
    assert "行政处罚决定书" in after.pages[0].extract_text()


def test_the_xmp_says_what_the_document_information_says(plain):
    import pikepdf

    with pikepdf.open(io.BytesIO(pdfa.archival(plain))) as pdf:
        meta = pdf.open_metadata()
        assert meta["dc:title"] == str(pdf.docinfo.Title) == "行政处罚决定书"
        assert meta["dc:creator"] == [str(pdf.docinfo.Author)] == ["上海市浦东新区生态环境局"]
        assert meta["dc:description"] == "沪环罚〔2026〕17号"
        assert (meta["pdfaid:part"], meta["pdfaid:conformance"]) == ("2", "B")
        assert "/Trapped" not in pdf.docinfo


def test_an_unembedded_font_is_still_caught_after_archival():
    out = io.BytesIO()
    canvas = Canvas(out)  # reportlab's default font: Helvetica, one of the standard 14
    canvas.drawString(72, 72, "Helvetica is never embedded")
    canvas.showPage()
    canvas.save()
    assert pdfa_check.problems(pdfa.archival(out.getvalue())) == [
        "6.2.11.4.1: font /Helvetica is not embedded"]


def test_the_output_profile_is_an_icc_version_4_display_profile_for_rgb():
    from PIL import ImageCms

    icc = pdfa.srgb_profile()
    assert (icc[8], icc[12:16], icc[16:20]) == (4, b"mntr", b"RGB ")
    assert ImageCms.ImageCmsProfile(io.BytesIO(icc)).profile.profile_description.startswith(
        "sRGB")
