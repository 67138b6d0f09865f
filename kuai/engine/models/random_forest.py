"""Bagged trees: random forest and extremely randomised trees."""

from __future__ import annotations

from typing import Any

import numpy as np

from kuai.engine.models._base import DataShape, Deadline, ModelFamily, weighted
from kuai.engine.types import TaskType

TREES_PER_STEP = 10
# A forest stops growing at this many nodes (at least one step of trees): about 16 MB of ONNX, converted in
# ~5 s (measured: 1.56 M nodes made 58 MB in 20 s and 1.6 GB). Full-depth trees on 30,000 rows hold ~50,000
# nodes each; a hundred of them made a 195 MB file that took 85 s and 6 GB of memory to export.
MAX_NODES = 400_000
FORESTS = ("random_forest", "extra_trees")  # the families below


class _ForestFamily(ModelFamily):
    encoding = "ordinal"
    extra_trees = False
    grows_iterations = True
    parallel_folds = True

    def default_configs(self, shape: DataShape) -> list[dict[str, Any]]:
        """scikit-learn's own defaults first (all features per split for regression, their square root for
        classification), then half of them."""
        p = self.name
        features = max(1, shape.n_features)
        first = 1.0 if shape.n_classes == 0 else float(np.clip(np.sqrt(features) / features, 0.1, 1.0))
        return [{f"{p}__n_estimators": 100, f"{p}__max_features": first, f"{p}__min_samples_leaf": 1},
                {f"{p}__n_estimators": 100, f"{p}__max_features": 0.5, f"{p}__min_samples_leaf": 1}]

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
            y_valid: np.ndarray | None = None, deadline: Deadline | None = None,
            sample_weight: np.ndarray | None = None) -> int | None:
        """Grow the forest ten trees at a time, stopping at the deadline or the size cap with what has grown."""
        target = int(model.n_estimators)
        grown = min(TREES_PER_STEP, target)
        model.set_params(warm_start=True, n_estimators=grown)
        model.fit(X, y, **weighted(sample_weight))
        while grown < target and not (deadline is not None and deadline.passed()) and _nodes(model) < MAX_NODES:
            grown = min(grown + TREES_PER_STEP, target)
            model.set_params(n_estimators=grown)
            model.fit(X, y, **weighted(sample_weight))
        model.set_params(warm_start=False)
        return grown

    def with_iterations(self, params: dict[str, Any], n_iterations: int) -> dict[str, Any]:
        return params | {f"{self.name}__n_estimators": max(1, n_iterations)}


def _nodes(model: Any) -> int:
    return sum(int(tree.tree_.node_count) for tree in model.estimators_)


class RandomForestFamily(_ForestFamily):
    name = "random_forest"


class ExtraTreesFamily(_ForestFamily):
    name = "extra_trees"
    extra_trees = True
