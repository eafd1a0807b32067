"""The evidence modules marked PURE (EXIF, image handling, the tus protocol) import neither
Flask nor SQLAlchemy nor the rest of the server, so they can be tested and reused alone."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PURE = ("server/evidence/exif.py", "server/evidence/images.py", "server/evidence/tus.py")
FORBIDDEN = {"flask", "flask_sqlalchemy", "sqlalchemy", "werkzeug", "boto3", "server"}
ALLOWED = ("server.evidence.exif",)


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


@pytest.mark.parametrize("module", PURE)
def test_pure_evidence_modules_import_no_framework(module):
    text = (ROOT / module).read_text("utf-8")
    assert "PURE" in text.split('"""')[1]
    bad = [name for name in _imports(ROOT / module)
           if name.split(".")[0] in FORBIDDEN and not name.startswith(ALLOWED)]
    assert bad == []


def test_the_checker_sees_a_forbidden_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import flask\nfrom server.auth import policy\n")
    assert _imports(sample) == ["flask", "server.auth"]
