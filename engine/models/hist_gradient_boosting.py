"""scikit-learn's histogram gradient boosting, with its own early stopping."""

from __future__ import annotations

from typing import Any

from engine.models._base import DataShape, ModelFamily
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

