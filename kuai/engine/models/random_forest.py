"""Bagged trees: random forest and extremely randomised trees."""

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
    TreeGrowth,
    weighted,
)
from kuai.engine.types import TaskType

TREES_PER_STEP = 10
# A forest stops growing at this many nodes (at least one step of trees): about 16 MB of ONNX, converted in
# ~5 s (measured: 1.56 M nodes made 58 MB in 20 s and 1.6 GB). Full-depth trees on 30,000 rows hold ~50,000
# nodes each; a hundred of them made a 195 MB file that took 85 s and 6 GB of memory to export.
MAX_NODES = 400_000
MAX_TREES = 250  # the search space's largest
# ONNX: forests' nodes are smaller than in their pickle; conversion measured at 31 s for a 162 MB bag
FOREST_EXPORT = ExportCost(onnx_per_pickled=0.65, seconds_per_mb=0.25, multiclass_opset5=False)


def _growth(nodes_per_row: tuple[float, float]) -> TreeGrowth:
    return TreeGrowth(nodes_per_row, trees_per_step=TREES_PER_STEP, max_nodes=MAX_NODES, max_trees=MAX_TREES)


class _ForestFamily(ModelFamily):
    encoding = "ordinal"
    scale = False
    extra_trees = False
    grows_iterations = True
    parallel_folds = True
    export = FOREST_EXPORT
    shap_route = ShapRoute.SKLEARN_TREES
    explains_probability = True
    libraries = ("scikit-learn",)

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
            f"{p}__n_estimators": trial.suggest_int(f"{p}__n_estimators", 30, MAX_TREES, log=True),
            f"{p}__max_features": trial.suggest_float(f"{p}__max_features", 0.1, 1.0),
            f"{p}__min_samples_leaf": trial.suggest_int(f"{p}__min_samples_leaf", 1, 20, log=True),
        }

    def cost_scale(self, params: dict[str, Any], shape: DataShape) -> float:
        """Each split weighs ``max_features`` of the inputs: a fit costs in proportion to it. (Not to the trees: on
        the tables where a trial is cut for time, a forest stops at its node cap after a step or two of trees.) On a
        million rows, extra trees and a random forest of half the inputs took 22 s and 39 s, predicted from the first
        configuration's (a seventh of the inputs) as if they cost the same."""
        first = float(self.default_configs(shape)[0][f"{self.name}__max_features"])
        return float(self.unprefixed(params).get("max_features", first)) / first

    def build(self, params: dict[str, Any], task: TaskType, *, seed: int, threads: int = 1) -> Any:
        from sklearn import ensemble

        kind = ("ExtraTrees" if self.extra_trees else "RandomForest") + (
            "Classifier" if task.is_classification else "Regressor")
        return getattr(ensemble, kind)(n_jobs=threads, random_state=seed, **self.unprefixed(params))

    def fit(self, model: Any, X: np.ndarray, y: np.ndarray, *, X_valid: np.ndarray | None = None,
            y_valid: np.ndarray | None = None, deadline: Deadline | None = None,
            sample_weight: np.ndarray | None = None) -> int | None:
        """Grow the forest a step of trees at a time, stopping at the deadline or the size cap with what has grown.

        The first step is as many trees as the fit has threads (``n_jobs``): their nodes say how many the cap holds,
        and each later step is at most ``TREES_PER_STEP`` trees and at most what the cap has room for (at least one),
        so a forest passes the cap by a tree or two, whatever its rows. (Ten full trees a first
        step, on a quarter of a million rows, made a fold model of 100 MB pickled: four times the cap.) The trees
        are those of a forest grown at once: warm starts draw each new tree's seed in order."""
        target = int(model.n_estimators)
        grown = min(max(1, int(model.n_jobs or 1)), target)
        model.set_params(warm_start=True, n_estimators=grown)
        model.fit(X, y, **weighted(sample_weight))
        while grown < target and not (deadline is not None and deadline.passed()):
            nodes = _nodes(model)
            if nodes >= MAX_NODES:
                break
            room = int((MAX_NODES - nodes) / max(1.0, nodes / grown))  # trees of this size the cap has room for
            grown = min(grown + min(TREES_PER_STEP, max(1, room)), target)
            model.set_params(n_estimators=grown)
            model.fit(X, y, **weighted(sample_weight))
        model.set_params(warm_start=False)
        return grown

    def with_iterations(self, params: dict[str, Any], n_iterations: int) -> dict[str, Any]:
        return params | {f"{self.name}__n_estimators": max(1, n_iterations)}

    def refit_iterations(self, params: dict[str, Any], reached: float, *, n_folds: int) -> int:
        """As many trees as the folds grew: more trees do not fit the rows better. Fewer when the folds stopped at
        the size cap, since trees grow with the rows."""
        scale = 1.0
        if reached < float(self.unprefixed(params).get("n_estimators", np.inf)):
            scale = (n_folds - 1) / n_folds
        return int(np.ceil(reached * scale))


def _nodes(model: Any) -> int:
    return sum(int(tree.tree_.node_count) for tree in model.estimators_)


class RandomForestFamily(_ForestFamily):
    name = "random_forest"
    label = "Random forest"
    short_label = "Random forest"
    search_order = 50
    memory = MemoryCost(cell_bytes=25.0, fixed_mb=30.0, class_row_bytes=0.0, growth=_growth((0.7, 1.2)))
    fit_cost = FitCost(core_s_per_mcell=12.0, per_class=False)  # 10.5 s for 90 trees (the node cap)
    estimators = ("sklearn.ensemble.RandomForestClassifier", "sklearn.ensemble.RandomForestRegressor")
    preflight_group = "random forest"
    grams_first = True


class ExtraTreesFamily(_ForestFamily):
    name = "extra_trees"
    label = "Extra trees"
    short_label = "Extra trees"
    search_order = 30
    extra_trees = True
    # bootstrapping halves a random forest's nodes; extra trees see every row
    memory = MemoryCost(cell_bytes=2.0, fixed_mb=30.0, class_row_bytes=0.0, growth=_growth((1.1, 2.0)))
    fit_cost = FitCost(core_s_per_mcell=1.8, per_class=False)  # 1.6 s for 40 trees (the node cap)
    estimators = ("sklearn.ensemble.ExtraTreesClassifier", "sklearn.ensemble.ExtraTreesRegressor")
    preflight_group = None  # the pre-flight's "random forest" stands for both forests
    grams_first = True
