"""PURE: recognise what a file is, read an image's header, render derived JPEGs (Pillow only).

Rendering uses JPEG draft mode: libjpeg scales by 1/2, 1/4 or 1/8 while decoding, so a
12-megapixel photo is never expanded to full size just to make a 320 px thumbnail.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

from server.evidence.exif import ExifFacts, read_exif

try:  # HEIC/HEIF (iPhones, many Android phones) when the optional pillow-heif is installed
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIF = True
except ImportError:  # pragma: no cover - depends on the installation
    HEIF = False

THUMBNAIL_PX = 320
PREVIEW_PX = 1280
JPEG_QUALITY = 85
SNIFF_BYTES = 32

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif"}
_FORMAT_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "HEIF": "image/heif",
                "GIF": "image/gif", "WEBP": "image/webp", "TIFF": "image/tiff",
                "BMP": "image/bmp", "AVIF": "image/avif"}
# Declared types whose content can be recognised; others on the allow-list are taken as declared.
COMPATIBLE = {
    "audio/mp4": {"mp4"}, "audio/x-m4a": {"mp4"}, "video/mp4": {"mp4"},
    "video/quicktime": {"mp4"}, "audio/3gpp": {"mp4"}, "video/3gpp": {"mp4"},
    "audio/mpeg": {"audio/mpeg"}, "audio/aac": {"audio/aac"}, "audio/wav": {"audio/wav"},
    "audio/x-wav": {"audio/wav"}, "audio/amr": {"audio/amr"}, "audio/ogg": {"audio/ogg"},
    "application/pdf": {"application/pdf"},
}


class ImageTooLarge(Exception):
    """More pixels than allowed: a decompression bomb, or simply too big to handle."""


class Undecodable(Exception):
    """The pixels cannot be decoded (truncated or corrupt data)."""


@dataclass(frozen=True)
class ImageFacts:
    """An image's header: format, size and EXIF (pixels not decoded)."""

    mime: str
    width: int
    height: int
    exif: ExifFacts


def sniff(head: bytes) -> str | None:
    """The type the first bytes announce: an image MIME type, a media family, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if head[4:8] == b"ftyp":
        return "image/heif" if head[8:12] in _HEIF_BRANDS else "mp4"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE6 == 0xE2):
        return "audio/mpeg"
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return "audio/aac"
    if head.startswith(b"#!AMR"):
        return "audio/amr"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    return None


def seekable(stream: BinaryIO) -> BinaryIO:
    """Pillow needs to seek; object-store bodies cannot, so they are read into memory."""
    if getattr(stream, "seekable", lambda: False)():
        return stream
    with stream:
        return io.BytesIO(stream.read())


def matches_declared(declared: str, sniffed: str | None) -> bool:
    """Whether content recognised as `sniffed` may be stored as the declared type."""
    known = COMPATIBLE.get(declared)
    return known is None or sniffed in known


def _open(stream: BinaryIO, max_pixels: int) -> Image.Image:
    """Open lazily and refuse oversized images before any pixel is decoded."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # we check ourselves
        try:
            image = Image.open(stream)
        except Image.DecompressionBombError as error:
            raise ImageTooLarge(str(error)) from error
    width, height = image.size
    if width * height > max_pixels:
        raise ImageTooLarge(f"{width}×{height} = {width * height:,} pixels exceeds the limit "
                            f"of {max_pixels:,}")
    return image


def inspect(stream: BinaryIO, max_pixels: int) -> ImageFacts | None:
    """Read the header and EXIF of an image; None if Pillow does not recognise it."""
    try:
        image = _open(stream, max_pixels)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None
    with image:
        return ImageFacts(_FORMAT_MIME.get(image.format or "", "application/octet-stream"),
                          image.width, image.height, read_exif(image))


def render(stream: BinaryIO, max_side: int, max_pixels: int) -> bytes:
    """A JPEG at most `max_side` px on its longer side, turned upright per EXIF orientation."""
    try:
        with _open(stream, max_pixels) as image:
            if image.format == "JPEG":
                image.draft("RGB", (max_side, max_side))
            image.load()
            try:
                upright = ImageOps.exif_transpose(image)
            except Exception:  # a broken EXIF block must not cost the picture: keep as stored
                upright = image.copy()
            upright.thumbnail((max_side, max_side))
            if upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGB")
            out = io.BytesIO()
            upright.save(out, "JPEG", quality=JPEG_QUALITY, optimize=False)
            return out.getvalue()
    except ImageTooLarge:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError,
            Image.DecompressionBombError) as error:
        raise Undecodable(str(error) or type(error).__name__) from error
