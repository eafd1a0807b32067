"""The pure layers import neither Flask nor the server package (DESIGN.md §7)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PURE = {
    "server/rules": {"flask", "flask_sqlalchemy", "sqlalchemy", "server"},
    "schemas": {"flask", "flask_sqlalchemy", "sqlalchemy", "server"},
    "offline_sync": {"flask", "flask_sqlalchemy", "sqlalchemy", "server"},
}
ALLOWED_INSIDE = {"server/rules": ("server.rules", "server.workdays")}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _violations(folder: str) -> list[str]:
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        for name in _imports(path):
            top = name.split(".")[0]
            if name.startswith(ALLOWED_INSIDE.get(folder, ())):
                continue
            if top in PURE[folder]:
                found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


@pytest.mark.parametrize("folder", sorted(PURE))
def test_pure_layer_imports_neither_flask_nor_server(folder: str) -> None:
    if not (ROOT / folder).exists():
        pytest.skip(f"{folder} not present yet")
    assert _violations(folder) == []


def test_the_checker_catches_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from flask import Flask\nimport server.auth\n")
    assert _imports(bad) == ["flask", "server.auth"]
