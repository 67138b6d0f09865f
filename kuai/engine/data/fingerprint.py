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
    for name in columns:
        values = frame[name]
        try:
            hashed = pd.util.hash_pandas_object(values, index=False)
        except TypeError:  # values pandas cannot hash as they are (lists, dicts): their text
            hashed = pd.util.hash_pandas_object(values.astype(str), index=False)
        digest.update(np.ascontiguousarray(hashed.to_numpy(dtype=np.uint64)).tobytes())
    return digest.hexdigest()


def short_fingerprint(fingerprint: str) -> str:
    """The first 12 hexadecimal digits, enough to tell two fingerprints apart in a message."""
    return fingerprint[:12]
