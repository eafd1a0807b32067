"""What a PDF/A-2b file must show that can be read off it here (no veraPDF offline): each
function returns the problems found, each naming the ISO 19005-2 clause it breaks."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime

import pikepdf
from fontTools.ttLib import TTFont
from pikepdf.models.metadata import decode_pdf_date
from PIL import ImageCms

OUTPUT_PROFILE_CLASSES = {b"mntr", b"prtr", b"scnr", b"spac"}
# Document information keys and the XMP properties that must say the same (6.6.2.3 / 6.6.3).
MIRRORED = {"/Title": "dc:title", "/Subject": "dc:description", "/Keywords": "pdf:Keywords",
            "/Creator": "xmp:CreatorTool", "/Producer": "pdf:Producer"}
DATES = {"/CreationDate": "xmp:CreateDate", "/ModDate": "xmp:ModifyDate"}


def problems(data: bytes) -> list[str]:
    """Every PDF/A-2b problem found in `data` (empty when none)."""
    found = _file_structure(data)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        found += [f"6.1: qpdf finds {problem}" for problem in pdf.check_pdf_syntax()]
        found += _metadata(pdf) + _output_intent(pdf) + _forbidden(pdf)
        for font in _fonts(pdf):
            found += _font(font)
    return found


def _file_structure(data: bytes) -> list[str]:
    header, comment = data.split(b"\n", 2)[:2]
    found = [] if header[:7] == b"%PDF-1." and header[7:8] in b"01234567" else [
        f"6.1.2: header {header[:10]!r}"]
    if not (comment.startswith(b"%") and sum(b > 127 for b in comment[1:5]) == 4):
        found.append("6.1.2: no binary comment after the header")
    if not data.rstrip(b"\r\n").endswith(b"%%EOF"):
        found.append("6.1.3: data after %%EOF")
    return found


def _metadata(pdf: pikepdf.Pdf) -> list[str]:
    found = []
    trailer = pdf.trailer
    if "/Encrypt" in trailer:
        found.append("6.1.3: encrypted")
    if "/ID" not in trailer or len(trailer.ID) != 2:
        found.append("6.1.3: no file identifier in the trailer")
    stream = pdf.Root.get("/Metadata")
    if stream is None:
        return found + ["6.6.2.1: no XMP metadata stream"]
    if "/Filter" in stream.stream_dict:
        found.append("6.6.2.1: the metadata stream is filtered")
    meta = pdf.open_metadata()
    if meta.pdfa_status != "2B":
        found.append(f"6.6.4: pdfaid claims {meta.pdfa_status!r}, not 2B")
    info = pdf.docinfo
    for key, prop in MIRRORED.items():
        if key in info and str(info[key]) != str(meta.get(prop)):
            found.append(f"6.6.3: {key} {str(info[key])!r} but XMP {prop} {meta.get(prop)!r}")
    if "/Author" in info and list(meta.get("dc:creator") or []) != [str(info.Author)]:
        found.append(f"6.6.3: /Author {str(info.Author)!r} but XMP {meta.get('dc:creator')!r}")
    for key, prop in DATES.items():
        if key in info and decode_pdf_date(str(info[key])) != datetime.fromisoformat(
                str(meta.get(prop))):
            found.append(f"6.6.3: {key} {str(info[key])!r} but XMP {prop} {meta.get(prop)!r}")
    return found


def _output_intent(pdf: pikepdf.Pdf) -> list[str]:
    intents = [i for i in pdf.Root.get("/OutputIntents", []) if i.get("/S") == "/GTS_PDFA1"]
    if len(intents) != 1 or "/DestOutputProfile" not in intents[0]:
        return ["6.2.3: no PDF/A output intent with an ICC profile (DeviceRGB has no meaning)"]
    stream = intents[0].DestOutputProfile
    icc = stream.read_bytes()
    found = []
    if icc[12:16] not in OUTPUT_PROFILE_CLASSES or icc[8] > 4:
        found.append(f"6.2.3: output profile class {icc[12:16]!r}, version {icc[8]}")
    profile = ImageCms.ImageCmsProfile(io.BytesIO(icc)).profile
    if profile.xcolor_space.strip() != "RGB" or int(stream.get("/N", 0)) != 3:
        found.append(f"6.2.3: output profile {profile.xcolor_space!r} with /N {stream.get('/N')}")
    return found


def _forbidden(pdf: pikepdf.Pdf) -> list[str]:
    found = [f"6.6.1/6.1.5: catalog has {key}" for key in ("/AA", "/OpenAction")
             if key in pdf.Root]
    names = pdf.Root.get("/Names", {})
    found += [f"6.6.1/6.8: name tree {key}" for key in ("/JavaScript", "/EmbeddedFiles")
              if key in names]
    for page in pdf.pages:
        for image in _images(page.obj.get("/Resources", {})):
            if image.get("/Interpolate") is True or "/Alternates" in image or "/OPI" in image:
                found.append("6.2.8: image with Interpolate, Alternates or OPI")
    return found


def _images(resources: pikepdf.Dictionary) -> Iterator[pikepdf.Stream]:
    for xobject in resources.get("/XObject", {}).values():
        if xobject.get("/Subtype") == "/Image":
            yield xobject
        elif xobject.get("/Subtype") == "/Form":
            yield from _images(xobject.get("/Resources", {}))


def _fonts(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Dictionary]:
    seen = set()
    for page in pdf.pages:
        for font in page.obj.get("/Resources", {}).get("/Font", {}).values():
            if font.objgen not in seen:
                seen.add(font.objgen)
                yield font


def _font(font: pikepdf.Dictionary) -> list[str]:
    """A font embedded with widths that agree with its program (6.2.11.4, .5, .6)."""
    name = str(font.get("/BaseFont"))
    descriptor = font.get("/FontDescriptor")
    program = None if descriptor is None else next(
        (descriptor[k] for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in descriptor),
        None)
    if program is None:
        return [f"6.2.11.4.1: font {name} is not embedded"]
    if font.Subtype != "/TrueType":
        return []
    symbolic = bool(int(descriptor.Flags) & 4)
    tables = TTFont(io.BytesIO(program.read_bytes()))
    subtables = [(t.platformID, t.platEncID) for t in tables["cmap"].tables]
    found = []
    if symbolic and ("/Encoding" in font or not (len(subtables) == 1 or (3, 0) in subtables)):
        found.append(f"6.2.11.6: symbolic TrueType {name} with /Encoding or cmap {subtables}")
    scale = 1000 / tables["head"].unitsPerEm
    first, metrics = int(font.FirstChar), tables["hmtx"].metrics
    for code, glyph in tables["cmap"].tables[0].cmap.items():
        if first <= code <= int(font.LastChar):
            declared = float(font.Widths[code - first])
            if abs(declared - metrics[glyph][0] * scale) > 1:
                found.append(f"6.2.11.5: {name} code {code} width {declared}, program "
                             f"{metrics[glyph][0] * scale:.1f}")
    return found
