"""What a model family declares: its encoder, known-good configs and search space."""

from __future__ import annotations

import abc
import os
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from kuai.engine.models.preprocessing import Encoding
from kuai.engine.types import TaskType


@dataclass(frozen=True)
class DataShape:
    n_rows: int
    n_features: int
    n_classes: int  # 0 for regression


def available_cores() -> int:
    """The cores this process may run on (its affinity, not the machine's count); at most two are used."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(2, cores))


def n_threads(n_rows: int) -> int:
    """Threads for one fit: one on small data (OpenMP overhead and contention cost more than they win)."""
    return 1 if n_rows < 20_000 else available_cores()


def weighted(sample_weight: np.ndarray | None) -> dict[str, Any]:
    """Keyword arguments of a ``fit`` with these row weights (none when there are none)."""
    return {} if sample_weight is None else {"sample_weight": sample_weight}


class Deadline:
    """A wall-clock instant shared by the search and the fits it starts."""

    def __init__(self, at: float) -> None:
        self.at = at

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def passed(self) -> bool:
        return self.remaining() <= 0


class ModelFamily(abc.ABC):
    """One family of models; tasks are data, not ``if task ==`` chains in the search."""

    name: str
    encoding: Encoding = "ordinal"
    scale: bool = False
    grows_iterations: bool = False  # fits grow step by step (rounds, trees); the count reached is kept for refit
    # single-threaded fits release the GIL, so folds can be fitted side by side in threads (measured on 2 cores:
    # LightGBM 1.6x, CatBoost 2.1x, forests 1.9x faster; scikit-learn's HistGradientBoosting ran 2x slower)
    parallel_folds: bool = False

    @abc.abstractmethod
    def default_configs(self, shape: DataShape) -> list[dict[str, Any]]:
        """Known-good starting points, cheapest first; each must be a point of the search space."""

    @abc.abstractmethod
    def sample(self, trial: Any, shape: DataShape) -> dict[str, Any]:
        """Draw hyperparameters from an Optuna trial (names prefixed by the family)."""

    @abc.abstractmethod
    def build(self, params: dict[str, Any], task: TaskType, *, seed: int, threads: int = 1) -> Any:
        """An unfitted estimator for these parameters."""

    def fit(
        self, model: Any, X: np.ndarray, y: np.ndarray, *, X_valid: np.ndarray | None = None,
        y_valid: np.ndarray | None = None, deadline: Deadline | None = None, sample_weight: np.ndarray | None = None,
    ) -> int | None:
        """Fit; return the best iteration when early stopping applies. ``sample_weight``: per training row."""
        model.fit(X, y, **weighted(sample_weight))
        return None

    def with_iterations(self, params: dict[str, Any], n_iterations: int) -> dict[str, Any]:
        """Parameters for a refit on all rows with a fixed iteration count."""
        return params

    def unprefixed(self, params: dict[str, Any]) -> dict[str, Any]:
        prefix = f"{self.name}__"
        return {k.removeprefix(prefix): v for k, v in params.items() if k.startswith(prefix)}
