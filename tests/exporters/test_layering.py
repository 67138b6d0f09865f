"""Layering: ONNX converter libraries stay inside exporters/, and engine never imports exporters."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_SKIPPED = {"exporters", "tests", ".venv", ".git", ".mypy_cache", ".ruff_cache", ".ci"}


def test_only_exporters_import_onnx_converters() -> None:
    """Layering: skl2onnx/onnxmltools live in exporters/; the engine never imports exporters."""
    folders = [p for p in ROOT.iterdir() if p.is_dir() and p.name not in _SKIPPED]
    assert "engine" in {p.name for p in folders}
    for folder in folders:
        for path in folder.rglob("*.py"):
            imported = _imported_modules(path)
            assert not imported & {"skl2onnx", "onnxmltools"}, f"{path} imports an ONNX converter"
            if folder.name == "engine":
                assert "exporters" not in imported, f"{path} imports exporters"


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names
