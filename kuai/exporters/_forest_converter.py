"""scikit-learn's random and extra-trees forests to ONNX, node for node as skl2onnx writes them, computed with numpy.

skl2onnx's forest converter appends every node's attributes to Python lists, one call per node (with a Python
threshold adjustment per split): for the 470,000 nodes of an extra-trees model on 562_cpu_small that took 6.6 s
of the export and about 140 MB of lists. Here the same ``TreeEnsembleRegressor``/``TreeEnsembleClassifier`` node
(same attributes, values and order) is computed over whole trees with numpy, and each attribute is written straight
into the node. Anything else (several targets, double or integer inputs, decision-path outputs) goes to skl2onnx.

Within a conversion that keeps tree nodes aside (``_compact_trees``), the node is added without its lists and
they are computed when it is restored: for a regressor or a binary classifier straight as opset 5's
``TreeEnsemble`` (what ``_tree_opset5`` would make of the opset-3 node, without that node ever being in memory),
else as the opset-3 lists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from onnx import AttributeProto, NodeProto

from kuai.exporters._compact_trees import current_stash
from kuai.exporters._tree_attributes import float32_below, int_list, tensor, write_opset3_list
from kuai.exporters._tree_opset5 import TreeRewriter

Converter = Callable[[Any, Any, Any], None]
_ML_DOMAIN = "ai.onnx.ml"


def fast_forest(original: Converter) -> Converter:
    """``original`` (skl2onnx's forest converter), with a numpy path for the forests the engine fits."""

    def converter(scope: Any, operator: Any, container: Any) -> None:
        if not _handled(scope, operator):
            original(scope, operator, container)
            return
        model = operator.raw_operator
        classifier = hasattr(model, "classes_")
        op_type = "TreeEnsembleClassifier" if classifier else "TreeEnsembleRegressor"
        outputs = [o.full_name for o in operator.outputs[:2 if classifier else 1]]
        small: dict[str, Any] = {"post_transform": "NONE"}
        if classifier:
            small["classlabels_int64s"] = [int(c) for c in model.classes_]
        else:
            small["n_targets"] = 1
        name = scope.get_unique_operator_name(op_type)
        container.add_node(op_type, operator.input_full_names, outputs, op_domain=_ML_DOMAIN, op_version=1,
                           name=name, **small)
        stash = current_stash()
        if stash is not None:  # the attributes are computed at the end, once, and straight to opset 5 if they can be
            stash.defer(name, ForestSource(model, classifier))
            return
        node: NodeProto = container.nodes[-1]
        for attribute, values in forest_attributes(model, classifier=classifier):
            write_opset3_list(node, attribute, values)

    return converter


def _handled(scope: Any, operator: Any) -> bool:
    from skl2onnx.common.data_types import FloatTensorType

    model = operator.raw_operator
    wanted = dict(decision_path=False, decision_leaf=False) | (dict(raw_scores=False, nocl=False)
                                                                if hasattr(model, "classes_") else {})
    options = scope.get_options(model, wanted)
    if any(options.get(k) for k in wanted):
        return False
    if getattr(model, "n_outputs_", 1) != 1 or not isinstance(operator.inputs[0].type, FloatTensorType):
        return False
    classes = getattr(model, "classes_", None)
    return classes is None or all(isinstance(c, (int, np.integer)) and not isinstance(c, bool) for c in classes)


@dataclass(frozen=True)
class _Forest:
    """A forest's nodes, tree after tree, each tree's nodes by id (as skl2onnx lists them)."""

    tree_ids: np.ndarray
    node_ids: np.ndarray
    left: np.ndarray  # child node ids within the tree
    right: np.ndarray
    branch: np.ndarray  # skl2onnx's test: a child with a higher id
    feature: np.ndarray  # 0 at leaves
    splits: np.ndarray  # float32, 0 at leaves
    weights: np.ndarray  # leaves x votes: what each leaf adds, the tree's share of the average included


def _forest(model: Any, *, classifier: bool) -> _Forest:
    n_trees = len(model.estimators_)
    tree_weight = 1.0 / n_trees
    trees = [estimator.tree_ for estimator in model.estimators_]
    counts = np.array([t.node_count for t in trees], dtype=np.int64)
    node_ids = np.concatenate([np.arange(c, dtype=np.int64) for c in counts])
    left = np.concatenate([t.children_left for t in trees]).astype(np.int64)
    right = np.concatenate([t.children_right for t in trees]).astype(np.int64)
    branch = (left > node_ids) | (right > node_ids)
    feature = np.where(branch, np.concatenate([t.feature for t in trees]), 0).astype(np.int64)
    splits = np.where(branch, float32_below(np.concatenate([t.threshold for t in trees])),
                      np.float32(0.0)).astype(np.float32)
    weights = np.concatenate([t.value[:, 0, :] for t in trees])[~branch].astype(np.float64)  # leaves x outputs
    if classifier:  # class fractions over the trees: (1 / trees) / sum, times each class's value
        sums = weights.sum(axis=1)
        factor = tree_weight / np.where(sums != 0.0, sums, 1.0)
        weights = weights * factor[:, None]
        if weights.shape[1] == 2:
            weights = weights[:, 1:]  # skl2onnx's binary form: the positive class's share, as class id 0
    else:
        weights = weights * tree_weight
    return _Forest(np.repeat(np.arange(n_trees, dtype=np.int64), counts), node_ids, left, right, branch, feature,
                   splits, weights.astype(np.float32))


def forest_attributes(model: Any, *, classifier: bool) -> list[tuple[str, np.ndarray]]:
    """The list attributes skl2onnx writes for ``model`` (``add_tree_to_attribute_pairs``), as arrays."""
    f = _forest(model, classifier=classifier)
    k = f.weights.shape[1]
    leaf_tree, leaf_node = f.tree_ids[~f.branch], f.node_ids[~f.branch]
    prefix = "class_" if classifier else "target_"
    return [
        ("nodes_treeids", f.tree_ids), ("nodes_nodeids", f.node_ids), ("nodes_featureids", f.feature),
        ("nodes_modes", f.branch), ("nodes_values", f.splits),
        ("nodes_truenodeids", np.where(f.branch, f.left, 0)), ("nodes_falsenodeids", np.where(f.branch, f.right, 0)),
        ("nodes_missing_value_tracks_true", np.zeros(len(f.branch), np.int64)),
        ("nodes_hitrates", np.ones(len(f.branch), np.float32)),
        (prefix + "treeids", np.repeat(leaf_tree, k)), (prefix + "nodeids", np.repeat(leaf_node, k)),
        (prefix + "ids", np.tile(np.arange(k, dtype=np.int64), len(leaf_tree))),
        (prefix + "weights", f.weights.ravel()),
    ]


def forest_opset5_trees(model: Any, *, classifier: bool) -> list[AttributeProto] | None:
    """Opset 5's ``TreeEnsemble`` attributes for ``model``: what ``_tree_attributes.opset5_trees`` makes of the node
    ``forest_attributes`` describes, computed without that node. None for several classes (a leaf votes for each)."""
    if classifier and len(model.classes_) != 2:  # one vote per leaf for each of several classes (or a lone class)
        return None
    f = _forest(model, classifier=classifier)
    starts = np.flatnonzero(f.node_ids == 0)  # each tree's first node: its root
    offset = np.repeat(starts, np.diff(np.r_[starts, len(f.node_ids)]))  # each node's tree's first position
    branch_at, leaf_at = np.flatnonzero(f.branch), np.flatnonzero(~f.branch)
    rank = np.empty(len(f.branch), np.int64)  # a branch's index among branches, a leaf's among leaves
    rank[branch_at], rank[leaf_at] = np.arange(len(branch_at)), np.arange(len(leaf_at))
    true_at, false_at = offset[branch_at] + f.left[branch_at], offset[branch_at] + f.right[branch_at]
    true_leaf, false_leaf = ~f.branch[true_at], ~f.branch[false_at]
    true_ids, false_ids = rank[true_at], rank[false_at]
    features, splits = f.feature[branch_at], f.splits[branch_at]
    leaf_weights = f.weights[:, 0]
    root_leaf = ~f.branch[starts]
    tree_roots = rank[starts]
    n_single = int(root_leaf.sum())
    if n_single:  # as opset5_trees writes a one-leaf tree: a branch to the leaf on one side, a copy on the other
        tree_roots[root_leaf] = len(branch_at) + np.arange(n_single)
        single = rank[starts[root_leaf]]
        copies = len(leaf_weights) + np.arange(n_single)
        leaf_weights = np.concatenate([leaf_weights, leaf_weights[single]])
        true_ids, false_ids = np.concatenate([true_ids, single]), np.concatenate([false_ids, copies])
        true_leaf = np.concatenate([true_leaf, np.ones(n_single, bool)])
        false_leaf = np.concatenate([false_leaf, np.ones(n_single, bool)])
        features = np.concatenate([features, np.zeros(n_single, np.int64)])
        splits = np.concatenate([splits, np.zeros(n_single, np.float32)])
    return [
        int_list("tree_roots", tree_roots), int_list("nodes_featureids", features),
        tensor("nodes_splits", splits), tensor("nodes_modes", np.zeros(len(features), np.uint8)),
        int_list("nodes_truenodeids", true_ids), int_list("nodes_trueleafs", true_leaf),
        int_list("nodes_falsenodeids", false_ids), int_list("nodes_falseleafs", false_leaf),
        int_list("leaf_targetids", np.zeros(len(leaf_weights), np.int64)), tensor("leaf_weights", leaf_weights),
    ]


@dataclass(frozen=True)
class ForestSource:
    """A forest's node kept without its list attributes while skl2onnx assembles the graph (``_compact_trees``):
    they are computed when the node is restored, straight to opset 5 when it can be."""

    model: Any
    classifier: bool

    def opset3(self, node: NodeProto) -> None:
        for name, values in forest_attributes(self.model, classifier=self.classifier):
            write_opset3_list(node, name, values)

    def opset5(self, rewriter: TreeRewriter, node: NodeProto) -> list[NodeProto] | None:
        trees = forest_opset5_trees(self.model, classifier=self.classifier)
        if trees is None:
            return None
        labels = np.asarray(self.model.classes_, dtype=np.int64) if self.classifier else None
        return rewriter.rewrite_from(node, trees, labels)
