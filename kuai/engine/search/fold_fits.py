"""One trial's fits: a model per fold, side by side in threads on small data (each single-threaded).

A booster checks its validation fold after every round to stop early. A trial on a sample of a large table
(``kuai.engine.search.fidelity``) would spend most of its time there: 10,000 training rows against 333,000
validation rows made a LightGBM fit of 120 rounds take 7 s. So the check reads a stratified sample of the
validation rows, as many as the training rows (at least ``CHECK_MIN_ROWS``); the fold's score and out-of-fold
predictions still cover every validation row. Where the validation rows are no more than the training rows (every
k-fold split without a sample) nothing changes."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from kuai.engine.data.task import class_weights
from kuai.engine.models import Deadline, ModelFamily
from kuai.engine.search.fold_cache import Matrices
from kuai.engine.search.memory import subsample_rows
from kuai.engine.types import TaskSpec

__all__ = ["CHECK_MIN_ROWS", "fit_fold_models"]

CHECK_MIN_ROWS = 20_000

Fold = tuple[np.ndarray, np.ndarray]  # a fold's training and validation rows


def fit_fold_models(family: ModelFamily, params: dict[str, Any], work: list[tuple[Matrices, Fold]], *,
                    y: np.ndarray, spec: TaskSpec, deadline: Deadline,
                    threads: int) -> list[tuple[Any, int | None, float]]:
    """Fit one model per fold of ``work`` (its matrices, and its rows), all at once in threads when there are
    several, each on ``threads`` threads: (model, best round, seconds) per fold. A fold that fails moves the
    ``deadline`` to now, so the others stop at their next step."""

    def fit(item: tuple[Matrices, Fold]) -> tuple[Any, int | None, float]:
        (X_train, X_valid, _, train), (_, valid) = item
        y_valid = y[valid]
        if len(valid) > max(CHECK_MIN_ROWS, len(train)):  # the early-stopping check reads a sample of them
            checked = subsample_rows(np.arange(len(valid)), y_valid, max(CHECK_MIN_ROWS, len(train)) / len(valid),
                                     seed=spec.seed, classification=spec.task.is_classification)
            X_valid, y_valid = X_valid[checked], y_valid[checked]
        model = family.build(params, spec.task, seed=spec.seed, threads=threads)
        started = time.perf_counter()
        try:  # OpenMP's thread count is per thread: the caller's limit does not reach a new thread; BLAS's (the
            # perceptron's matrix products) is the process's
            with threadpool_limits(limits=threads):
                best = family.fit(model, X_train, y[train], X_valid=X_valid, y_valid=y_valid,
                                  deadline=deadline, sample_weight=class_weights(y[train], spec))
        except BaseException:
            deadline.at, deadline.min_rounds = time.monotonic(), 0  # the trial has failed: its other fold stops
            # at its next step, whatever rounds a first model is otherwise given
            raise
        return model, best, time.perf_counter() - started

    if len(work) == 1:
        return [fit(work[0])]
    with ThreadPoolExecutor(max_workers=len(work), thread_name_prefix="kuai-fold") as pool:
        return list(pool.map(fit, work))
