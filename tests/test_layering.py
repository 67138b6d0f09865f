"""Layering (docs/architecture.md): imports flow kuai.app → kuai.exporters/kuai.storage → kuai.engine, heavy libraries
fenced in."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "kuai"
PACKAGES = ("engine", "storage", "exporters", "app")
# package -> top-level modules it must never import
FORBIDDEN = {
    "engine": {"app", "storage", "exporters", "streamlit", "mlflow", "skl2onnx", "onnxmltools"},
    "storage": {"app", "exporters", "streamlit", "skl2onnx", "onnxmltools"},
    "exporters": {"app", "storage", "streamlit", "mlflow"},
    "app": {"mlflow", "skl2onnx", "onnxmltools"},
}
MLFLOW_HOME = {ROOT / "storage" / "tracking.py"}
STREAMLIT_HOMES = ("app/views/", "app/components/", "app/streamlit_app.py")


def _python_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(_top(alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(_top(node.module))
            if node.module == "kuai":  # from kuai import engine
                names.update(alias.name for alias in node.names)
    return names


def _top(module: str) -> str:
    """The layer of a Kuai module (``kuai.engine.read`` -> ``engine``), else the library's top-level name."""
    parts = module.split(".")
    return parts[1] if parts[0] == "kuai" and len(parts) > 1 else parts[0]


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_flow_one_way(package: str) -> None:
    files = _python_files(package)
    assert files, f"no modules found in {package}/"
    for path in files:
        imported = _imported_modules(path)
        bad = imported & FORBIDDEN[package]
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_mlflow_lives_in_one_module() -> None:
    for package in PACKAGES:
        for path in _python_files(package):
            if "mlflow" in _imported_modules(path):
                assert path in MLFLOW_HOME, f"{path.relative_to(ROOT)} imports mlflow"


def test_streamlit_only_in_pages_and_components() -> None:
    for package in PACKAGES:
        for path in _python_files(package):
            relative = path.relative_to(ROOT).as_posix()
            if "streamlit" in _imported_modules(path):
                assert relative.startswith(STREAMLIT_HOMES), f"{relative} imports streamlit"


def test_packages_list_their_public_names() -> None:
    """Each package's public names are listed once, in its ``__init__.pyi`` (lazy_loader makes ``__all__`` of
    them), and each one imports."""
    import importlib

    for package in ("engine", "storage", "exporters"):
        module = importlib.import_module(f"kuai.{package}")
        stub = (ROOT / package / "__init__.pyi").read_text(encoding="utf-8")
        assert module.__all__ and set(module.__all__) <= set(stub.replace(",", " ").split()), package
        for name in module.__all__:
            assert getattr(module, name) is not None, f"{package}.{name}"
