"""Permutation importance on a held-out fold: a model-agnostic cross-check of SHAP.

The search keeps, for its best trials, the model fitted without the first
fold's rows. The chosen model (or the ensemble's blend of its members) is
scored on those held-out rows with each original column shuffled in turn; the
loss of score is that column's importance. All the parts of a column (a date's
year, month, day, …) are shuffled together with one permutation. No refit is
needed, so it fits in what is left of the budget: the rows and repeats shrink
to the time left.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from kuai.engine.metrics import get_metric
from kuai.engine.search.trials import HeldOutModel
from kuai.engine.types import Explanation, InputColumn, TaskSpec

logger = logging.getLogger(__name__)
MAX_ROWS = 2000
MIN_ROWS = 100
MAX_REPEATS = 5
MIN_REPEATS = 2


@dataclass(frozen=True)
class PermutationOutcome:
    """Permutation importance per original column (empty if none), and what to say about it."""

    importance: dict[str, float] = field(default_factory=dict)
    std: dict[str, float] = field(default_factory=dict)
    note: str = ""

    def applied_to(self, explanation: Explanation) -> Explanation:
        return replace(explanation, permutation_importance=self.importance, permutation_std=self.std,
                       permutation_note=self.note)


def permutation_outcome(
    held_out: HeldOutModel | None, X: pd.DataFrame, y: np.ndarray, *, spec: TaskSpec,
    schema: tuple[InputColumn, ...], time_budget_s: float, seed: int = 0,
) -> PermutationOutcome:
    """Permutation importance of ``held_out`` per original column, or a note saying why there is none."""
    if held_out is None:
        return PermutationOutcome(note=("Permutation importance was skipped: the search did not keep this model's "
                                        "held-out fit (it keeps the best 20 within a memory cap)."))
    try:
        importance, spread, note = permutation_importance_by_column(
            held_out, X, y, spec=spec, schema=schema, seed=seed, time_budget_s=time_budget_s)
    except Exception as exc:  # a cross-check must never cost the user the SHAP explanation
        logger.warning("permutation importance failed", exc_info=True)
        return PermutationOutcome(note=f"Permutation importance failed ({type(exc).__name__}).")
    return PermutationOutcome(importance, spread, note) if importance else PermutationOutcome(note=note)


def permutation_importance_by_column(
    held_out: HeldOutModel, X: pd.DataFrame, y: np.ndarray, *, spec: TaskSpec, schema: tuple[InputColumn, ...],
    seed: int = 0, time_budget_s: float = 30.0,
) -> tuple[dict[str, float], dict[str, float], str]:
    """Mean and spread of the score lost when each original column is shuffled, on the held-out rows."""
    deadline = time.perf_counter() + time_budget_s
    rng = np.random.default_rng(seed)
    rows = rng.permutation(held_out.rows)[:MAX_ROWS]
    metric = get_metric(spec.metric)

    def scored(target: np.ndarray, predictions: np.ndarray) -> float:
        return -metric.loss(metric.compute(target, predictions))

    def score(part: pd.DataFrame, target: np.ndarray) -> float:
        return scored(target, held_out.predict(part))

    started = time.perf_counter()
    baseline = score(X.iloc[rows], y[rows])
    per_shuffle = time.perf_counter() - started
    n_columns = max(1, len(schema))
    left = deadline - time.perf_counter()
    repeats = int(min(MAX_REPEATS, left / max(per_shuffle * n_columns, 1e-6)))
    if repeats < MIN_REPEATS:  # fewer rows rather than fewer than two shuffles
        share = left / max(MIN_REPEATS * per_shuffle * n_columns, 1e-6)
        n_rows = int(len(rows) * min(1.0, share))
        if n_rows < min(MIN_ROWS, len(rows)):
            return {}, {}, (f"Permutation importance was skipped: shuffling {n_columns} columns on held-out rows "
                            f"would not fit in the {max(0.0, time_budget_s):.1f} s left of the budget.")
        rows, repeats = rows[:n_rows], MIN_REPEATS
        baseline = score(X.iloc[rows], y[rows])
    part, target = X.iloc[rows].reset_index(drop=True), y[rows]
    reordered = held_out.shuffled(part) if held_out.shuffled is not None else None
    losses: dict[str, list[float]] = {}
    for column in schema:
        inputs = list(column.model_inputs)
        shuffled = part.copy() if reordered is None else part
        for _ in range(repeats):
            order = rng.permutation(len(part))
            if reordered is not None:  # the other columns are not transformed again
                loss = scored(target, reordered(inputs, order))
            else:
                shuffled[inputs] = part[inputs].to_numpy()[order]
                loss = score(shuffled, target)
            losses.setdefault(column.name, []).append(baseline - loss)
    mean = {name: float(np.mean(values)) for name, values in losses.items()}
    spread = {name: float(np.std(values)) for name, values in losses.items()}
    ordered = dict(sorted(mean.items(), key=lambda item: -item[1]))
    note = (f"Shuffled each column {repeats} times on {len(rows):,} held-out rows ({held_out.description}); "
            f"the score lost is in {metric.label}.")
    return ordered, spread, note
