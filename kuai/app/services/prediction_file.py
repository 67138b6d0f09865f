"""Where ``kuai predict`` writes: checked before any scoring, written whole or not at all.

A user's files are never overwritten (docs/product.md): ``--out`` must be a new file in an existing folder, or the user
passes ``--overwrite`` to replace a regular file. Never a symbolic link (even with ``--overwrite``: writing through
one could create or change a file anywhere), never a folder, never the data or the model being read. Without
``--overwrite`` the file is created only if it still does not exist when the predictions are complete (a hard link,
which fails on an existing name), so a file that appears meanwhile is not replaced either.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from kuai.app.services.scoring import neutralise_formulas
from kuai.engine import SchemaError
from kuai.engine.atomic import refuse_link


def check_predictions_path(out: Path, *, reading: Sequence[Path], overwrite: bool = False) -> Path:
    """Where the predictions go (``out`` with its folder resolved, the file's own name kept), or a coded
    ``SchemaError`` saying why it cannot receive them."""
    out = out.expanduser()
    folder = out.parent.resolve()
    target = folder / out.name
    if not out.name or out.name in (".", ".."):
        raise SchemaError(f"'{out}' is a folder; give --out a file name, such as {out / 'predictions.csv'}.",
                          code="OUT_IS_A_FOLDER")
    if not folder.is_dir():
        raise SchemaError(f"The folder '{folder}' does not exist; create it first or choose another --out.",
                          code="OUT_FOLDER_MISSING")
    refuse_link(target, "give --out the path of a file.")
    if target.is_dir():
        raise SchemaError(f"'{out}' is a folder; give --out a file name, such as {out / 'predictions.csv'}.",
                          code="OUT_IS_A_FOLDER")
    if any(_same_file(target, path) for path in _files_read(reading)):
        raise SchemaError(f"'{out}' is a file this command reads; write the predictions to another file.",
                          code="OUT_EXISTS")
    if os.path.lexists(target):
        if not stat.S_ISREG(target.lstat().st_mode):
            raise SchemaError(f"'{out}' exists and is not a regular file; choose another --out.", code="OUT_EXISTS")
        if not overwrite:
            raise SchemaError(f"'{out}' already exists. Kuai never overwrites your files: choose another --out, or "
                              "add --overwrite to replace it.", code="OUT_EXISTS")
    if not os.access(folder, os.W_OK):
        raise SchemaError(f"Cannot write to the folder '{folder}'; choose another --out.", code="OUT_NOT_WRITABLE")
    return target


def _files_read(reading: Sequence[Path]) -> list[Path]:
    """The files the command reads: the data, and the model (a run folder's ``model.onnx``)."""
    files = []
    for path in reading:
        path = Path(path).expanduser()
        files.append(path / "model.onnx" if path.is_dir() else path)
    return files


def _same_file(target: Path, path: Path) -> bool:
    try:
        return target.resolve() == path.resolve() or (target.exists() and os.path.samefile(target, path))
    except OSError:
        return False


def write_predictions_file(predictions: pd.DataFrame, target: Path, *, overwrite: bool = False) -> None:
    """Formula-like text neutralised; a partial file (a full disk, a kill) never replaces a complete one; without
    ``overwrite``, a file that appeared at ``target`` since the check is left as it is (``OUT_EXISTS``)."""
    complete = target.with_name(f".{target.name}.{secrets.token_hex(6)}.partial")  # a name no file has
    try:
        with complete.open("x", encoding="utf-8", newline="") as handle:
            neutralise_formulas(predictions).to_csv(handle, index=False)
        if overwrite:
            if target.is_symlink():  # made since the check: never written through, never replaced
                raise SchemaError(f"'{target}' became a symbolic link; nothing was written.", code="OUT_IS_A_LINK")
            os.replace(complete, target)
        else:
            _create(complete, target)
    finally:
        complete.unlink(missing_ok=True)


def _create(complete: Path, target: Path) -> None:
    """``complete`` under the name ``target``, which must not exist: one step that fails on an existing name."""
    try:
        os.link(complete, target, follow_symlinks=False)
    except FileExistsError:
        raise SchemaError(f"'{target}' appeared while the data was scored; it was left as it is and nothing was "
                          "written. Choose another --out, or add --overwrite to replace it.",
                          code="OUT_EXISTS") from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
            raise
        # a file system without hard links: take the name exclusively, then move the complete file onto it
        try:
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
        except FileExistsError:
            raise SchemaError(f"'{target}' appeared while the data was scored; it was left as it is and nothing "
                              "was written.", code="OUT_EXISTS") from None
        os.replace(complete, target)
