"""Layering (docs/architecture.md): imports flow kuai.app → kuai.exporters/kuai.storage → kuai.engine, heavy libraries
fenced in. The rules are import-linter contracts in pyproject.toml; this file runs them in the test suite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "kuai"
REPOSITORY = ROOT.parent
# Folders of kuai/ that hold files, not modules: the deployment bundle's templates are copied, never imported.
NOT_MODULES = ("exporters/bundle_templates/",)


def test_import_rules_hold() -> None:
    """The contracts of pyproject.toml's [tool.importlinter] (the rules of docs/architecture.md) are kept."""
    search_path = os.pathsep.join([str(REPOSITORY), os.environ.get("PYTHONPATH", "")])  # this checkout's kuai
    checked = subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()",
         "--no-cache", "--no-logo", str(REPOSITORY / "pyproject.toml")],
        cwd=REPOSITORY, env={**os.environ, "PYTHONPATH": search_path}, capture_output=True, text=True, timeout=120,
    )
    assert checked.returncode == 0 and ", 0 broken." in checked.stdout, checked.stdout + checked.stderr


def test_every_module_is_seen_by_the_import_rules() -> None:
    """import-linter reads only packages: a folder of modules without ``__init__.py`` would escape every rule."""
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if not relative.startswith(NOT_MODULES):
            assert (path.parent / "__init__.py").exists(), f"kuai/{relative}: its folder has no __init__.py"


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
