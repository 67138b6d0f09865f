"""One trial's fits: a model per fold, side by side in threads on small data (each single-threaded)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from kuai.engine.data.task import class_weights
from kuai.engine.models import Deadline, ModelFamily
from kuai.engine.search.fold_cache import Matrices
from kuai.engine.types import TaskSpec

__all__ = ["fit_fold_models"]

Fold = tuple[np.ndarray, np.ndarray]  # a fold's training and validation rows


def fit_fold_models(family: ModelFamily, params: dict[str, Any], work: list[tuple[Matrices, Fold]], *,
                    y: np.ndarray, spec: TaskSpec, deadline: Deadline,
                    threads: int) -> list[tuple[Any, int | None, float]]:
    """Fit one model per fold of ``work`` (its matrices, and its rows), all at once in threads when there are
    several, each on ``threads`` threads: (model, best round, seconds) per fold. A fold that fails moves the
    ``deadline`` to now, so the others stop at their next step."""

    def fit(item: tuple[Matrices, Fold]) -> tuple[Any, int | None, float]:
        (X_train, X_valid, _, train), (_, valid) = item
        model = family.build(params, spec.task, seed=spec.seed, threads=threads)
        started = time.perf_counter()
        try:  # OpenMP's thread count is per thread: the caller's limit does not reach a new thread
            with threadpool_limits(limits=threads, user_api="openmp"):
                best = family.fit(model, X_train, y[train], X_valid=X_valid, y_valid=y[valid],
                                  deadline=deadline, sample_weight=class_weights(y[train], spec))
        except BaseException:
            deadline.at = time.monotonic()  # the trial has failed: its other fold stops at its next step
            raise
        return model, best, time.perf_counter() - started

    if len(work) == 1:
        return [fit(work[0])]
    with ThreadPoolExecutor(max_workers=len(work), thread_name_prefix="kuai-fold") as pool:
        return list(pool.map(fit, work))
