"""The home folder: ``$KUAI_HOME`` or ``~/.kuai``; every stored file lives below it.

A home folder Kuai cannot make or write (``KUAI_HOME`` names a file, a read-only folder, one of another user) is
refused once, when it is first used, with ``BAD_HOME``: which path, why, and what to do. Every command and
process checks it before anything else (the CLI before its log file, which lives there too).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from kuai.engine.atomic import write_probe
from kuai.engine.errors import EngineError
from kuai.storage.settings import text_setting

_USABLE: set[Path] = set()  # home folders made and written once by this process


class HomeError(EngineError):
    """Kuai's home folder cannot be made or written."""

    code = "BAD_HOME"


def home_dir() -> Path:
    root = Path(text_setting("KUAI_HOME") or Path.home() / ".kuai").expanduser().resolve()
    try:
        for sub in ("datasets", "runs"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        if root not in _USABLE:
            write_probe(root)
            _USABLE.add(root)
    except OSError as exc:
        raise unusable_home(root, exc) from None
    return root


def unusable_home(root: Path, exc: OSError) -> HomeError:
    """The coded error for a home folder (or a folder in it) that cannot be made or written, and why."""
    in_the_way = _file_in_the_way(Path(exc.filename) if exc.filename else root)
    if in_the_way == root:
        why = "it is a file, not a folder"
    elif in_the_way is not None:
        why = f"'{in_the_way}' is a file, where a folder should be"
    elif exc.errno in (errno.EACCES, errno.EPERM):
        why = "Kuai may not write there (permission denied)"
    elif exc.errno == errno.EROFS:
        why = "it is on a read-only file system"
    elif exc.errno in (errno.ENOSPC, errno.EDQUOT):
        why = "the disk is full"
    else:
        why = exc.strerror or type(exc).__name__
    origin = "KUAI_HOME" if text_setting("KUAI_HOME") else "the default, ~/.kuai"
    return HomeError(f"Kuai's home folder {root} ({origin}) cannot be used: {why}. Set KUAI_HOME to a folder you "
                     "can write.")


def _file_in_the_way(path: Path) -> Path | None:
    """The nearest of ``path`` and its parents that exists and is not a folder (None when there is none)."""
    for candidate in (path, *path.parents):
        if candidate.exists() or candidate.is_symlink():
            return None if candidate.is_dir() else candidate
    return None


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
