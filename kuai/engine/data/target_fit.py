"""How well the other columns predict each of the first few target candidates: a cue from the data itself.

A person unsure which column is the result looks for the one the rest explain: a table is usually published with the
answer its measurements predict. For each of the first ``CHECKED`` candidates by the plain cues of
``kuai.engine.data.target`` that could still overtake the first, a small LightGBM model (``ROUNDS`` boosting rounds
of trees with at most 8 leaves) learns the candidate from up to ``MAX_FEATURES`` other usable columns on a seeded
sample of at most ``SAMPLE_ROWS`` rows, on one half and then the other (2-fold). The skill is the balanced accuracy
above chance for labels (``(b − 1/k) / (1 − 1/k)`` for ``k`` classes) and R² for numbers, both 0 for guessing and 1
for perfect. A skill of ``WELL`` or more adds ``POINTS``, of ``IN_PART`` or more half as many, less adds nothing: in
bands, so that two candidates the sample scores alike stay tied (and the later column wins, as without the check)
instead of being ordered by noise. The points only add, so the check reorders the candidates it looks at and leaves
the others behind them; a clear first (a name that says 'churn', more than ``POINTS`` ahead) costs no check. Columns
that copy one another (a radius and a perimeter) are predicted well too: the cue is a tie-breaker, weaker than a
name or the last position.

Bounded whatever the size of the table: at most 2 × ``CHECKED`` fits on at most 500 rows each, at most ``MAX_TREES``
trees each (a label of many classes gets fewer rounds). About 0.1–0.3 s on a busy 2-core machine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kuai.engine.data.numbers import numeric_values
from kuai.engine.data.target import Candidate, Cue, rank_candidates, sort_candidates, suggestion_from
from kuai.engine.data.task import detect_task
from kuai.engine.errors import TargetError
from kuai.engine.types import ColumnProfile, ColumnType, TargetSuggestion

__all__ = ["CHECKED", "Fit", "fit_candidates", "predictability", "suggest_target_in"]

CHECKED = 3
SAMPLE_ROWS = 1000
MAX_FEATURES = 100
ROUNDS = 10
MIN_ROUNDS = 3
MAX_TREES = 60  # rounds × classes: a many-class label gets fewer rounds (at least MIN_ROUNDS)
MIN_ROWS = 40
MIN_CLASS_ROWS = 4  # classes with fewer rows in the sample are left out of the check
POINTS = 3.0  # for a skill of at least WELL; half for IN_PART; none below
WELL = 0.5
IN_PART = 0.2
_INPUT_TYPES = (ColumnType.NUMERIC, ColumnType.CATEGORICAL, ColumnType.BOOLEAN)


@dataclass(frozen=True)
class Fit:
    """How well the other columns predicted a column on a sample: ``score`` as shown, ``skill`` 0 (guess) to 1."""

    column: str
    scoring: str  # "balanced accuracy" or "R²"
    score: float
    skill: float
    n_rows: int

    @property
    def cue(self) -> Cue:
        shown = f"{self.scoring} {max(0.0, self.score):.2f} on a sample of {self.n_rows:,} rows"
        if self.skill >= WELL:
            return Cue(POINTS, f"the other columns predict it well ({shown})")
        if self.skill >= IN_PART:
            return Cue(POINTS / 2, f"the other columns predict it in part ({shown})")
        return Cue(0.0, f"but the other columns hardly predict it ({shown})")


def suggest_target_in(frame: pd.DataFrame, columns: tuple[ColumnProfile, ...], *, seed: int = 0) -> TargetSuggestion:
    """``kuai.engine.data.target.suggest_target`` with the first candidates checked on the data of ``frame``."""
    return suggestion_from(columns, fit_candidates(frame, columns, rank_candidates(columns, len(frame)), seed=seed))


def fit_candidates(frame: pd.DataFrame, columns: tuple[ColumnProfile, ...], ranked: list[Candidate], *,
                   seed: int = 0) -> list[Candidate]:
    """``ranked`` with a predictability cue added to each of its first ``CHECKED`` candidates that could still
    overtake the first (at most ``POINTS`` behind it), sorted again; a clear first (a name that says 'churn')
    costs no check."""
    checked = [c for c in ranked[:CHECKED] if ranked[0].points - c.points <= POINTS]
    if len(checked) < 2:  # nothing to choose between
        return ranked
    fits = predictability(frame, columns, [candidate.name for candidate in checked], seed=seed)
    found = {fit.column: fit for fit in fits}
    return sort_candidates([Candidate(c.name, c.position, (*c.cues, found[c.name].cue)) if c.name in found else c
                            for c in ranked])


def predictability(frame: pd.DataFrame, columns: tuple[ColumnProfile, ...], names: list[str], *,
                   seed: int = 0) -> list[Fit]:
    """How well the other usable columns predict each column of ``names`` (columns too small to check: none)."""
    if len(frame) < MIN_ROWS:
        return []
    sample = frame if len(frame) <= SAMPLE_ROWS else frame.sample(SAMPLE_ROWS, random_state=seed)
    inputs = {c.name: c for c in columns if c.type in _INPUT_TYPES and c.name in frame.columns}
    encoded = pd.DataFrame({name: _encoded(sample[name], column.type) for name, column in inputs.items()})
    fits = []
    for name in names:
        others = [other for other in encoded.columns if other != name]
        if len(others) > MAX_FEATURES:
            others = sorted(np.random.default_rng(seed).choice(others, MAX_FEATURES, replace=False),
                            key=list(encoded.columns).index)
        found = _fit(sample[name], inputs[name].type, encoded[others].to_numpy(dtype=float), seed) \
            if others and name in inputs else None
        if found is not None:
            fits.append(Fit(name, *found))
    return fits


def _encoded(values: pd.Series, column_type: ColumnType) -> np.ndarray:
    if column_type is ColumnType.NUMERIC:
        return numeric_values(values).to_numpy(dtype=float)
    codes = pd.factorize(values)[0].astype(float)  # missing values: -1
    return np.where(codes >= 0, codes, np.nan)


def _fit(values: pd.Series, column_type: ColumnType, features: np.ndarray,
         seed: int) -> tuple[str, float, float, int] | None:
    """(scoring, score, skill, rows) of a 2-fold model of ``values`` from ``features``; None: nothing to learn."""
    try:
        task, _ = detect_task(values, column_type)
    except TargetError:
        return None
    if task.is_classification:
        codes = pd.factorize(values)[0]
        counts = np.bincount(codes[codes >= 0], minlength=1)
        keep = (codes >= 0) & (counts[np.maximum(codes, 0)] >= MIN_CLASS_ROWS)
        y = pd.factorize(codes[keep])[0].astype(float)
    else:
        numbers = numeric_values(values).to_numpy(dtype=float)
        keep = np.isfinite(numbers)
        y = numbers[keep]
    n_classes = int(y.max()) + 1 if task.is_classification and len(y) else 0
    if len(y) < MIN_ROWS or (task.is_classification and n_classes < 2) or float(np.ptp(y)) == 0:
        return None
    folds = np.random.default_rng(seed).permutation(len(y)) % 2 == 0
    x = features[keep]
    scores = [_held_out(x[train], y[train], x[~train], y[~train], n_classes, seed) for train in (folds, ~folds)]
    score = float(np.mean(scores))
    if task.is_classification:
        return "balanced accuracy", score, (score - 1 / n_classes) / (1 - 1 / n_classes), len(y)
    return "R²", score, score, len(y)


def _held_out(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray, n_classes: int,
              seed: int) -> float:
    """Balanced accuracy (n_classes ≥ 2) or R² (0) on the test half of a small LightGBM model of the train half."""
    import lightgbm

    params: dict[str, object] = {"num_leaves": 8, "learning_rate": 0.3, "min_data_in_leaf": 5, "max_bin": 63,
                                 "num_threads": 1, "seed": seed, "deterministic": True, "verbose": -1}
    if n_classes > 2:
        params.update(objective="multiclass", num_class=n_classes)
    else:
        params.update(objective="binary" if n_classes == 2 else "regression")
    rounds = max(MIN_ROUNDS, min(ROUNDS, MAX_TREES // max(1, n_classes)))
    model = lightgbm.train(params, lightgbm.Dataset(x_train, y_train), num_boost_round=rounds,
                           keep_training_booster=True)  # no round trip through the model's text
    predicted = np.asarray(model.predict(x_test, num_threads=1))
    if n_classes == 0:
        total = float(((y_test - y_test.mean()) ** 2).sum())
        return 0.0 if total == 0 else 1 - float(((predicted - y_test) ** 2).sum()) / total
    labels = predicted.argmax(axis=1) if n_classes > 2 else (predicted > 0.5).astype(int)
    recalls = [float(np.mean(labels[y_test == k] == k)) for k in range(n_classes) if (y_test == k).any()]
    return float(np.mean(recalls))
