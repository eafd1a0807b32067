"""The README's configuration table names every environment variable the server reads."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READERS = ("server/config.py", "server/scheduler.py", "gunicorn.conf.py")
PATTERN = re.compile(r'(?:environ\.get|_int|_float|_flag)\(\s*"([A-Z][A-Z0-9_]+)"')


def test_every_environment_variable_is_documented() -> None:
    names = {name for reader in READERS if (ROOT / reader).exists()
             for name in PATTERN.findall((ROOT / reader).read_text("utf-8"))}
    readme = (ROOT / "README.md").read_text("utf-8")
    assert names, "the pattern found no variables: it is broken"
    assert sorted(n for n in names if f"`{n}`" not in readme) == []
