"""A column as the feature-type model sees it: its name, five sample values and whole-column statistics.

The layout follows the ML Data Prep Zoo feature-type benchmark (Shah et al., SIGMOD 2021):
the first five distinct values in order of appearance (a missing value counts as a value),
padded with repeats drawn from the column's distinct values when it has fewer than five,
and counts and numeric statistics over the whole column. ``summarise_column`` builds it
from a pandas column the way the benchmark's generator did; ``summary_from_benchmark_row``
reads one row of the benchmark file. Every feature the model uses is then computed from
this record alone, so the product and the benchmark see exactly the same inputs.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

__all__ = ["MISSING", "N_SAMPLES", "ColumnSummary", "summarise_column", "summary_from_benchmark_row"]

N_SAMPLES = 5
MISSING = "nan"  # how a missing sample value is written (str(float("nan")), as in the benchmark)
_PAD_SEED = 0


@dataclass(frozen=True)
class ColumnSummary:
    """What the type model knows about one column (percentages are 0-100, as in the benchmark)."""

    name: str
    samples: tuple[str, ...]
    total_vals: int
    num_nans: int
    pct_nans: float
    num_of_dist_val: int
    pct_dist_val: float
    mean: float = 0.0
    std_dev: float = 0.0
    min_val: float = 0.0
    max_val: float = 0.0

    @property
    def n_present(self) -> int:
        """Number of non-missing values."""
        return self.total_vals - self.num_nans

    @property
    def has_numeric_stats(self) -> bool:
        """Whether pandas read the column as numbers (some statistic is non-zero)."""
        return any(value != 0.0 for value in (self.mean, self.std_dev, self.min_val, self.max_val))


def summarise_column(series: pd.Series, *, counts: tuple[int, int] | None = None) -> ColumnSummary:
    """The benchmark's summary of a pandas column (numeric statistics only for numeric dtypes). ``counts``: the
    column's missing values and distinct values (missing left out), when they are known already
    (``kuai.engine.data.column_facts``): the distinct values are then not hashed again. The five samples of text are
    drawn from rows spread over the column (``_spread_distinct_values``); numbers' are the first ones."""
    total = len(series)
    if counts is None:
        num_nans = int(series.isna().sum())
        every = pd.unique(series)
        num_distinct = len(every) - int(np.count_nonzero(pd.isna(every)))
    else:
        num_nans, num_distinct = counts
    if num_distinct + (num_nans > 0) < N_SAMPLES:
        distinct = pd.unique(series)  # fewer than five: the whole column has them all
    elif pd.api.types.is_numeric_dtype(series):  # numbers in the order they come: a row number counts up
        distinct = _first_distinct_values(series)
    else:
        distinct = _spread_distinct_values(series)
    mean = std_dev = min_val = max_val = 0.0
    if pd.api.types.is_numeric_dtype(series) and num_nans < total:
        numbers = series.dropna().astype(float)
        mean = _finite(float(numbers.mean()))
        std_dev = _finite(float(numbers.std(ddof=0)))
        min_val = _finite(float(numbers.min()))
        max_val = _finite(float(numbers.max()))
    return ColumnSummary(
        name=str(series.name) if series.name is not None else "",
        samples=_first_distinct(distinct),
        total_vals=total,
        num_nans=num_nans,
        pct_nans=100.0 * num_nans / total if total else 0.0,
        num_of_dist_val=num_distinct,
        pct_dist_val=100.0 * num_distinct / total if total else 0.0,
        mean=mean, std_dev=std_dev, min_val=min_val, max_val=max_val,
    )


def summary_from_benchmark_row(row: Mapping[Hashable, object]) -> ColumnSummary:
    """One row of the benchmark file (read with ``keep_default_na=False``) as a summary.

    Only the raw fields are used (name, samples, counts, statistics), never the file's
    hand-made features: those are recomputed from the samples the same way for every source.
    """
    samples = tuple(_sample_text(row.get(f"sample_{i}")) for i in range(1, N_SAMPLES + 1))
    return ColumnSummary(
        name=_text(row.get("Attribute_name")),
        samples=samples,
        total_vals=int(_number(row.get("total_vals"))),
        num_nans=int(_number(row.get("num_nans"))),
        pct_nans=_number(row.get("%_nans")),
        num_of_dist_val=int(_number(row.get("num_of_dist_val"))),
        pct_dist_val=_number(row.get("%_dist_val")),
        mean=_number(row.get("mean")),
        std_dev=_number(row.get("std_dev")),
        min_val=_number(row.get("min_val")),
        max_val=_number(row.get("max_val")),
    )


def _first_distinct_values(series: pd.Series) -> np.ndarray | pd.api.extensions.ExtensionArray:
    """The column's distinct values (a missing value counts as a value) in order of appearance, at least the first
    ``N_SAMPLES`` of them: those of its first rows, read in growing slices until they hold that many (values appear
    in the same order in a slice as in the column), else of the whole column."""
    rows = 1_024
    while True:
        distinct = pd.unique(series.iloc[:rows])
        if len(distinct) >= N_SAMPLES or rows >= len(series):
            return distinct
        rows *= 16


def _spread_distinct_values(series: pd.Series) -> np.ndarray | pd.api.extensions.ExtensionArray:
    """The column's distinct values (a missing value counts as a value), at least ``N_SAMPLES`` of them, as they
    come in a seeded shuffle of rows spread evenly over the column (more rows until they hold that many, or every
    row). The model reads the column's kind, not its first rows: the benchmark drew its samples
    from the whole column, and a column whose long sentences came first was typed text, the same column with them
    last categorical (a blind test)."""
    rows = 1_024
    while True:
        spread = np.linspace(0, len(series) - 1, rows).round().astype(np.int64) if rows < len(series) else \
            np.arange(len(series))
        distinct = pd.unique(series.iloc[spread])
        if len(distinct) >= N_SAMPLES or rows >= len(series):  # in an order of their own, not the rows'
            return distinct[np.argsort(pd.util.hash_array(np.asarray(distinct, dtype=object)), kind="stable")]
        rows *= 16


def _first_distinct(distinct: np.ndarray | pd.api.extensions.ExtensionArray) -> tuple[str, ...]:
    texts = [_value_text(value) for value in distinct[:N_SAMPLES]]
    if not texts:
        return (MISSING,) * N_SAMPLES
    pool = list(texts)  # fewer than five distinct values: pad with random repeats, as the benchmark did
    rng = np.random.default_rng(_PAD_SEED)
    while len(texts) < N_SAMPLES:
        texts.append(pool[int(rng.integers(len(pool)))])
    return tuple(texts)


def _value_text(value: object) -> str:
    return MISSING if _is_missing(value) else str(value)


def _is_missing(value: object) -> bool:
    try:
        return bool(pd.isna(cast(Any, value)))
    except (TypeError, ValueError):  # list-like values
        return False


def _finite(value: float) -> float:
    return value if math.isfinite(value) else 0.0


def _sample_text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    text = str(value)
    return MISSING if text == "" else text


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _number(value: object) -> float:
    try:
        number = float(str(value)) if value not in (None, "") else 0.0
    except ValueError:
        return 0.0
    return number if math.isfinite(number) else 0.0
