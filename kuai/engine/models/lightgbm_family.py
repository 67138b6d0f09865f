"""LightGBM: gradient-boosted trees with early stopping and a deadline callback."""

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

MAX_ROUNDS = 2000


class LightGBMFamily(ModelFamily):
    name = "lightgbm"
    label = "LightGBM (boosted trees)"
    short_label = "LightGBM"
    search_order = 10
    encoding = "ordinal"
    scale = False
    grows_iterations = True
    parallel_folds = True
    memory = MemoryCost(cell_bytes=26.0, fixed_mb=10.0, class_row_bytes=0.0, growth=None)
    # ONNX conversion read from its text model: about 2 s for ten boosters pickled in 10.6 MB (13 s through
    # onnxmltools' converter before)
    export = ExportCost(onnx_per_pickled=1.7, seconds_per_mb=0.3, multiclass_opset5=True)
    fit_cost = FitCost(core_s_per_mcell=3.1, per_class=True)  # 2.7 s for 16,667 rows (163 rounds)
    shap_route = ShapRoute.LIGHTGBM
    explains_probability = False
    estimators = ("lightgbm.LGBMClassifier", "lightgbm.LGBMRegressor")
    libraries = ("lightgbm",)
    preflight_group = "gradient boosting"
    grams_first = True

    def default_configs(self, shape: DataShape) -> list[dict[str, Any]]:
        return [
            {"lightgbm__learning_rate": 0.1, "lightgbm__num_leaves": 31, "lightgbm__min_child_samples": 20,
             "lightgbm__colsample_bytree": 1.0, "lightgbm__subsample": 1.0, "lightgbm__reg_lambda": 1e-3},
            {"lightgbm__learning_rate": 0.05, "lightgbm__num_leaves": 15, "lightgbm__min_child_samples": 10,
             "lightgbm__colsample_bytree": 0.7, "lightgbm__subsample": 0.8, "lightgbm__reg_lambda": 1.0},
        ]

    def sample(self, trial: Any, shape: DataShape) -> dict[str, Any]:
        max_leaves = int(max(4, min(256, shape.n_rows // 10)))
        return {
            "lightgbm__learning_rate": trial.suggest_float("lightgbm__learning_rate", 0.01, 0.3, log=True),
            "lightgbm__num_leaves": trial.suggest_int("lightgbm__num_leaves", 4, max(max_leaves, 31), log=True),
            "lightgbm__min_child_samples": trial.suggest_int("lightgbm__min_child_samples", 2, 100, log=True),
            "lightgbm__colsample_bytree": trial.suggest_float("lightgbm__colsample_bytree", 0.4, 1.0),
            "lightgbm__subsample": trial.suggest_float("lightgbm__subsample", 0.5, 1.0),
            "lightgbm__reg_lambda": trial.suggest_float("lightgbm__reg_lambda", 1e-3, 10.0, log=True),
        }

    def build(self, params: dict[str, Any], task: TaskType, *, seed: int, threads: int = 1) -> Any:
        import lightgbm

        options = self.unprefixed(params)
        options.setdefault("n_estimators", MAX_ROUNDS)
        if options.get("subsample", 1.0) < 1.0:
            options["subsample_freq"] = 1
        cls = lightgbm.LGBMClassifier if task.is_classification else lightgbm.LGBMRegressor
        return cls(random_state=seed, n_jobs=threads, verbose=-1, **options)

    def fit(self, model: Any, X: np.ndarray, y: np.ndarray, *, X_valid: np.ndarray | None = None,
            y_valid: np.ndarray | None = None, deadline: Deadline | None = None,
            sample_weight: np.ndarray | None = None) -> int | None:
        import lightgbm

        callbacks: list[Any] = []
        fit_args: dict[str, Any] = {}
        if X_valid is not None:
            callbacks.append(lightgbm.early_stopping(50, verbose=False))
            fit_args["eval_X"], fit_args["eval_y"] = (X_valid,), (y_valid,)
        if deadline is not None:
            callbacks.append(_stop_at(deadline))
        model.fit(X, y, callbacks=callbacks, **fit_args, **weighted(sample_weight))
        best = getattr(model, "best_iteration_", None)
        return int(best) if best else int(model.n_estimators_ if hasattr(model, "n_estimators_") else 0) or None

    def with_iterations(self, params: dict[str, Any], n_iterations: int) -> dict[str, Any]:
        return params | {"lightgbm__n_estimators": max(1, n_iterations)}


def _stop_at(deadline: Deadline) -> Any:
    import lightgbm

    def callback(env: Any) -> None:
        if deadline.stops(env.iteration + 1):  # ``iteration``: the round just boosted, from 0
            best = env.iteration
            raise lightgbm.callback.EarlyStopException(best, env.evaluation_result_list or [])

    callback.order = 40  # type: ignore[attr-defined]
    return callback
