"""Where ``kuai predict`` writes: checked before any scoring, written whole or not at all.

Kuai never overwrites a user's file: ``--out`` must be a new file in an existing folder, or a predictions file
that Kuai wrote before (its header is ``prediction`` and ``proba_<class>`` columns), and never the data or the
model being read.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from app.services.scoring import neutralise_formulas
from engine import SchemaError, atomic_path

_HEADER_BYTES = 64 * 1024


def check_predictions_path(out: Path, *, reading: Sequence[Path]) -> Path:
    """``out`` resolved, or a coded ``SchemaError`` saying why it cannot receive the predictions."""
    target = out.expanduser().resolve()
    if target.is_dir():
        raise SchemaError(f"'{out}' is a folder; give --out a file name, such as {out / 'predictions.csv'}.",
                          code="OUT_IS_A_FOLDER")
    if not target.parent.is_dir():
        raise SchemaError(f"The folder '{target.parent}' does not exist; create it first or choose another --out.",
                          code="OUT_FOLDER_MISSING")
    if any(target == Path(path).expanduser().resolve() for path in reading):
        raise SchemaError(f"'{out}' is a file this command reads; write the predictions to another file.",
                          code="OUT_EXISTS")
    if target.exists() and not is_predictions_file(target):
        raise SchemaError(f"'{out}' already exists and is not a predictions file Kuai wrote. Kuai never overwrites "
                          "your files: choose another --out.", code="OUT_EXISTS")
    if not os.access(target.parent, os.W_OK):
        raise SchemaError(f"Cannot write to the folder '{target.parent}'; choose another --out.",
                          code="OUT_NOT_WRITABLE")
    return target


def is_predictions_file(path: Path) -> bool:
    """A CSV whose header is Kuai's: ``prediction``, then only ``proba_<class>`` columns."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader([handle.readline(_HEADER_BYTES)]), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return False
    return bool(header) and header[0] == "prediction" and all(name.startswith("proba_") for name in header[1:])


def write_predictions_file(predictions: pd.DataFrame, target: Path) -> None:
    """Formula-like text neutralised; a partial file (a full disk, a kill) never replaces a complete one."""
    with atomic_path(target) as partial:
        neutralise_formulas(predictions).to_csv(partial, index=False)
