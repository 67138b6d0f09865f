"""Exact SHAP values from the models' own code, without importing SHAP.

SHAP's package brings numba and llvmlite (~90 MB resident, ~1.5 s to import) into the process that explains; the
export's fresh process (``kuai.app.services.fresh_tail``) then peaked on it for small data. LightGBM and CatBoost
compute TreeSHAP themselves (``pred_contrib``, ``ShapValues``: SHAP's ``TreeExplainer`` calls LightGBM's own, and
CatBoost's are the same algorithm); a linear model's interventional SHAP values are closed-form, as
``shap.LinearExplainer`` computes them. scikit-learn's forests and histogram boosting are written as LightGBM trees
(``kuai.engine.explain.sklearn_tree_shap``); only those LightGBM cannot hold (weighted covers, categorical splits) go
to SHAP. Any other model (k-nearest neighbours) is explained as a black box: sampled Shapley values
(``PermutationShap``), additive but not exact.

Each explainer is called on a feature matrix and returns ``values`` (rows x features, x outputs when there are
several) and ``base_values`` (per row, x outputs), as SHAP's explainers do.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np

from kuai.engine.explain.sklearn_tree_shap import SklearnTrees, sklearn_trees
from kuai.engine.models import ShapRoute, family_of


class CatBoostTreeShap:
    """Exact TreeSHAP for a CatBoost model, from CatBoost's own ``ShapValues``: the values ``shap.TreeExplainer``
    returns for CatBoost, without its tree loader. That loader reads a multiclass model's leaves as one value each
    (CatBoost stores one per class) and its C extension then reads past its arrays: a segmentation fault that
    killed the whole training (seen on wine_quality_red with a depth-8 CatBoost)."""

    method = "CatBoost ShapValues (TreeSHAP)"

    def __init__(self, model: Any) -> None:
        self.model = model

    def __call__(self, X: np.ndarray) -> SimpleNamespace:
        from catboost import Pool

        phi = np.asarray(self.model.get_feature_importance(data=Pool(X), type="ShapValues"), dtype=np.float64)
        if phi.ndim == 3:  # rows x classes x (features + base)
            return SimpleNamespace(values=np.swapaxes(phi[:, :, :-1], 1, 2), base_values=phi[:, :, -1])
        return SimpleNamespace(values=phi[:, :-1], base_values=phi[:, -1])


class LightGBMTreeShap:
    """Exact TreeSHAP for a LightGBM model, from its own ``pred_contrib`` (what ``shap.TreeExplainer`` calls)."""

    method = "LightGBM pred_contrib (TreeSHAP)"

    def __init__(self, model: Any) -> None:
        self.booster = model.booster_

    def __call__(self, X: np.ndarray) -> SimpleNamespace:
        return _contributions(self.booster, X)


class SklearnTreeShap:
    """Exact TreeSHAP for a scikit-learn forest or HistGradientBoosting model: its trees written as LightGBM's
    (``kuai.engine.explain.sklearn_tree_shap``), explained by ``pred_contrib``."""

    method = "LightGBM pred_contrib over the model's trees (TreeSHAP)"

    def __init__(self, trees: SklearnTrees, n_features: int) -> None:
        self.booster = trees.booster(n_features)
        self.float32_inputs = trees.float32_inputs

    def __call__(self, X: np.ndarray) -> SimpleNamespace:
        if self.float32_inputs:  # scikit-learn's forests split float32 values, and SHAP explains them so
            X = X.astype(np.float32).astype(np.float64)
        return _contributions(self.booster, X)


def _contributions(booster: Any, X: np.ndarray) -> SimpleNamespace:
    phi = np.asarray(booster.predict(X, pred_contrib=True), dtype=np.float64)
    n_outputs = phi.shape[1] // (X.shape[1] + 1)
    if n_outputs > 1:  # rows x (classes * (features + base)), class by class
        phi = phi.reshape(len(X), n_outputs, X.shape[1] + 1)
        return SimpleNamespace(values=np.swapaxes(phi[:, :, :-1], 1, 2), base_values=phi[:, :, -1])
    return SimpleNamespace(values=phi[:, :-1], base_values=phi[:, -1])


class LinearShap:
    """Interventional SHAP values of a linear model against a background sample: each feature's coefficient times
    its distance from the background's mean; the base value is the model's output at that mean. These are the
    values of ``shap.LinearExplainer(model, background)``."""

    method = "linear model (exact interventional SHAP)"

    def __init__(self, model: Any, background: np.ndarray) -> None:
        self.coef = np.atleast_2d(np.asarray(model.coef_, dtype=np.float64))  # outputs x features
        self.mean = background.mean(axis=0)
        self.base = self.coef @ self.mean + np.atleast_1d(np.asarray(model.intercept_, dtype=np.float64))

    def __call__(self, X: np.ndarray) -> SimpleNamespace:
        values = (X - self.mean)[:, :, None] * self.coef.T[None, :, :]  # rows x features x outputs
        base = np.broadcast_to(self.base, (len(X), len(self.base)))
        if values.shape[2] == 1:
            return SimpleNamespace(values=values[:, :, 0], base_values=base[:, 0])
        return SimpleNamespace(values=values, base_values=base)


PERMUTATION_BACKGROUND = 10  # background rows of a black-box explanation: each explained row costs
PERMUTATION_ORDERS = 4  # orders x (features + 1) x background rows predictions (orders taken with their reverse)
PERMUTATION_CALL_ROWS = 100_000  # rows sent to the model in one call


class PermutationShap:
    """Shapley values of any model seen as a black box on its feature matrix, by permutation sampling against a
    background sample (the method of ``kuai.engine.explain.row_explain``, on numbers): walking the features in a
    random order (and its reverse), each is switched from the background rows' values to the row's, and the change of
    the average output is its share. Every order telescopes, so the values add up exactly to ``f(row) - mean
    f(background)``; they are sampled, not exact. ``f``: ``predict_proba`` for a classifier, else ``predict``."""

    method = "permutation sampling of Shapley values"

    def __init__(self, model: Any, background: np.ndarray, *, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.model = model
        self.background = background[rng.permutation(len(background))[:PERMUTATION_BACKGROUND]]
        n_features = background.shape[1]
        half = [rng.permutation(n_features) for _ in range(PERMUTATION_ORDERS // 2)]
        self.orders = half + [order[::-1] for order in half]
        switched = np.zeros((len(self.orders), n_features + 1, n_features), dtype=bool)  # [order, step, feature]
        for o, order in enumerate(self.orders):
            for k, j in enumerate(order):
                switched[o, k + 1:, j] = True
        self.mask = np.repeat(switched.reshape(-1, n_features), len(self.background), axis=0)
        self.base = self._outputs(self.background).mean(axis=0)

    def _outputs(self, X: np.ndarray) -> np.ndarray:
        predict = self.model.predict_proba if hasattr(self.model, "predict_proba") else self.model.predict
        outputs = np.asarray(predict(X), dtype=np.float64)
        return outputs.reshape(len(X), -1)

    def __call__(self, X: np.ndarray) -> SimpleNamespace:
        n_orders, n_background = len(self.orders), len(self.background)
        n_rows, n_features = X.shape
        per_row = len(self.mask)
        filler = np.tile(self.background, (per_row // n_background, 1))
        values = np.zeros((n_rows, n_features, len(self.base)))
        chunk = max(1, PERMUTATION_CALL_ROWS // per_row)
        for start in range(0, n_rows, chunk):
            rows = X[start:start + chunk]
            mixed = np.where(self.mask[None], rows[:, None, :], filler[None]).reshape(-1, n_features)
            outputs = self._outputs(mixed).reshape(len(rows), n_orders, n_features + 1, n_background, -1)
            steps = np.diff(outputs.mean(axis=3), axis=2)  # rows x orders x features (in order) x outputs
            for o, order in enumerate(self.orders):
                values[start:start + len(rows), order] += steps[:, o]
        values /= n_orders
        base = np.broadcast_to(self.base, (n_rows, len(self.base)))
        if values.shape[2] == 1:
            return SimpleNamespace(values=values[:, :, 0], base_values=base[:, 0])
        return SimpleNamespace(values=values, base_values=base)


def native_explainer(model: Any, background: Callable[[], np.ndarray]) -> Any | None:
    """The explainer of ``model`` without SHAP's package, by its family's ``shap_route``; None for the models that
    need the package (``ShapRoute.SHAP_TREE``, and scikit-learn trees with fractional covers, categorical columns or
    several targets). ``background``: the background rows' feature matrix, for a linear model and a black box."""
    route = family_of(model).shap_route
    if route is ShapRoute.CATBOOST:
        return CatBoostTreeShap(model)
    if route is ShapRoute.LIGHTGBM:
        return LightGBMTreeShap(model)
    if route is ShapRoute.LINEAR:
        return LinearShap(model, background())
    if route is ShapRoute.PERMUTATION:
        return PermutationShap(model, background())
    trees = sklearn_trees(model) if route is ShapRoute.SKLEARN_TREES else None
    if trees is not None:
        return SklearnTreeShap(trees, int(model.n_features_in_))
    return None
