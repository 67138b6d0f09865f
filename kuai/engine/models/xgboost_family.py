"""XGBoost: gradient-boosted trees (histogram method) with early stopping that keeps the best round, and a deadline.

Early stopping returns the model of the best round (``save_best``), so the fitted booster holds exactly the trees
it predicts with: the ONNX converter (onnxmltools', registered in ``kuai.exporters._converters``) writes every tree
of the booster.
"""

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
EARLY_STOPPING_ROUNDS = 50


class XGBoostFamily(ModelFamily):
    name = "xgboost"
    label = "XGBoost (boosted trees)"
    short_label = "XGBoost"
    search_order = None  # only when asked for: it did not clearly earn its time (docs/search.md, "Order")
    encoding = "ordinal"
    scale = False
    grows_iterations = True
    parallel_folds = True  # its single-threaded fits release the GIL, as LightGBM's
    # estimated from LightGBM's (a histogram booster too), not measured: a little more memory, a slower converter
    memory = MemoryCost(cell_bytes=30.0, fixed_mb=20.0, class_row_bytes=0.0, growth=None)
    export = ExportCost(onnx_per_pickled=1.7, seconds_per_mb=0.5, multiclass_opset5=True)
    # 2.2 s for 16,667 rows (130 rounds), 1.07 times LightGBM's time measured beside it; in LightGBM's units
    fit_cost = FitCost(core_s_per_mcell=3.3, per_class=True)
    shap_route = ShapRoute.SHAP_TREE
    explains_probability = False
    estimators = ("xgboost.XGBClassifier", "xgboost.XGBRegressor")
    libraries = ("xgboost-cpu",)
    preflight_group = "gradient boosting"
    grams_first = True

    def default_configs(self, shape: DataShape) -> list[dict[str, Any]]:
        return [{"xgboost__learning_rate": 0.1, "xgboost__max_depth": 6, "xgboost__min_child_weight": 1.0,
                 "xgboost__subsample": 1.0, "xgboost__colsample_bytree": 1.0, "xgboost__reg_lambda": 1.0}]

    def sample(self, trial: Any, shape: DataShape) -> dict[str, Any]:
        return {
            "xgboost__learning_rate": trial.suggest_float("xgboost__learning_rate", 0.01, 0.3, log=True),
            "xgboost__max_depth": trial.suggest_int("xgboost__max_depth", 2, 10),
            "xgboost__min_child_weight": trial.suggest_float("xgboost__min_child_weight", 0.5, 20.0, log=True),
            "xgboost__subsample": trial.suggest_float("xgboost__subsample", 0.5, 1.0),
            "xgboost__colsample_bytree": trial.suggest_float("xgboost__colsample_bytree", 0.4, 1.0),
            "xgboost__reg_lambda": trial.suggest_float("xgboost__reg_lambda", 1e-3, 10.0, log=True),
        }

    def build(self, params: dict[str, Any], task: TaskType, *, seed: int, threads: int = 1) -> Any:
        import xgboost

        options = {"n_estimators": MAX_ROUNDS} | self.unprefixed(params)
        cls = xgboost.XGBClassifier if task.is_classification else xgboost.XGBRegressor
        return cls(tree_method="hist", random_state=seed, n_jobs=threads, verbosity=0, **options)

    def fit(self, model: Any, X: np.ndarray, y: np.ndarray, *, X_valid: np.ndarray | None = None,
            y_valid: np.ndarray | None = None, deadline: Deadline | None = None,
            sample_weight: np.ndarray | None = None) -> int | None:
        import xgboost

        callbacks: list[Any] = []
        fit_args: dict[str, Any] = {"verbose": False}
        if X_valid is not None and y_valid is not None:
            callbacks.append(xgboost.callback.EarlyStopping(rounds=EARLY_STOPPING_ROUNDS, save_best=True))
            fit_args["eval_set"] = [(X_valid, y_valid)]
        if deadline is not None:
            callbacks.append(_stop_at(deadline))
        model.set_params(callbacks=callbacks or None)
        try:
            model.fit(X, y, **fit_args, **weighted(sample_weight))
        finally:
            model.set_params(callbacks=None)  # a fitted model keeps no deadline (and pickles without it)
        return int(model.get_booster().num_boosted_rounds()) or None

    def with_iterations(self, params: dict[str, Any], n_iterations: int) -> dict[str, Any]:
        return params | {"xgboost__n_estimators": max(1, n_iterations)}


def _stop_at(deadline: Deadline) -> Any:
    """An XGBoost ``TrainingCallback`` that ends the boosting once the deadline has passed."""
    import xgboost

    class StopAt(xgboost.callback.TrainingCallback):
        def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
            return deadline.stops(epoch + 1)  # ``epoch``: the round just boosted, from 0

    return StopAt()
