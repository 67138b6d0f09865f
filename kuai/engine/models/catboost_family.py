"""CatBoost: ordered boosting on symmetric trees (categoricals arrive ordinal-encoded)."""

from __future__ import annotations

from typing import Any

import numpy as np

from kuai.engine.models._base import (
    DataShape,
    Deadline,
    ExportCost,
    FitCost,
    MemoryCost,
    ModelFamily,
    ShapRoute,
    weighted,
)
from kuai.engine.types import TaskType

MAX_ROUNDS = 1500


class CatBoostFamily(ModelFamily):
    name = "catboost"
    label = "CatBoost (boosted trees)"
    short_label = "CatBoost"
    search_order = 40
    encoding = "ordinal"
    scale = False
    grows_iterations = True
    parallel_folds = True
    memory = MemoryCost(cell_bytes=50.0, fixed_mb=45.0, class_row_bytes=400.0, growth=None)
    export = ExportCost(onnx_per_pickled=4.0, seconds_per_mb=0.35, multiclass_opset5=False)  # 1.6 s for 4.7 MB
    fit_cost = FitCost(core_s_per_mcell=9.9, per_class=True)  # 8.7 s (362 rounds)
    shap_route = ShapRoute.CATBOOST
    explains_probability = False
    estimators = ("catboost.CatBoostClassifier", "catboost.CatBoostRegressor")
    libraries = ("catboost",)
    preflight_group = "gradient boosting"
    grams_first = False

    def default_configs(self, shape: DataShape) -> list[dict[str, Any]]:
        return [{"catboost__learning_rate": 0.08, "catboost__depth": 6, "catboost__l2_leaf_reg": 3.0}]

    def sample(self, trial: Any, shape: DataShape) -> dict[str, Any]:
        return {
            "catboost__learning_rate": trial.suggest_float("catboost__learning_rate", 0.02, 0.3, log=True),
            "catboost__depth": trial.suggest_int("catboost__depth", 3, 8),
            "catboost__l2_leaf_reg": trial.suggest_float("catboost__l2_leaf_reg", 0.5, 20.0, log=True),
        }

    def build(self, params: dict[str, Any], task: TaskType, *, seed: int, threads: int = 1) -> Any:
        import catboost

        options = self.unprefixed(params)
        options.setdefault("iterations", MAX_ROUNDS)
        common = dict(random_seed=seed, thread_count=threads, verbose=False, allow_writing_files=False)
        if task.is_classification:
            loss = "Logloss" if task is TaskType.BINARY else "MultiClass"
            return catboost.CatBoostClassifier(loss_function=loss, **common, **options)
        return catboost.CatBoostRegressor(loss_function="RMSE", **common, **options)

    def fit(self, model: Any, X: np.ndarray, y: np.ndarray, *, X_valid: np.ndarray | None = None,
            y_valid: np.ndarray | None = None, deadline: Deadline | None = None,
            sample_weight: np.ndarray | None = None) -> int | None:
        fit_args: dict[str, Any] = {}
        if X_valid is not None:
            fit_args = {"eval_set": (X_valid, y_valid), "early_stopping_rounds": 50}
        if deadline is not None:
            fit_args["callbacks"] = [_StopAt(deadline)]
        model.fit(X, y, **fit_args, **weighted(sample_weight))
        best = model.get_best_iteration()
        return int(best) + 1 if best is not None else int(model.tree_count_)

    def with_iterations(self, params: dict[str, Any], n_iterations: int) -> dict[str, Any]:
        return params | {"catboost__iterations": max(1, n_iterations)}


class _StopAt:
    def __init__(self, deadline: Deadline) -> None:
        self.deadline = deadline

    def after_iteration(self, info: Any) -> bool:
        return not self.deadline.stops(info.iteration)  # ``iteration``: the rounds boosted so far
