"""PDF/A-2b (ISO 19005-2, level B) for the PDFs the server sets.

reportlab writes the pages with every font embedded (a TrueType subset) and no encryption;
open-source reportlab writes neither the XMP metadata that claims PDF/A nor the output intent
that gives DeviceRGB/DeviceGray colour a meaning, so pikepdf (qpdf) adds both: the XMP mirrors
the document information (title, author, subject, keywords, creator, producer, dates) and the
output intent embeds LittleCMS's sRGB profile (an ICC version 4 profile, as PDF/A-2 allows).
"""

from __future__ import annotations

import io
from functools import cache

import pikepdf
from pikepdf import Name
from PIL import ImageCms

SRGB = "sRGB IEC61966-2.1"
PART, CONFORMANCE = "2", "B"


@cache
def srgb_profile() -> bytes:
    """The sRGB ICC profile LittleCMS builds in (through Pillow): no file to ship."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def archival(data: bytes) -> bytes:
    """The reportlab PDF `data` as PDF/A-2b: the same pages, XMP metadata, sRGB output intent."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        if Name.Trapped in pdf.docinfo:  # reportlab's /Trapped /False says nothing; XMP lacks it
            del pdf.docinfo[Name.Trapped]
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta.load_from_docinfo(pdf.docinfo)
            meta["pdfaid:part"], meta["pdfaid:conformance"] = PART, CONFORMANCE
        profile = pdf.make_stream(srgb_profile())
        profile.N = 3
        pdf.Root.OutputIntents = pikepdf.Array([pikepdf.Dictionary(
            Type=Name.OutputIntent, S=Name.GTS_PDFA1, OutputConditionIdentifier=SRGB,
            RegistryName="http://www.color.org", Info=SRGB, DestOutputProfile=profile)])
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()
