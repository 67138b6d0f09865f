"""scikit-learn's histogram gradient boosting, with its own early stopping."""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.models._base import DataShape, Deadline, ModelFamily, n_threads
from engine.types import TaskType


class HistGradientBoostingFamily(ModelFamily):
    name = "hist_gb"
    encoding = "ordinal"

    def default_configs(self, shape: DataShape) -> list[dict[str, Any]]:
        return [{"hist_gb__learning_rate": 0.1, "hist_gb__max_leaf_nodes": 31, "hist_gb__l2_regularization": 0.0}]

    def sample(self, trial: Any, shape: DataShape) -> dict[str, Any]:
        return {
            "hist_gb__learning_rate": trial.suggest_float("hist_gb__learning_rate", 0.02, 0.3, log=True),
            "hist_gb__max_leaf_nodes": trial.suggest_int("hist_gb__max_leaf_nodes", 8, 128, log=True),
            "hist_gb__l2_regularization": trial.suggest_float("hist_gb__l2_regularization", 0.0, 10.0),
        }

    def build(self, params: dict[str, Any], task: TaskType, *, seed: int, threads: int = 1) -> Any:
        from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

        cls = HistGradientBoostingClassifier if task.is_classification else HistGradientBoostingRegressor
        return cls(max_iter=500, early_stopping=True, validation_fraction=0.15, n_iter_no_change=20,
                   random_state=seed, **self.unprefixed(params))

    def fit(self, model: Any, X: np.ndarray, y: np.ndarray, *, X_valid: np.ndarray | None = None,
            y_valid: np.ndarray | None = None, deadline: Deadline | None = None) -> int | None:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=n_threads(len(y)), user_api="openmp"):
            model.fit(X, y)
        return None

