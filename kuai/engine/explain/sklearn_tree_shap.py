"""Exact TreeSHAP for scikit-learn's tree ensembles from LightGBM's ``pred_contrib``, without importing SHAP.

``shap.TreeExplainer`` explains a forest or a ``HistGradientBoosting`` model with the path-dependent TreeSHAP
algorithm: each node's cover (its training rows, weighted) decides where a feature left out of a coalition sends a
row. LightGBM runs the same algorithm on its own trees, with each node's row count as its cover. So each
scikit-learn tree is written as a LightGBM tree (its splits, its leaf values, its covers as counts) in LightGBM's
text model format, loaded as a ``Booster``, and ``pred_contrib`` gives SHAP's values, to rounding; the SHAP package
(with numba and llvmlite, ~90 MB) is not imported (``kuai.engine.explain.native_shap``).

What is written, as SHAP reads these models:
- Forests: a row goes left when its value, as float32, is at most the threshold; each tree's leaf is its mean
  value (for classifiers, the class fractions) divided by the number of trees, so the trees add up to the average.
- ``HistGradientBoosting``: leaf values as stored (the learning rate applied); the baseline is added to the first
  tree of each output (a constant in every leaf of one tree moves the base value, not the SHAP values).
- Missing values go where the model sends them (LightGBM's "NaN" missing type and default direction).

None (and SHAP's package explains instead) when a cover is not a whole number (sample weights: LightGBM counts
rows in integers), for categorical columns and for several targets.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

_NAN_MISSING = 2 << 2  # LightGBM's decision_type: missing type "NaN" in bits 2-3
_DEFAULT_LEFT = 2  # LightGBM's decision_type: missing values go left
_MAX_COUNT = 2**31 - 1  # LightGBM reads counts as 32-bit integers


@dataclass(frozen=True)
class _Tree:
    """One output's tree, by scikit-learn node id; ``left`` is -1 at leaves."""

    left: np.ndarray
    right: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    missing_left: np.ndarray
    value: np.ndarray
    cover: np.ndarray


@dataclass(frozen=True)
class SklearnTrees:
    """A scikit-learn tree ensemble as LightGBM trees: ``trees`` output by output within each iteration."""

    trees: list[_Tree]
    n_outputs: int
    float32_inputs: bool  # forests compare float32 values, as scikit-learn casts X

    def model_string(self, n_features: int) -> str:
        objective = "regression" if self.n_outputs == 1 else f"multiclass num_class:{self.n_outputs}"
        header = ["tree", "version=v4", f"num_class={self.n_outputs}",
                  f"num_tree_per_iteration={self.n_outputs}", "label_index=0", f"max_feature_idx={n_features - 1}",
                  f"objective={objective}", "feature_names=" + " ".join(f"f{i}" for i in range(n_features)),
                  "feature_infos=" + " ".join(["none"] * n_features), ""]
        return "\n".join([*header, *(_tree_text(i, tree) for i, tree in enumerate(self.trees)), "end of trees", ""])

    def booster(self, n_features: int) -> Any:
        import lightgbm

        return lightgbm.Booster(model_str=self.model_string(n_features))


def sklearn_trees(model: Any) -> SklearnTrees | None:
    """``model`` (a fitted forest or HistGradientBoosting model of scikit-learn) as LightGBM trees, or None."""
    name = type(model).__name__
    if not type(model).__module__.startswith("sklearn.ensemble"):
        return None
    if name.startswith("HistGradientBoosting"):
        if getattr(model, "_preprocessor", None) is not None:  # categorical columns, moved first: other indices
            return None
        trees = list(_boosted_trees(model))
        return None if not trees or any(t is None for t in trees) else SklearnTrees(
            trees, len(model._predictors[0]), float32_inputs=False)  # type: ignore[arg-type]
    if name in ("RandomForestRegressor", "ExtraTreesRegressor", "RandomForestClassifier", "ExtraTreesClassifier"):
        if getattr(model, "n_outputs_", 1) != 1:
            return None
        forest = list(_forest_trees(model))
        return None if any(t is None for t in forest) else SklearnTrees(
            forest, 1 if name.endswith("Regressor") else len(model.classes_),  # type: ignore[arg-type]
            float32_inputs=True)
    return None


def _forest_trees(model: Any) -> Iterator[_Tree | None]:
    scale = 1.0 / len(model.estimators_)
    for estimator in model.estimators_:
        tree = estimator.tree_
        value = np.asarray(tree.value[:, 0, :], dtype=np.float64)  # nodes x classes (1 for regression)
        if value.shape[1] > 1:  # classifiers: class fractions, as SHAP normalizes them
            value = value / np.where(value.sum(axis=1, keepdims=True) == 0, 1.0, value.sum(axis=1, keepdims=True))
        left = np.asarray(tree.children_left, dtype=np.int64)
        missing = getattr(tree, "missing_go_to_left", None)
        missing_left = np.ones(len(left), bool) if missing is None else np.asarray(missing, bool)
        cover = np.asarray(tree.weighted_n_node_samples, dtype=np.float64)
        for k in range(value.shape[1]):
            yield _checked(_Tree(left, np.asarray(tree.children_right, dtype=np.int64),
                                 np.asarray(tree.feature, dtype=np.int64), np.asarray(tree.threshold, np.float64),
                                 missing_left, value[:, k] * scale, cover))


def _boosted_trees(model: Any) -> Iterator[_Tree | None]:
    baseline = np.asarray(model._baseline_prediction, dtype=np.float64).ravel()
    for iteration, predictors in enumerate(model._predictors):
        for k, predictor in enumerate(predictors):
            nodes = predictor.nodes
            if "is_categorical" in (nodes.dtype.names or ()) and np.any(nodes["is_categorical"]):
                yield None
                continue
            leaf = nodes["is_leaf"].astype(bool)
            value = np.asarray(nodes["value"], dtype=np.float64)
            if iteration == 0:
                value = value + baseline[k if baseline.size > 1 else 0]
            yield _checked(_Tree(np.where(leaf, -1, nodes["left"].astype(np.int64)),
                                 np.where(leaf, -1, nodes["right"].astype(np.int64)),
                                 np.asarray(nodes["feature_idx"], dtype=np.int64),
                                 np.asarray(nodes["num_threshold"], dtype=np.float64),
                                 nodes["missing_go_to_left"].astype(bool), value,
                                 np.asarray(nodes["count"], dtype=np.float64)))


def _checked(tree: _Tree) -> _Tree | None:
    """The tree if LightGBM can hold its covers exactly (whole numbers within 32 bits)."""
    if np.any(tree.cover != np.round(tree.cover)) or np.any(tree.cover < 0) or np.any(tree.cover > _MAX_COUNT):
        return None
    return tree


def _tree_text(index: int, tree: _Tree) -> str:
    """One tree in LightGBM's text format: branches numbered 0.. (root first), leaves as ~0, ~1, ..."""
    is_leaf = tree.left < 0
    branches, leaves = np.flatnonzero(~is_leaf), np.flatnonzero(is_leaf)
    code = np.empty(len(is_leaf), np.int64)
    code[branches] = np.arange(len(branches))
    code[leaves] = ~np.arange(len(leaves))
    counts = tree.cover.astype(np.int64)
    lines = [f"Tree={index}", f"num_leaves={len(leaves)}", "num_cat=0"]
    if len(branches):  # scikit-learn's root is node 0, the first branch
        threshold = tree.threshold[branches]  # inf included (histogram boosting's "missing or not"): LightGBM reads it
        decision = _NAN_MISSING | np.where(tree.missing_left[branches], _DEFAULT_LEFT, 0)
        lines += [_field("split_feature", tree.feature[branches]), _field("split_gain", np.zeros(len(branches))),
                  _field("threshold", threshold), _field("decision_type", decision),
                  _field("left_child", code[tree.left[branches]]), _field("right_child", code[tree.right[branches]])]
    else:
        lines += [f"{name}=" for name in ("split_feature", "split_gain", "threshold", "decision_type",
                                          "left_child", "right_child")]
    lines += [_field("leaf_value", tree.value[leaves]), _field("leaf_weight", tree.cover[leaves]),
              _field("leaf_count", counts[leaves]), _field("internal_value", tree.value[branches]),
              _field("internal_weight", tree.cover[branches]), _field("internal_count", counts[branches]),
              "is_linear=0", "shrinkage=1", "", ""]
    return "\n".join(lines)


def _field(name: str, values: np.ndarray) -> str:
    """``name=v v v``: floats as Python writes them (the shortest text that reads back to the same double)."""
    return f"{name}=" + " ".join(map(repr if values.dtype.kind == "f" else str, values.tolist()))
