"""A fingerprint of what a training learns from: its rows, target, features and folds.

A resumed training restores the finished trials' out-of-fold predictions by row position; they only mean
something on the same rows, target and folds. The run records this fingerprint before its search, and a resume
compares it with the data it reads again (``DATA_CHANGED`` when they differ).
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd

from kuai.engine.search.folds import MAX_SCORED_ROWS
from kuai.engine.types import TaskSpec

__all__ = ["data_fingerprint", "short_fingerprint"]
BATCH_VALUES = 1 << 22  # 32 MB of float64


def data_fingerprint(frame: pd.DataFrame, spec: TaskSpec) -> str:
    """SHA-256 over the feature and target values (row by row, in order), their names and the validation setup."""
    columns = [*spec.features, spec.target, *(c for c in (spec.group, spec.time) if c and c not in spec.features)]
    digest = hashlib.sha256(json.dumps({
        "columns": columns, "target": spec.target, "task": str(spec.task), "n_folds": spec.n_folds,
        "seed": spec.seed, "n_rows": len(frame), **({"group": spec.group} if spec.group else {}),
        **({"time": spec.time} if spec.time else {}), **({"holdout": spec.holdout} if spec.holdout else {}),
        # a large table's folds score a sample of its rows (``kuai.engine.search.folds``): folds of another rule differ
        **({"scored_rows": MAX_SCORED_ROWS} if len(frame) > MAX_SCORED_ROWS else {}),
    }).encode())
    for batch in _batches(frame, columns):
        if len(batch) > 1:  # numbers of one dtype, hashed in one call: the same values, in the same order, as below
            together = pd.util.hash_array(frame[batch].to_numpy().ravel(order="F"))
            digest.update(np.ascontiguousarray(together, dtype=np.uint64).tobytes())
            continue
        values = frame[batch[0]]
        try:
            hashed = pd.util.hash_pandas_object(values, index=False)
        except TypeError:  # values pandas cannot hash as they are (lists, dicts): their text
            hashed = pd.util.hash_pandas_object(values.astype(str), index=False)
        digest.update(np.ascontiguousarray(hashed.to_numpy(dtype=np.uint64)).tobytes())
    return digest.hexdigest()


def _batches(frame: pd.DataFrame, columns: list[str]) -> list[list[str]]:
    """``columns`` in order, runs of numeric columns of one NumPy dtype together (at most ``BATCH_VALUES`` values a
    run, so a million rows are not copied at once): one hashing call each instead of one per column, which took
    seconds on thousands of columns."""
    per_batch = max(1, BATCH_VALUES // max(1, len(frame)))
    dtypes = frame.dtypes.to_dict() if frame.columns.is_unique else {}
    batches: list[list[str]] = []
    previous = None
    for name in columns:
        dtype = dtypes.get(name)
        numeric = isinstance(dtype, np.dtype) and dtype.kind in "biuf"
        if numeric and batches and previous == dtype and len(batches[-1]) < per_batch:
            batches[-1].append(name)
        else:
            batches.append([name])
        previous = dtype if numeric else None
    return batches


def short_fingerprint(fingerprint: str) -> str:
    """The first 12 hexadecimal digits, enough to tell two fingerprints apart in a message."""
    return fingerprint[:12]
