"""What a column's profile shows, computed for every column of a frame at once.

A profile needs, per column, its missing count, distinct count, first distinct values and, for numbers, their
range and mean. Asked column by column, pandas spends about a millisecond of overhead on each (five seconds on a
table of 5,000 columns). Here the columns stored as numbers are read as blocks of one 2-D array (sorted once per
block: distinct values and first appearances come from the sort), and every other column costs one
``pandas.factorize``. On a tall table sorting costs more than hashing (a million rows of 40 numbers: 11 s sorted,
about 1 s hashed), so from ``HASH_ROWS`` rows the numbers' distinct values come from ``pandas.factorize`` too, one
column at a time, and only their statistics from the block.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

__all__ = ["ColumnFacts", "column_facts"]

N_EXAMPLES = 5
BLOCK_CELLS = 2_000_000  # numeric cells sorted at once (16 MB of float64)
HASH_ROWS = 50_000  # from this many rows, numbers' distinct values are hashed, not sorted


@dataclass(frozen=True)
class ColumnFacts:
    """One column's counts, its first distinct values (missing left out) and, for numbers, finite-value stats."""

    n_rows: int
    n_missing: int
    n_unique: int  # distinct values, missing left out
    first_values: tuple[object, ...]  # up to N_EXAMPLES distinct values, in order of appearance
    is_number: bool  # stored as numbers (a numeric dtype, booleans aside)
    minimum: float | None = None  # of the finite values
    maximum: float | None = None
    mean: float | None = None
    all_whole: bool = False  # every value finite and whole

    @property
    def n_present(self) -> int:
        return self.n_rows - self.n_missing


def column_facts(frame: pd.DataFrame) -> list[ColumnFacts]:
    """The facts of every column of ``frame``, in column order."""
    facts: list[ColumnFacts | None] = [None] * frame.shape[1]
    by_dtype: dict[np.dtype, list[int]] = {}
    for i, dtype in enumerate(frame.dtypes):
        if isinstance(dtype, np.dtype) and dtype.kind in "iuf":  # numpy numbers; nullable and Arrow ones go below
            by_dtype.setdefault(dtype, []).append(i)
    width = max(1, BLOCK_CELLS // max(1, len(frame)))
    for positions in by_dtype.values():
        for start in range(0, len(positions), width):
            block = positions[start:start + width]
            raw = frame.iloc[:, block].to_numpy()
            found_facts = _hashed_number_facts(raw) if len(frame) >= HASH_ROWS else _number_facts(raw)
            for position, found in zip(block, found_facts, strict=True):
                facts[position] = found
    for i in range(frame.shape[1]):
        if facts[i] is None:
            facts[i] = _other_facts(frame.iloc[:, i])
    return [f for f in facts if f is not None]


def _number_facts(raw: np.ndarray) -> list[ColumnFacts]:
    """Facts of the columns of a 2-D array of one numeric dtype."""
    n_rows = raw.shape[0]
    values = raw.astype(np.float64, copy=False)
    missing = np.isnan(values)
    finite = np.isfinite(values)
    n_finite = finite.sum(axis=0)
    order = np.argsort(raw, axis=0, kind="stable")  # NaN last
    ordered = np.take_along_axis(raw, order, axis=0)
    starts_run = np.ones(raw.shape, dtype=bool)
    starts_run[1:] = ordered[1:] != ordered[:-1]
    starts_run &= ~np.take_along_axis(missing, order, axis=0)
    first_seen = np.zeros(raw.shape, dtype=bool)
    np.put_along_axis(first_seen, order, starts_run, axis=0)
    kept = np.where(finite, values, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        minimum = np.where(finite, values, np.inf).min(axis=0, initial=np.inf)
        maximum = np.where(finite, values, -np.inf).max(axis=0, initial=-np.inf)
        mean = kept.sum(axis=0) / n_finite
    whole = (finite | missing).all(axis=0) & (kept % 1 == 0).all(axis=0)  # of the values present
    facts = []
    for j in range(raw.shape[1]):
        has_numbers = bool(n_finite[j])
        facts.append(ColumnFacts(
            n_rows=n_rows, n_missing=int(missing[:, j].sum()), n_unique=int(starts_run[:, j].sum()),
            first_values=tuple(raw[np.flatnonzero(first_seen[:, j])[:N_EXAMPLES], j]), is_number=True,
            minimum=float(minimum[j]) if has_numbers else None, maximum=float(maximum[j]) if has_numbers else None,
            mean=float(mean[j]) if has_numbers else None, all_whole=bool(whole[j]) and has_numbers))
    return facts


def _hashed_number_facts(raw: np.ndarray) -> list[ColumnFacts]:
    """``_number_facts`` of a tall block: each column's distinct values from one ``pandas.factorize`` (in order of
    appearance, missing left out), the statistics as ``_number_facts`` computes them on a one-row block's shape."""
    values = raw.astype(np.float64, copy=False)
    missing, finite = np.isnan(values), np.isfinite(values)
    n_finite = finite.sum(axis=0)
    kept = np.where(finite, values, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        minimum = np.where(finite, values, np.inf).min(axis=0, initial=np.inf)
        maximum = np.where(finite, values, -np.inf).max(axis=0, initial=-np.inf)
        mean = kept.sum(axis=0) / n_finite
    whole = (finite | missing).all(axis=0) & (kept % 1 == 0).all(axis=0)
    facts = []
    for j in range(raw.shape[1]):
        _, uniques = pd.factorize(raw[:, j], use_na_sentinel=True)
        has_numbers = bool(n_finite[j])
        facts.append(ColumnFacts(
            n_rows=raw.shape[0], n_missing=int(missing[:, j].sum()), n_unique=len(uniques),
            first_values=tuple(uniques[:N_EXAMPLES]), is_number=True,
            minimum=float(minimum[j]) if has_numbers else None, maximum=float(maximum[j]) if has_numbers else None,
            mean=float(mean[j]) if has_numbers else None, all_whole=bool(whole[j]) and has_numbers))
    return facts


def _other_facts(series: pd.Series) -> ColumnFacts:
    """One column that is not a numpy number: one ``factorize`` (and, for nullable numbers, their stats)."""
    try:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
    except TypeError:  # unhashable values (lists): as text
        codes, uniques = pd.factorize(series.astype(str).where(series.notna()), use_na_sentinel=True)
    facts = ColumnFacts(n_rows=len(series), n_missing=int(np.count_nonzero(codes < 0)), n_unique=len(uniques),
                        first_values=tuple(uniques[:N_EXAMPLES]), is_number=False)
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        numbers = _number_facts(series.to_numpy(dtype=np.float64, na_value=np.nan).reshape(-1, 1))[0]
        facts = replace(numbers, n_unique=facts.n_unique, first_values=facts.first_values)
    return facts
