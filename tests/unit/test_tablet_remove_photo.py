"""remove-photo stops citing a file and cancels its pending upload in one local transaction:
a crash between the two never leaves a file owed that nothing cites."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from offline_sync import Tablet

ROOT = Path(__file__).resolve().parents[2]
OFFICERS = ["6f1c0a52-6a43-4c55-9d9e-1d2c3b4a5f01"]


def _cited_photo(home: Path) -> tuple[str, str]:
    """A violation on the tablet citing one photo captured here and not sent: (violation, sha)."""
    tablet = Tablet(home)
    record = tablet.new_inspection("e-1", OFFICERS)
    violation = tablet.add_violation(record, "AIR_VOC", "2026-01-01", location=None)
    photo = home.parent / "DSCN0001.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + b"\x01" * 64)
    sha256 = tablet.add_photo(photo, violation).sha256
    tablet.close()
    return violation, sha256


def test_a_crash_while_removing_a_photo_leaves_it_cited_and_owed_or_neither(tmp_path):
    home = tmp_path / "tablet"
    violation, sha256 = _cited_photo(home)
    code = textwrap.dedent(f"""
        import os
        from offline_sync import Tablet
        tablet = Tablet({str(home)!r})
        tablet.store.mark_evidence = lambda *args, **kwargs: os._exit(9)  # dies right there
        tablet.remove_photo({violation!r}, {sha256!r})
    """)
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, timeout=60).returncode == 9
    tablet = Tablet(home)
    unlinks = [m for m in tablet.store.queued() if (m.entity, m.op) == ("evidence_link",
                                                                        "delete")]
    assert unlinks == [] and tablet.citing(sha256) == [violation]  # nothing happened
    assert tablet.store.evidence_item(sha256).state == "pending"
    tablet.remove_photo(violation, sha256)  # done again after the restart: both at once
    assert tablet.citing(sha256) == []
    assert tablet.store.evidence_item(sha256).state == "cancelled"

