"""Columns that carry the same information under other labels: ``education`` and ``education-num``, ``sex`` and
``is_male``, a country and its code. Each value of one goes with exactly one value of the other, and back.

Models lose little by them, but their explanation splits between the two, and a reader takes them for two pieces
of evidence. The check (``RELABELLED_COLUMN``, a note with a one-click fix) names each pair; exact copies are
``DUPLICATE_COLUMN``'s (``kuai.engine.data.checks``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import numpy as np
import pandas as pd

from kuai.engine.read.cells import clip
from kuai.engine.types import ColumnProfile, ColumnType

MAX_VALUES = 1000  # columns with more distinct values are identifiers or measurements, not labels
MIN_ROWS = 30
SAMPLE_ROWS = 50_000


def relabelled_pairs(frame: pd.DataFrame, columns: tuple[ColumnProfile, ...],
                     target: str | None) -> Iterator[tuple[str, str, int]]:
    """(a column, an earlier column it relabels, their number of values), for features that are not exact copies.

    Codes given in order of first appearance (``pandas.factorize``, missing values apart) are the same for two
    columns exactly when their values pair one to one and are missing on the same rows: one pass, hashed."""
    sample = frame.head(SAMPLE_ROWS)
    if len(sample) < MIN_ROWS:
        return
    seen: dict[bytes, tuple[str, np.ndarray]] = {}
    for column in columns:
        if column.name == target or column.name not in frame.columns or not column.type.is_feature or \
                column.type is ColumnType.TEXT or not 2 <= column.n_unique <= MAX_VALUES:
            continue
        codes = _codes(sample[column.name])
        key = hashlib.blake2b(codes.tobytes(), digest_size=16).digest()
        if key not in seen:
            seen[key] = (column.name, codes)
            continue
        original, original_codes = seen[key]
        if np.array_equal(codes, original_codes) and not sample[column.name].equals(sample[original]):
            if len(frame) > len(sample):  # found on the first rows: checked on them all
                codes, original_codes = (_codes(frame[name]) for name in (column.name, original))
                if not np.array_equal(codes, original_codes):
                    continue
            yield column.name, original, int(codes.max()) + 1


def _codes(values: pd.Series) -> np.ndarray:
    """Each value's code in order of first appearance; -1 for a missing value."""
    return np.asarray(pd.factorize(values.astype("string"), use_na_sentinel=True)[0])


def relabel_text(column: str, original: str, n_values: int) -> str:
    return (f"'{clip(column, 60)}' relabels '{clip(original, 60)}': each of their {n_values:,} values goes with "
            "exactly one value of the other, so they carry the same information (the model's explanation splits "
            "between them).")
