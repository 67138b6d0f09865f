"""Bagged trees: random forest and extremely randomised trees."""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.models._base import DataShape, Deadline, ModelFamily
from engine.types import TaskType

TREES_PER_STEP = 10


class _ForestFamily(ModelFamily):
    encoding = "ordinal"
    extra_trees = False
    grows_iterations = True

    def default_configs(self, shape: DataShape) -> list[dict[str, Any]]:
        return [{f"{self.name}__n_estimators": 100, f"{self.name}__max_features": 0.5,
                 f"{self.name}__min_samples_leaf": 1}]

    def sample(self, trial: Any, shape: DataShape) -> dict[str, Any]:
        p = self.name
        return {
            f"{p}__n_estimators": trial.suggest_int(f"{p}__n_estimators", 30, 250, log=True),
            f"{p}__max_features": trial.suggest_float(f"{p}__max_features", 0.1, 1.0),
            f"{p}__min_samples_leaf": trial.suggest_int(f"{p}__min_samples_leaf", 1, 20, log=True),
        }

    def build(self, params: dict[str, Any], task: TaskType, *, seed: int, threads: int = 1) -> Any:
        from sklearn import ensemble

        kind = ("ExtraTrees" if self.extra_trees else "RandomForest") + (
            "Classifier" if task.is_classification else "Regressor")
        return getattr(ensemble, kind)(n_jobs=threads, random_state=seed, **self.unprefixed(params))

    def fit(self, model: Any, X: np.ndarray, y: np.ndarray, *, X_valid: np.ndarray | None = None,
            y_valid: np.ndarray | None = None, deadline: Deadline | None = None) -> int | None:
        """Grow the forest ten trees at a time, stopping at the deadline with what has grown."""
        target = int(model.n_estimators)
        grown = min(TREES_PER_STEP, target)
        model.set_params(warm_start=True, n_estimators=grown)
        model.fit(X, y)
        while grown < target and not (deadline is not None and deadline.passed()):
            grown = min(grown + TREES_PER_STEP, target)
            model.set_params(n_estimators=grown)
            model.fit(X, y)
        model.set_params(warm_start=False)
        return grown

    def with_iterations(self, params: dict[str, Any], n_iterations: int) -> dict[str, Any]:
        return params | {f"{self.name}__n_estimators": max(1, n_iterations)}


class RandomForestFamily(_ForestFamily):
    name = "random_forest"


class ExtraTreesFamily(_ForestFamily):
    name = "extra_trees"
    extra_trees = True
