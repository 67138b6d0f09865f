"""SHAP explanations in terms of the user's original columns.

Tree models use ``shap.TreeExplainer`` (exact TreeSHAP, in the model's margin:
log-odds for boosted classifiers, probability for forests); linear models use
``shap.LinearExplainer``. One-hot and date-part features are summed back onto
the column they came from (SHAP values are additive, so the sum is exact).
An ensemble is explained through its member with the largest weight, and the
note says so.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import pandas as pd

from engine.naming import model_label
from engine.preprocessing import original_column_of_features
from engine.types import Explanation, InputColumn, TaskSpec, TaskType

logger = logging.getLogger(__name__)
_TREE_MODULES = ("lightgbm", "catboost", "sklearn.ensemble")
PROBE_ROWS = 5


def explain_model(
    estimator: Any, model_frame: pd.DataFrame, *, spec: TaskSpec, schema: tuple[InputColumn, ...],
    model_name: str, sample_size: int = 300, seed: int = 0, time_budget_s: float | None = None,
) -> Explanation:
    """Explain up to ``sample_size`` rows of ``model_frame`` (inputs of the model).

    With ``time_budget_s``, a probe of a few rows times the explainer and the
    sample shrinks to what fits (deep forests cost far more per row than boosters).
    """
    pipeline, note = _explained_pipeline(estimator)
    rng = np.random.default_rng(seed)
    n_rows = len(model_frame)
    order = rng.permutation(n_rows)[:sample_size]
    prep, model = pipeline.named_steps["prep"], pipeline.named_steps["model"]
    explainer, space, method = _explainer(model, np.asarray(prep.transform(model_frame.iloc[order[:100]]),
                                                             dtype=np.float64), spec)
    probe = order[:PROBE_ROWS]
    started = time.perf_counter()
    values, base = _shap_values(explainer, method, np.asarray(prep.transform(model_frame.iloc[probe]), np.float64))
    per_row_s = (time.perf_counter() - started) / max(1, len(probe))
    n_more = len(order) - len(probe)
    if time_budget_s is not None:
        n_more = int(min(n_more, max(0.0, time_budget_s - per_row_s * len(probe)) / max(per_row_s, 1e-6)))
    if n_more > 0:
        rest = order[len(probe):len(probe) + n_more]
        more, _ = _shap_values(explainer, method, np.asarray(prep.transform(model_frame.iloc[rest]), np.float64))
        values = np.concatenate([values, more])
    chosen = order[:len(values)]
    if len(chosen) < min(sample_size, n_rows):
        note = (note + " " if note else "") + f"Explained {len(chosen)} rows (time-boxed)."
    sort = np.argsort(chosen)
    positions, values = chosen[sort], values[sort]
    sample = model_frame.iloc[positions]
    # values: rows x features x outputs ; base: outputs
    explained_output = _explained_outputs(pipeline, sample, spec, values.shape[2])
    per_row = values[np.arange(len(sample)), :, explained_output]
    columns = tuple(c.name for c in schema)
    owners = original_column_of_features(list(prep.get_feature_names_out()), schema)
    folded = np.zeros((len(sample), len(columns)))
    index_of = {name: i for i, name in enumerate(columns)}
    for feature_index, owner in enumerate(owners):
        folded[:, index_of[owner]] += per_row[:, feature_index]
    all_outputs = np.zeros((len(sample), len(columns)))
    for feature_index, owner in enumerate(owners):
        all_outputs[:, index_of[owner]] += np.abs(values[:, feature_index, :]).sum(axis=1)
    importance = dict(zip(columns, all_outputs.mean(axis=0).tolist(), strict=True))
    classes = spec.classes
    return Explanation(
        columns=columns,
        importance=dict(sorted(importance.items(), key=lambda item: -item[1])),
        sample_values=folded.round(8).tolist(),
        base_values=[float(base[k]) for k in explained_output],
        sample_index=[int(p) for p in positions],
        explained_class=[classes[k] if classes and len(classes) > 2 else (classes[1] if classes else "")
                         for k in explained_output],
        explained_model=model_name, output_space=space, method=method, note=note,
    )


def _explained_pipeline(estimator: Any) -> tuple[Any, str]:
    if hasattr(estimator, "named_steps"):
        return estimator, ""
    weights = np.asarray(estimator.weights, dtype=float)
    position = int(np.argmax(weights))
    name, _ = estimator.estimators[position]
    member = estimator.estimators_[position]
    note = (f"This ensemble is explained through its largest member, {model_label(name)} "
            f"(weight {weights[position] / weights.sum():.0%}).")
    return member, note


def _explainer(model: Any, background: np.ndarray, spec: TaskSpec) -> tuple[Any, str, str]:
    import shap

    module = type(model).__module__
    if module.startswith(_TREE_MODULES):
        is_forest = "forest" in module or "Forest" in type(model).__name__ or "Trees" in type(model).__name__
        space = "probability" if spec.task.is_classification and is_forest else _margin_space(spec)
        return shap.TreeExplainer(model), space, "shap.TreeExplainer"
    return shap.LinearExplainer(model, background), _margin_space(spec), "shap.LinearExplainer"


def _shap_values(explainer: Any, method: str, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """SHAP values as rows x features x outputs, and the base value per output."""
    explanation = explainer(X, check_additivity=False) if method.endswith("TreeExplainer") else explainer(X)
    values = np.asarray(explanation.values, dtype=np.float64)
    base = np.atleast_1d(np.asarray(explanation.base_values, dtype=np.float64))
    if base.ndim == 2:
        base = base[0]
    if values.ndim == 2:
        values = values[:, :, None]
    if base.size < values.shape[2]:
        base = np.resize(base, values.shape[2])
    return values, base


def _margin_space(spec: TaskSpec) -> str:
    if spec.task is TaskType.BINARY:
        return "log-odds"
    return "raw class score" if spec.task.is_classification else "predicted value"


def _explained_outputs(pipeline: Any, sample: pd.DataFrame, spec: TaskSpec, n_outputs: int) -> np.ndarray:
    """Which output each row is explained for: class 1 (binary), the predicted class (multiclass)."""
    n_rows = len(sample)
    if n_outputs == 1:
        return np.zeros(n_rows, dtype=int)
    if n_outputs == 2:
        return np.ones(n_rows, dtype=int)
    return np.asarray(np.argmax(pipeline.predict_proba(sample), axis=1), dtype=int)
