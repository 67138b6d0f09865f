"""Target leakage: a single feature that predicts the target almost perfectly.

Cheap on wide data. Every feature is first scored at once, vectorised, by a one-feature
lookup model: its values cut into up to 32 quantile bins (labels: the 31 most frequent, the
rest together; missing values their own bin), each bin predicting the majority class (or the
mean) of its training rows, scored on the other half of a seeded sample and the other way
round — balanced accuracy for classes, R² for numbers; for numbers the rank correlation with
the target is also taken. Only features that come close (≥ 0.90) are then checked by the
slower shallow decision tree (3-fold cross-validation) on the same sample, which finds the exact
cut a bin may straddle; the better of the two scores is reported.

A column known only after the outcome is often filled in for one outcome alone (a recovered amount
after a default, a reason for a cancellation): it gives that outcome away without a word on the
others, so its balanced accuracy can stay below the threshold. Such a one-sided leak is found by the
same bins: those that hold one class alone on one half of the sample (``PURE_SHARE``) must hold
nearly only that class on the other half (``ONE_SIDED_PRECISION``) and most of its rows there
(``ONE_SIDED_RECALL``), while nearly all the other classes' rows share one bin (``ONE_SIDED_REST``:
a zero, a blank), the mark of a column that is filled in for one outcome alone. A feature that
separates a class by its values (a petal's length) spreads the other classes over many bins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kuai.engine.data.column_types import parse_datetimes
from kuai.engine.data.labels import class_labels
from kuai.engine.data.numbers import numeric_values
from kuai.engine.types import ColumnProfile, ColumnType, TaskType

__all__ = ["LEAKAGE_THRESHOLD", "Leak", "find_leaks"]

LEAKAGE_THRESHOLD = 0.98  # balanced accuracy or R² (or |rank correlation|) of the feature alone
SCREEN_THRESHOLD = 0.90  # below this the tree is not run
SAMPLE_ROWS = 5000
N_BINS = 32  # value bins; one more bin holds missing values
MIN_ROWS = 30
PURE_SHARE = 0.995  # a bin of one class: this share of its rows, on one half of the sample ...
PURE_MIN_ROWS = 10  # ... and at least this many of them
ONE_SIDED_PRECISION = 0.99  # on the other half: the share of those bins' rows of that class ...
ONE_SIDED_RECALL = 0.5  # ... and the share of that class's rows they hold; ...
ONE_SIDED_REST = 0.9  # ... and the share of the other classes' rows in their commonest bin


@dataclass(frozen=True)
class Leak:
    column: str
    score: float
    scoring: str  # "balanced accuracy", "R²" or "rank correlation"; or, for a one-sided leak, ...
    given_away: str | None = None  # ... the class whose rows it picks out: ``score`` is the share of them it does


def find_leaks(frame: pd.DataFrame, target: str, columns: Sequence[ColumnProfile], *,
               task: TaskType | None = None, seed: int = 0) -> list[Leak]:
    """Features that alone predict ``target`` with a score of at least ``LEAKAGE_THRESHOLD``, and (classes) features
    that give one class away (``_one_sided``: ``Leak.given_away``)."""
    rows = frame[frame[target].notna()]
    if len(rows) > SAMPLE_ROWS:
        rows = rows.sample(SAMPLE_ROWS, random_state=seed)
    is_classification = _is_classification(rows[target], task)
    y, keep, labels = _encode_target(rows[target], is_classification)
    rows = rows[keep]
    features = [c for c in columns if c.name != target and c.type.is_feature and c.name in frame.columns]
    if len(rows) < MIN_ROWS or not features or (is_classification and y.max(initial=0) < 1):
        return []
    bins = np.column_stack([_bin(rows[c.name], c.type) for c in features])
    halves = np.random.default_rng(seed).permutation(len(rows)) % 2 == 0
    score = _screen(bins, y, halves, is_classification)
    scoring = "balanced accuracy" if is_classification else "R²"
    leaks = []
    for position, column in enumerate(features):
        found = _confirm(rows[column.name], column.type, y, float(score[position]), is_classification, seed)
        if found >= LEAKAGE_THRESHOLD:
            leaks.append(Leak(column.name, found, scoring))
    flagged = {leak.column for leak in leaks}
    if not is_classification:
        return leaks + _rank_leaks(rows, features, y, flagged)
    for position, (share, code) in enumerate(zip(*_one_sided(bins, y, halves), strict=True)):
        if features[position].name not in flagged and share >= ONE_SIDED_RECALL:
            leaks.append(Leak(features[position].name, float(share), "share of its rows picked out",
                              given_away=labels[code]))
    return leaks


def _is_classification(values: pd.Series, task: TaskType | None) -> bool:
    if task is not None:
        return task.is_classification
    return bool(values.nunique() <= 20 or not pd.api.types.is_numeric_dtype(values))


def _encode_target(values: pd.Series, is_classification: bool) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Class codes 0..K-1 (classes with fewer than 3 rows left out) or floats; the rows kept; the classes."""
    if not is_classification:
        numbers = numeric_values(values).to_numpy()
        keep = np.isfinite(numbers)
        return numbers[keep], keep, []
    codes, names = pd.factorize(class_labels(values, strip=True).astype(str))  # the labels users see: 1.0 -> '1'
    counts = np.bincount(codes)
    keep = counts[codes] >= 3
    kept, order = pd.factorize(codes[keep])
    return kept, keep, [str(names[int(code)]) for code in order]


def _bin(values: pd.Series, column_type: ColumnType) -> np.ndarray:
    """Bin numbers 0..N_BINS-1 by quantiles (labels by frequency); N_BINS for missing."""
    if column_type in (ColumnType.NUMERIC, ColumnType.DATETIME):
        if column_type is ColumnType.DATETIME:
            stamps = parse_datetimes(values)
            numbers = np.where(stamps.notna(), stamps.to_numpy(dtype="datetime64[ns]").astype(np.int64), np.nan)
        else:
            numbers = numeric_values(values).to_numpy()
        finite = np.isfinite(numbers)
        if not finite.any():
            return np.full(len(values), N_BINS, dtype=np.int64)
        edges = np.unique(np.quantile(numbers[finite], np.linspace(0, 1, N_BINS + 1)[1:-1]))
        binned = np.searchsorted(edges, numbers, side="right")
        return np.where(finite, binned, N_BINS)
    codes, uniques = pd.factorize(values.astype(str).where(values.notna()))
    if len(uniques) >= N_BINS:  # the most frequent labels keep their own bin
        order = np.argsort(-np.bincount(codes[codes >= 0], minlength=len(uniques)), kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        codes = np.where(codes >= 0, np.minimum(rank[np.maximum(codes, 0)], N_BINS - 1), -1)
    return np.where(codes >= 0, codes, N_BINS)


def _screen(bins: np.ndarray, y: np.ndarray, halves: np.ndarray, is_classification: bool) -> np.ndarray:
    """Held-out score of each column's bin lookup model: train on one half, test on the other, both ways."""
    scores = [(_classify if is_classification else _regress)(bins[train], y[train], bins[~train], y[~train])
              for train in (halves, ~halves)]
    return np.asarray((scores[0] + scores[1]) / 2)


def _cells(bins: np.ndarray, n_levels: int) -> np.ndarray:
    """Flat cell index (column, bin[, level]) for every value of ``bins``."""
    return np.asarray(np.arange(bins.shape[1])[None, :] * (N_BINS + 1) * n_levels + bins * n_levels)


def _classify(train: np.ndarray, y_train: np.ndarray, test: np.ndarray, y_test: np.ndarray) -> np.ndarray:
    n_columns, n_classes = train.shape[1], int(max(y_train.max(), y_test.max())) + 1
    cells = (_cells(train, n_classes) + y_train[:, None]).ravel()
    counts = np.bincount(cells, minlength=n_columns * (N_BINS + 1) * n_classes)
    counts = counts.reshape(n_columns, N_BINS + 1, n_classes)
    majority = np.argmax(counts, axis=2)
    majority[counts.sum(axis=2) == 0] = np.argmax(np.bincount(y_train, minlength=n_classes))
    predicted = majority[np.arange(n_columns)[None, :], test]
    correct = predicted == y_test[:, None]
    recalls = [correct[y_test == k].mean(axis=0) for k in range(n_classes) if (y_test == k).any()]
    return np.asarray(np.mean(recalls, axis=0))


def _one_sided(bins: np.ndarray, y: np.ndarray, halves: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per column, the class that its bins of one class give away most, and how much: the share of that class's
    held-out rows in those bins, on the worse of the two halves, where those bins' held-out rows are of that class
    (``ONE_SIDED_PRECISION``) and the other classes' rows share one bin (``ONE_SIDED_REST``); else 0. Every class at
    once: a bin is of one class at most."""
    n_columns, n_classes = bins.shape[1], int(y.max()) + 1
    columns = np.arange(n_columns)[None, :]
    worst = np.ones((n_columns, n_classes))
    for train in (halves, ~halves):
        cells = (_cells(bins[train], n_classes) + y[train][:, None]).ravel()
        counts = np.bincount(cells, minlength=n_columns * (N_BINS + 1) * n_classes)
        counts = counts.reshape(n_columns, N_BINS + 1, n_classes)
        in_bin = counts.sum(axis=2, keepdims=True)
        pure = (counts >= PURE_SHARE * in_bin) & (counts >= PURE_MIN_ROWS)
        rest = in_bin - counts  # each bin's rows of the other classes
        one_bin = rest.max(axis=1) >= ONE_SIDED_REST * np.maximum(1, rest.sum(axis=1))  # (column, class)
        of_class = np.where(pure.any(axis=2), np.argmax(pure, axis=2), n_classes)  # n_classes: of no one class
        held = of_class[columns, bins[~train]]  # each held-out row's bin's class
        y_held = y[~train]
        inside = np.bincount((columns * (n_classes + 1) + held).ravel(), minlength=n_columns * (n_classes + 1))
        hits = np.bincount((columns * (n_classes + 1) + held)[held == y_held[:, None]],
                           minlength=n_columns * (n_classes + 1))
        inside, hits = (a.reshape(n_columns, n_classes + 1)[:, :n_classes] for a in (inside, hits))
        recall = hits / np.maximum(1, np.bincount(y_held, minlength=n_classes))[None, :]
        precision = hits / np.maximum(1, inside)
        worst = np.minimum(worst, np.where((precision >= ONE_SIDED_PRECISION) & one_bin, recall, 0.0))
    return worst.max(axis=1), worst.argmax(axis=1)


def _regress(train: np.ndarray, y_train: np.ndarray, test: np.ndarray, y_test: np.ndarray) -> np.ndarray:
    n_columns, size = train.shape[1], train.shape[1] * (N_BINS + 1)
    cells = _cells(train, 1).ravel()
    sums = np.bincount(cells, weights=np.repeat(y_train, n_columns), minlength=size)
    counts = np.bincount(cells, minlength=size)
    means = np.where(counts > 0, sums / np.maximum(counts, 1), y_train.mean()).reshape(n_columns, N_BINS + 1)
    predicted = means[np.arange(n_columns)[None, :], test]
    total = float(((y_test - y_test.mean()) ** 2).sum())
    if total == 0:
        return np.zeros(n_columns)
    return np.asarray(1 - ((predicted - y_test[:, None]) ** 2).sum(axis=0) / total)


def _confirm(values: pd.Series, column_type: ColumnType, y: np.ndarray, screened: float,
             is_classification: bool, seed: int) -> float:
    """For suspects (screen ≥ 0.90), the better of the screen's score and a shallow tree's; else the screen's."""
    if screened < SCREEN_THRESHOLD:
        return screened
    from sklearn.model_selection import cross_val_score
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    feature = (numeric_values(values) if column_type is ColumnType.NUMERIC
               else pd.Series(pd.factorize(values.astype(str))[0], index=values.index)).fillna(-1e9)
    model = (DecisionTreeClassifier(max_depth=4, random_state=seed) if is_classification
             else DecisionTreeRegressor(max_depth=4, random_state=seed))
    scoring = "balanced_accuracy" if is_classification else "r2"
    tree = float(np.mean(cross_val_score(model, feature.to_frame(), y, cv=3, scoring=scoring)))
    return max(screened, tree)


def _rank_leaks(rows: pd.DataFrame, features: list[ColumnProfile], y: np.ndarray, found: set[str]) -> list[Leak]:
    """Numbers that move in lockstep with a numeric target (|Spearman| ≥ threshold), e.g. a unit conversion."""
    names = [c.name for c in features if c.type is ColumnType.NUMERIC and c.name not in found]
    if not names:
        return []
    numbers = pd.DataFrame({name: numeric_values(rows[name]).to_numpy() for name in names})
    ranks = numbers.rank().to_numpy()
    ranks = np.where(np.isnan(ranks), np.nanmean(ranks, axis=0), ranks)
    target = pd.Series(y).rank().to_numpy()
    centred = ranks - ranks.mean(axis=0)
    spread = np.sqrt((centred ** 2).sum(axis=0)) * np.sqrt(((target - target.mean()) ** 2).sum())
    rho = (centred * (target - target.mean())[:, None]).sum(axis=0) / np.where(spread > 0, spread, np.inf)
    return [Leak(name, float(abs(r)), "rank correlation") for name, r in zip(names, rho, strict=True)
            if abs(r) >= LEAKAGE_THRESHOLD]
