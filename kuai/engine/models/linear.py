"""Linear models: logistic regression and ridge on one-hot, scaled features."""

from __future__ import annotations

from typing import Any

from kuai.engine.models._base import DataShape, ModelFamily
from kuai.engine.types import TaskType


class LinearFamily(ModelFamily):
    name = "linear"
    encoding = "onehot"
    scale = True

    def default_configs(self, shape: DataShape) -> list[dict[str, Any]]:
        return [{"linear__C": 1.0}]

    def sample(self, trial: Any, shape: DataShape) -> dict[str, Any]:
        return {"linear__C": trial.suggest_float("linear__C", 1e-3, 100.0, log=True)}

    def build(self, params: dict[str, Any], task: TaskType, *, seed: int, threads: int = 1) -> Any:
        from sklearn.linear_model import LogisticRegression, Ridge

        strength = float(self.unprefixed(params)["C"])
        if task.is_classification:
            return LogisticRegression(C=strength, max_iter=500, random_state=seed)
        return Ridge(alpha=1.0 / strength, random_state=seed)
