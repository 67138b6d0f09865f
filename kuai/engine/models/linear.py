"""Linear models: logistic regression and ridge on one-hot, scaled features."""

from __future__ import annotations

from typing import Any

from kuai.engine.models._base import DataShape, ExportCost, FitCost, MemoryCost, ModelFamily, ShapRoute
from kuai.engine.types import TaskType


class LinearFamily(ModelFamily):
    name = "linear"
    label = "Linear / logistic model"
    short_label = "Linear model"
    search_order = 20
    encoding = "onehot"
    scale = True
    grows_iterations = False
    parallel_folds = False
    memory = MemoryCost(cell_bytes=6.0, fixed_mb=15.0, class_row_bytes=0.0, growth=None)
    export = ExportCost(onnx_per_pickled=0.65, seconds_per_mb=0.25, multiclass_opset5=True)
    fit_cost = FitCost(core_s_per_mcell=0.12, per_class=False)  # 0.4 s over 207 one-hot inputs
    shap_route = ShapRoute.LINEAR
    explains_probability = False
    estimators = ("sklearn.linear_model.LogisticRegression", "sklearn.linear_model.Ridge")
    libraries = ("scikit-learn",)
    preflight_group = "linear model"
    grams_first = True

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
