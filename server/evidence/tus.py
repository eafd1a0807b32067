"""PURE: the tus 1.0.0 resumable-upload protocol's headers and errors (https://tus.io/protocols/
resumable-upload).

There is no maintained tus server for Flask (the few Flask packages are abandoned and implement
neither checksums nor expiration), so the server side is written here from the specification:
core, creation, creation-with-upload, expiration, checksum (sha1, sha256) and termination.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable
from datetime import datetime
from email.utils import format_datetime
from typing import Any

VERSION = "1.0.0"
EXTENSIONS = ("creation", "creation-with-upload", "expiration", "checksum", "termination")
CHECKSUMS: dict[str, Callable[[], Any]] = {"sha1": hashlib.sha1, "sha256": hashlib.sha256}
OFFSET_TYPE = "application/offset+octet-stream"
_KEY = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_INTEGER = re.compile(r"^[0-9]{1,19}$")


class TusError(Exception):
    """A failure tus gives its own status code (410, 412, 460); sent as an about:blank problem."""

    def __init__(self, status: int, title: str, detail: str,
                 headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail
        self.headers = headers or {}


def checksum_mismatch(algorithm: str) -> TusError:
    """460: the chunk did not match its Upload-Checksum and was discarded."""
    return TusError(460, "Checksum Mismatch",
                    f"The chunk does not match its {algorithm} checksum; it was discarded. "
                    "Send it again from the same offset.")


def gone(detail: str) -> TusError:
    """410: the upload existed but can no longer take bytes."""
    return TusError(410, "Gone", detail)


def unsupported_version(sent: str | None) -> TusError:
    """412: the client speaks a tus version this server does not."""
    return TusError(412, "Precondition Failed",
                    f"Tus-Resumable {sent!r} is not supported; this server speaks {VERSION}.",
                    {"Tus-Version": VERSION})


def parse_integer(value: str | None) -> int | None:
    """A non-negative decimal header value, None if absent; ValueError if malformed."""
    if value is None:
        return None
    value = value.strip()
    if not _INTEGER.match(value):
        raise ValueError(f"{value!r} is not a non-negative integer")
    return int(value)


def parse_metadata(header: str | None) -> dict[str, str | None]:
    """Upload-Metadata: comma-separated `key base64(value)` pairs (the value may be absent)."""
    result: dict[str, str | None] = {}
    if not header or not header.strip():
        return result
    for pair in header.split(","):
        parts = pair.strip().split(" ")
        if len(parts) > 2 or not _KEY.match(parts[0]):
            raise ValueError(f"malformed Upload-Metadata pair {pair.strip()!r}")
        key = parts[0]
        if key in result:
            raise ValueError(f"Upload-Metadata key {key!r} appears twice")
        if len(parts) == 1:
            result[key] = None
            continue
        try:
            result[key] = base64.b64decode(parts[1], validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as error:
            raise ValueError(f"Upload-Metadata {key!r} is not base64 of UTF-8 text") from error
        if "\x00" in result[key]:  # no text may hold it (PostgreSQL refuses it, SQLite not)
            raise ValueError(f"Upload-Metadata {key!r} holds U+0000")
    return result


def encode_metadata(values: dict[str, str | None]) -> str:
    """The inverse of parse_metadata."""
    return ",".join(key if value is None else
                    f"{key} {base64.b64encode(value.encode('utf-8')).decode('ascii')}"
                    for key, value in values.items())


def parse_checksum(header: str | None) -> tuple[str, bytes] | None:
    """Upload-Checksum: `<algorithm> <base64 digest>`; ValueError if malformed or unsupported."""
    if header is None:
        return None
    parts = header.strip().split(" ")
    if len(parts) != 2:
        raise ValueError("Upload-Checksum must be '<algorithm> <base64 digest>'")
    algorithm, encoded = parts[0].lower(), parts[1]
    if algorithm not in CHECKSUMS:
        raise ValueError(f"checksum algorithm {algorithm!r} is not supported "
                         f"(use {', '.join(CHECKSUMS)})")
    try:
        digest = base64.b64decode(encoded, validate=True)
    except binascii.Error as error:
        raise ValueError("the Upload-Checksum digest is not base64") from error
    if len(digest) != CHECKSUMS[algorithm]().digest_size:
        raise ValueError(f"a {algorithm} digest has {CHECKSUMS[algorithm]().digest_size} bytes")
    return algorithm, digest


def http_date(moment: datetime) -> str:
    """RFC 9110 date, as Upload-Expires wants it."""
    return format_datetime(moment, usegmt=True)
