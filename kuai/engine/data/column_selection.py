"""Columns kept for the search when a table has far more columns than rows.

With 5,000 columns and 20 rows, every stage that goes column by column (preprocessing, each trial, the ONNX graph,
SHAP) costs far more than the rows can repay, and a model cannot use more columns than its rows can support. When
the input columns outnumber ``kept_count`` (the larger of ``MIN_KEPT`` and ``KEPT_PER_ROW`` per row), the search
keeps that many: those most related to the target by a univariate test (an F-test of the column's numbers across
the classes, or of their correlation with the target; a chi-squared test of a category column against the classes,
or an F-test of the target across its categories; columns ranked by p-value, ties by their order in the table).

The test is honest about the cross-validation: each fold's models learn from the columns chosen on that fold's
training rows only, so no held-out row ever helped choose the columns it is scored with (choosing on all rows first
makes pure noise look predictive). A model refitted on all rows uses the columns chosen on all rows; a bagged model
averages fold models that each read their own fold's columns, so it reads their union. The model's input schema
lists only the columns it reads; every other one is left out with the reason (``dropped_columns``), and scoring
ignores it like any extra column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse, stats

from kuai.engine.data.column_types import parse_datetimes
from kuai.engine.data.numbers import numeric_values
from kuai.engine.types import ColumnType, InputColumn, TaskSpec

__all__ = ["ColumnSelection", "association_scores", "columns_for", "inputs_of", "kept_count", "read_by_model",
           "read_inputs", "select_columns"]

MIN_KEPT = 200  # the search always keeps at least this many columns ...
KEPT_PER_ROW = 5  # ... and keeps at most this many per row with a target ...
CELLS_PER_BUDGET_S = 30_000  # ... and at most this many cells (rows x columns) per second of the time budget: the
# first trial (preprocessing and LightGBM's binning on every fold, which no deadline interrupts) costs about 8 us per
# cell on 2 cores, so it stays within a quarter of the budget
_NUMBER_TYPES = (ColumnType.NUMERIC, ColumnType.DATETIME)


@dataclass(frozen=True)
class ColumnSelection:
    """The columns kept for the search: on each fold's training rows (``by_fold``) and on all rows (``kept``)."""

    n_columns: int  # the input columns there were
    n_rows: int
    n_kept: int  # per choice
    kept: tuple[str, ...]  # chosen on all rows: what a refit on all rows learns from
    by_fold: tuple[tuple[str, ...], ...]  # chosen on each fold's training rows: what that fold's models learn from
    why: str = ""  # why that many: "5,000 columns for 20 rows", or what the budget affords
    seconds: float = 0.0  # what choosing took

    @property
    def union(self) -> frozenset[str]:
        return frozenset(self.kept).union(*self.by_fold)

    def reason(self) -> str:
        """Why a column the model does not read was left out."""
        return f"not among the {self.n_kept:,} columns most related to the target ({self.why})"

    def note(self, n_read: int | None = None) -> str:
        """What was kept and why, for the progress line and the model card (``n_read``: columns the model reads)."""
        read = "" if n_read is None else (f" The exported model reads {n_read:,} columns; the other "
                                          f"{self.n_columns - n_read:,} are listed as left out.")
        return (f"{self.why}: the search kept the {self.n_kept:,} of the {self.n_columns:,} input columns most "
                "related to the target (a univariate test on each fold's training rows, so that no held-out row "
                f"chose the columns it was scored with), in {self.seconds:.1f} s.{read}")


def kept_count(n_rows: int, n_columns: int, budget_s: float = float("inf")) -> tuple[int, str] | None:
    """How many input columns the search keeps and why; None when it keeps them all."""
    by_rows = KEPT_PER_ROW * n_rows
    by_budget = CELLS_PER_BUDGET_S * budget_s / max(1, n_rows)
    kept = int(max(MIN_KEPT, min(by_rows, by_budget)))
    if n_columns <= kept:
        return None
    if by_budget < by_rows and kept > MIN_KEPT:
        return kept, f"a {budget_s:.0f} s budget affords about {kept:,} columns on {n_rows:,} rows"
    return kept, f"{n_columns:,} columns for {n_rows:,} rows"


def select_columns(rows: pd.DataFrame, y: np.ndarray, spec: TaskSpec, folds: Sequence[tuple[np.ndarray, np.ndarray]],
                   *, budget_s: float = float("inf")) -> ColumnSelection | None:
    """The columns to keep on each fold's training rows and on all rows, or None when the table is not that wide
    (``kept_count``: for its rows and ``budget_s``)."""
    import time

    started = time.perf_counter()
    counted = kept_count(len(rows), len(spec.features), budget_s)
    if counted is None:
        return None
    n_kept, why = counted
    names, numbers, categories = _encoded(rows, spec)
    position = {name: i for i, name in enumerate(spec.features)}
    in_table_order = np.argsort([position[name] for name in names], kind="stable")

    def choose(positions: np.ndarray) -> tuple[str, ...]:
        scores = association_scores(numbers[positions], categories, positions, y[positions],
                                    classification=spec.task.is_classification)[in_table_order]  # ties: table order
        best = np.sort(np.argsort(-scores, kind="stable")[:n_kept])
        return tuple(spec.features[i] for i in best)

    by_fold = tuple(choose(train) for train, _ in folds)
    kept = choose(np.arange(len(rows)))
    return ColumnSelection(n_columns=len(spec.features), n_rows=len(rows), n_kept=n_kept, kept=kept,
                           by_fold=by_fold, why=why, seconds=time.perf_counter() - started)


def columns_for(schema: tuple[InputColumn, ...], selection: ColumnSelection | None,
                fold: int | None = None) -> tuple[InputColumn, ...]:
    """The schema's columns that fold ``fold``'s models learn from (None: a refit on all rows)."""
    if selection is None:
        return schema
    names = set(selection.kept if fold is None else selection.by_fold[fold])
    return tuple(c for c in schema if c.name in names)


def read_inputs(estimator: Any) -> set[str] | None:
    """The model inputs that the column transformers inside a fitted engine estimator read (a pipeline, a blend of
    pipelines, a stack); None when it holds none (then it may read anything)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    found: set[str] = set()
    seen_any, pending = False, [estimator]
    while pending:
        item = pending.pop()
        if isinstance(item, ColumnTransformer):
            seen_any = True
            for _, transformer, columns in getattr(item, "transformers_", item.transformers):
                if not (isinstance(transformer, str) and transformer == "drop"):  # one name: a 1-D input (a text)
                    found.update([columns] if isinstance(columns, str) else (str(c) for c in columns))
        elif isinstance(item, Pipeline):
            pending.extend(step for _, step in item.steps)
        elif hasattr(item, "top_") and hasattr(item, "base_"):  # a stack
            pending.extend(model for _, model in item.base_)
            pending.extend(prep for prep, _ in item.top_)
        elif hasattr(item, "estimators_"):
            pending.extend(item.estimators_)
    return found if seen_any else None


def association_scores(numbers: np.ndarray, categories: list[np.ndarray], rows: np.ndarray, y: np.ndarray, *,
                       classification: bool) -> np.ndarray:
    """-log p of each column's test against the target on ``rows``: the number columns first (``numbers``, a 2-D
    array of those rows, NaN missing), then the category columns (``categories``: codes over all rows, -1 missing,
    which counts as a category)."""
    groups = _one_hot(y) if classification else None
    scores = [_number_scores(numbers, y, groups)]
    if categories:
        scores.append(_category_scores([codes[rows] for codes in categories], y, groups))
    return np.concatenate(scores)


def _encoded(rows: pd.DataFrame, spec: TaskSpec) -> tuple[list[str], np.ndarray, list[np.ndarray]]:
    """The feature names in score order (number columns, then category columns), the number columns as a 2-D array
    (NaN missing) and the category columns' codes (-1 missing)."""
    number_names = [n for n in spec.features if spec.feature_types[n] in _NUMBER_TYPES]
    category_names = [n for n in spec.features if spec.feature_types[n] not in _NUMBER_TYPES]
    numbers = np.empty((len(rows), len(number_names)))
    dtypes = dict(zip(rows.columns, rows.dtypes, strict=True))
    stored = [j for j, name in enumerate(number_names)  # numpy numbers: converted in one block
              if spec.feature_types[name] is ColumnType.NUMERIC and isinstance(dtypes[name], np.dtype)
              and dtypes[name].kind in "iuf"]
    if stored:
        block = rows[[number_names[j] for j in stored]].to_numpy(dtype=np.float64)
        numbers[:, stored] = np.where(np.isfinite(block), block, np.nan)
    for j in sorted(set(range(len(number_names))) - set(stored)):
        numbers[:, j] = _as_numbers(rows[number_names[j]], spec.feature_types[number_names[j]])
    codes = [_codes(rows[name]) for name in category_names]
    return [*number_names, *category_names], numbers, codes


def _codes(values: pd.Series) -> np.ndarray:
    try:
        return np.asarray(pd.factorize(values, use_na_sentinel=True)[0])
    except TypeError:  # unhashable values
        return np.asarray(pd.factorize(values.astype(str).where(values.notna()), use_na_sentinel=True)[0])


def _as_numbers(values: pd.Series, column_type: ColumnType) -> np.ndarray:
    if column_type is ColumnType.DATETIME:
        stamps = parse_datetimes(values)
        return np.where(stamps.isna(), np.nan, stamps.to_numpy(dtype="datetime64[ns]").astype(np.int64) / 1e9)
    return numeric_values(values).to_numpy(dtype=np.float64, na_value=np.nan)


def _one_hot(y: np.ndarray) -> sparse.csr_matrix:
    codes = np.unique(np.asarray(y), return_inverse=True)[1]
    return sparse.csr_matrix((np.ones(len(codes)), (np.arange(len(codes)), codes)))


def _number_scores(numbers: np.ndarray, y: np.ndarray, groups: sparse.csr_matrix | None) -> np.ndarray:
    """An F-test per column: across the classes (one-way ANOVA), or of its correlation with the target. Missing
    values take the column's median."""
    n_rows = numbers.shape[0]
    if numbers.shape[1] == 0 or n_rows < 3:
        return np.zeros(numbers.shape[1])
    with np.errstate(all="ignore"):
        medians = np.nanmedian(numbers, axis=0)
    filled = np.where(np.isnan(numbers), np.where(np.isnan(medians), 0.0, medians), numbers)
    centred = filled - filled.mean(axis=0)
    total = (centred**2).sum(axis=0)
    if groups is None:
        target = y - y.mean()
        explained = (centred.T @ target) ** 2 / max(float(target @ target), 1e-300)
        between, df_between = explained, 1
    else:
        counts = np.asarray(groups.sum(axis=0)).ravel()
        means = (groups.T @ centred) / np.maximum(counts, 1)[:, None]
        between, df_between = (counts[:, None] * means**2).sum(axis=0), groups.shape[1] - 1
    return _f_scores(between, total - between, df_between, n_rows - df_between - 1)


def _category_scores(codes: list[np.ndarray], y: np.ndarray, groups: sparse.csr_matrix | None) -> np.ndarray:
    """A chi-squared test of each column against the classes, or an F-test of the target across its categories."""
    n_rows = len(y)
    widths = np.array([int(c.max()) + 2 for c in codes])  # -1 (missing) is a category too
    offsets = np.concatenate([[0], np.cumsum(widths)[:-1]])
    cells = np.concatenate([c + 1 + o for c, o in zip(codes, offsets, strict=True)])
    one_hot = sparse.csr_matrix((np.ones(len(cells)), (np.tile(np.arange(n_rows), len(codes)), cells)),
                                shape=(n_rows, int(widths.sum())))
    counts = np.asarray(one_hot.sum(axis=0)).ravel()
    present = np.add.reduceat((counts > 0).astype(int), offsets)
    if groups is not None:
        observed = (one_hot.T @ groups).toarray()
        expected = np.outer(counts, np.asarray(groups.sum(axis=0)).ravel()) / n_rows
        with np.errstate(all="ignore"):
            cell = np.where(expected > 0, (observed - expected) ** 2 / expected, 0.0).sum(axis=1)
        statistic = np.add.reduceat(cell, offsets)
        freedom = (present - 1) * (groups.shape[1] - 1)
        scores = np.where(freedom > 0, -stats.chi2.logsf(statistic, np.maximum(freedom, 1)), 0.0)
        return np.asarray(scores, dtype=np.float64)
    target = y - y.mean()
    sums = one_hot.T @ target
    between = np.add.reduceat(np.where(counts > 0, sums**2 / np.maximum(counts, 1), 0.0), offsets)
    return _f_scores(between, float(target @ target) - between, present - 1, n_rows - present)


def _f_scores(between: np.ndarray, within: np.ndarray, df_between: Any, df_within: Any) -> np.ndarray:
    """-log p of F = (between / df_between) / (within / df_within); 0 where the test is undefined."""
    df_between = np.broadcast_to(np.asarray(df_between, dtype=np.float64), np.shape(between))
    df_within = np.broadcast_to(np.asarray(df_within, dtype=np.float64), np.shape(between))
    valid = (df_between > 0) & (df_within > 0) & (between > 0)
    with np.errstate(all="ignore"):
        spread = np.maximum(within, 1e-300) / np.maximum(df_within, 1)
        f = np.where(valid, (between / np.maximum(df_between, 1)) / spread, 0.0)
        scores = -stats.f.logsf(f, np.maximum(df_between, 1), np.maximum(df_within, 1))
    return np.where(valid & np.isfinite(scores), scores, np.where(valid, np.inf, 0.0))


def read_by_model(estimator: Any, spec: TaskSpec, schema: tuple[InputColumn, ...],
                  selection: ColumnSelection | None) -> tuple[TaskSpec, tuple[InputColumn, ...]]:
    """The spec and schema of the columns ``estimator`` reads: the schema's others (and the features that never
    reached it) are left out, with the selection's reason."""
    used = read_inputs(estimator)
    read = schema if used is None else tuple(c for c in schema if any(i in used for i in c.model_inputs))
    if len(read) == len(spec.features):
        return spec, read
    names = [c.name for c in read]
    kept = set(names)
    why = selection.reason() if selection is not None else "not read by the model"
    dropped = {**spec.dropped, **{n: why for n in spec.features if n not in kept}}
    return replace(spec, features=tuple(names), feature_types={n: spec.feature_types[n] for n in names},
                   dropped=dropped), read


def inputs_of(X: pd.DataFrame, schema: tuple[InputColumn, ...]) -> pd.DataFrame:
    """The model inputs of ``schema``'s columns, in its order."""
    return X[[part for column in schema for part in column.model_inputs]]
