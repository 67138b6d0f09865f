"""The home folder: ``$KUAI_HOME`` or ``~/.kuai``; every stored file lives below it."""

from __future__ import annotations

import os
from pathlib import Path


def home_dir() -> Path:
    root = Path(os.environ.get("KUAI_HOME") or Path.home() / ".kuai").expanduser().resolve()
    for sub in ("datasets", "runs"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    return root


def mlflow_uri() -> str:
    """``MLFLOW_TRACKING_URI`` when set, else the home folder's SQLite store."""
    return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{home_dir() / 'mlflow.db'}"


def optuna_storage_url() -> str:
    return f"sqlite:///{home_dir() / 'optuna.db'}"


def inside_home(path: Path) -> Path:
    """Resolve ``path`` and refuse anything that escapes the home folder."""
    resolved = path.resolve()
    if not resolved.is_relative_to(home_dir()):
        raise ValueError(f"refusing a path outside the home folder: {path}")
    return resolved
