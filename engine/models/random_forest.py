"""Bagged trees: random forest and extremely randomised trees."""

from __future__ import annotations

from typing import Any

from engine.models._base import DataShape, ModelFamily
from engine.types import TaskType


class _ForestFamily(ModelFamily):
    encoding = "ordinal"
    extra_trees = False

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


class RandomForestFamily(_ForestFamily):
    name = "random_forest"


class ExtraTreesFamily(_ForestFamily):
    name = "extra_trees"
    extra_trees = True
