"""Content-Disposition of a download: the name a clerk reads (RFC 6266 filename*, UTF-8) with
an ASCII fallback for clients that read only filename."""

from __future__ import annotations

import re
from urllib.parse import quote

# Characters no file name may hold on the systems clerks save to (Windows' set, and controls).
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


def file_names(name: str, fallback: str) -> str:
    """`filename="fallback"; filename*=UTF-8''name`, the characters a saved file may not hold
    replaced by '_' in both (and any non-ASCII one in the fallback)."""
    ascii_name = _UNSAFE.sub("_", fallback).encode("ascii", "replace").decode().replace("?", "_")
    return f"filename=\"{ascii_name}\"; filename*=UTF-8''{quote(_UNSAFE.sub('_', name))}"


def attachment(name: str, fallback: str) -> str:
    """The header value of a download saved as `name` (file_names)."""
    return f"attachment; {file_names(name, fallback)}"
