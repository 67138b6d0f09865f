"""Permutation importance on a held-out fold: a model-agnostic cross-check of SHAP.

A copy of the chosen model is fitted on all folds but one; each input column of
the held-out fold is shuffled in turn and the loss of score measured
(``sklearn.inspection.permutation_importance``). Time-boxed: skipped when the
extra fit would not fit in the budget, and the rows and repeats shrink to what
the remaining time allows. A date column's parts are shuffled one at a time and
their losses added.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from engine.metrics import get_metric
from engine.search import make_folds, predict_output
from engine.types import Explanation, InputColumn, TaskSpec

logger = logging.getLogger(__name__)
MAX_ROWS = 1000
MAX_REPEATS = 5
MIN_REPEATS = 2


def with_permutation_importance(
    explanation: Explanation, estimator: Any, X: pd.DataFrame, y: np.ndarray, *, spec: TaskSpec,
    schema: tuple[InputColumn, ...], fit_time_s: float, time_budget_s: float, seed: int = 0,
) -> Explanation:
    """``explanation`` with permutation importance per original column, or a note saying why not."""
    started = time.perf_counter()
    if fit_time_s * 1.3 > time_budget_s:
        return replace(explanation, permutation_note=(
            "Permutation importance was skipped: refitting the model on the training folds would not "
            "fit in the time budget."))
    try:
        importance, spread, note = permutation_importance_by_column(
            estimator, X, y, spec=spec, schema=schema, seed=seed,
            time_budget_s=time_budget_s - (time.perf_counter() - started))
    except Exception as exc:  # a cross-check must never cost the user the SHAP explanation
        logger.warning("permutation importance failed", exc_info=True)
        return replace(explanation, permutation_note=f"Permutation importance failed ({type(exc).__name__}).")
    return replace(explanation, permutation_importance=importance, permutation_std=spread, permutation_note=note)


def permutation_importance_by_column(
    estimator: Any, X: pd.DataFrame, y: np.ndarray, *, spec: TaskSpec, schema: tuple[InputColumn, ...],
    seed: int = 0, time_budget_s: float = 30.0,
) -> tuple[dict[str, float], dict[str, float], str]:
    """Mean and spread of the score lost when each original column is shuffled, on one held-out fold."""
    from sklearn.base import clone
    from sklearn.inspection import permutation_importance

    deadline = time.perf_counter() + time_budget_s
    train, valid = make_folds(y, spec)[0]
    model = clone(estimator).fit(X.iloc[train], y[train])
    rows = np.random.default_rng(seed).permutation(valid)[:MAX_ROWS]
    metric = get_metric(spec.metric)

    def score(fitted: Any, X_part: pd.DataFrame, y_part: np.ndarray) -> float:
        return -metric.loss(metric.compute(y_part, predict_output(fitted, X_part, spec)))

    started = time.perf_counter()
    score(model, X.iloc[rows], y[rows])
    per_shuffle = time.perf_counter() - started
    n_shuffles = max(1, X.shape[1])
    repeats = int(min(MAX_REPEATS, (deadline - time.perf_counter()) / max(per_shuffle * n_shuffles, 1e-6)))
    if repeats < MIN_REPEATS:  # fewer rows rather than fewer than two shuffles
        share = max(0.1, (deadline - time.perf_counter()) / max(MIN_REPEATS * per_shuffle * n_shuffles, 1e-6))
        rows, repeats = rows[:max(50, int(len(rows) * min(1.0, share)))], MIN_REPEATS
    found = permutation_importance(model, X.iloc[rows], y[rows], scoring=score, n_repeats=repeats,
                                   random_state=seed, n_jobs=1)
    by_input = dict(zip(X.columns, zip(found.importances_mean, found.importances_std, strict=True), strict=True))
    mean = {c.name: float(sum(by_input[i][0] for i in c.model_inputs)) for c in schema}
    spread = {c.name: float(np.sqrt(sum(by_input[i][1] ** 2 for i in c.model_inputs))) for c in schema}
    ordered = dict(sorted(mean.items(), key=lambda item: -item[1]))
    note = (f"Shuffled each column {repeats} times on {len(rows):,} held-out rows (fold 1 of {spec.n_folds}); "
            f"the score lost is in {metric.label}.")
    return ordered, spread, note
