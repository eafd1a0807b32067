"""The console's message catalogues: compile the committed .po files into .mo files
(`python -m server.console.i18n`, run by `make translations`), or check they are current."""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def compiled(po_path: Path) -> bytes:
    """The .mo bytes of a .po file."""
    with po_path.open("rb") as handle:
        catalog = read_po(handle)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def stale_catalogues() -> list[Path]:
    """The .po files whose committed .mo is missing or out of date."""
    return [po for po in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))
            if not po.with_suffix(".mo").exists()
            or po.with_suffix(".mo").read_bytes() != compiled(po)]


def compile_all() -> list[Path]:
    """Write the .mo of every stale .po; returns the .mo files written."""
    written = []
    for po in stale_catalogues():
        po.with_suffix(".mo").write_bytes(compiled(po))
        written.append(po.with_suffix(".mo"))
    return written


if __name__ == "__main__":
    for path in compile_all():
        print(f"compiled {path}")
