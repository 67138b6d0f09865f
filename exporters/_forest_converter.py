"""scikit-learn's random and extra-trees forests to ONNX, node for node as skl2onnx writes them, computed with numpy.

skl2onnx's forest converter appends every node's attributes to Python lists, one call per node (with a Python
threshold adjustment per split): for the 470,000 nodes of an extra-trees model on 562_cpu_small that took 6.6 s
of the export and about 140 MB of lists. Here the same ``TreeEnsembleRegressor``/``TreeEnsembleClassifier`` node
(same attributes, values and order) is computed over whole trees with numpy, and each attribute is written straight
into the node. Anything else (several targets, double or integer inputs, decision-path outputs) goes to skl2onnx.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from onnx import AttributeProto, NodeProto

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
        attributes = forest_attributes(model, classifier=classifier)
        op_type = "TreeEnsembleClassifier" if classifier else "TreeEnsembleRegressor"
        outputs = [o.full_name for o in operator.outputs[:2 if classifier else 1]]
        small: dict[str, Any] = {"post_transform": "NONE"}
        if classifier:
            small["classlabels_int64s"] = [int(c) for c in model.classes_]
        else:
            small["n_targets"] = 1
        container.add_node(op_type, operator.input_full_names, outputs, op_domain=_ML_DOMAIN, op_version=1,
                           name=scope.get_unique_operator_name(op_type), **small)
        node: NodeProto = container.nodes[-1]
        for name, values in attributes:
            _write(node, name, values)

    return converter


def _handled(scope: Any, operator: Any) -> bool:
    from skl2onnx.common.data_types import FloatTensorType

    model = operator.raw_operator
    wanted = dict(decision_path=False, decision_leaf=False) | (dict(raw_scores=False) if hasattr(model, "classes_")
                                                                else {})
    options = scope.get_options(model, wanted)
    if any(options.get(k) for k in wanted):
        return False
    if getattr(model, "n_outputs_", 1) != 1 or not isinstance(operator.inputs[0].type, FloatTensorType):
        return False
    classes = getattr(model, "classes_", None)
    return classes is None or all(isinstance(c, (int, np.integer)) and not isinstance(c, bool) for c in classes)


def forest_attributes(model: Any, *, classifier: bool) -> list[tuple[str, np.ndarray]]:
    """The list attributes skl2onnx writes for ``model`` (``add_tree_to_attribute_pairs``), as arrays."""
    n_trees = len(model.estimators_)
    tree_weight = 1.0 / n_trees
    trees = [estimator.tree_ for estimator in model.estimators_]
    counts = np.array([t.node_count for t in trees], dtype=np.int64)
    tree_ids = np.repeat(np.arange(n_trees, dtype=np.int64), counts)
    node_ids = np.concatenate([np.arange(c, dtype=np.int64) for c in counts])
    left = np.concatenate([t.children_left for t in trees]).astype(np.int64)
    right = np.concatenate([t.children_right for t in trees]).astype(np.int64)
    branch = (left > node_ids) | (right > node_ids)
    feature = np.where(branch, np.concatenate([t.feature for t in trees]), 0).astype(np.int64)
    threshold = np.concatenate([t.threshold for t in trees])
    values = np.where(branch, _float32_threshold(threshold), np.float32(0.0)).astype(np.float32)
    leaf_tree, leaf_node = tree_ids[~branch], node_ids[~branch]
    weights = np.concatenate([t.value[:, 0, :] for t in trees])[~branch].astype(np.float64)  # leaves x outputs
    if classifier:  # class fractions over the trees: (1 / trees) / sum, times each class's value
        sums = weights.sum(axis=1)
        factor = tree_weight / np.where(sums != 0.0, sums, 1.0)
        weights = weights * factor[:, None]
        if weights.shape[1] == 2:
            weights = weights[:, 1:]  # skl2onnx's binary form: the positive class's share, as class id 0
    else:
        weights = weights * tree_weight
    k = weights.shape[1]
    prefix = "class_" if classifier else "target_"
    return [
        ("nodes_treeids", tree_ids), ("nodes_nodeids", node_ids), ("nodes_featureids", feature),
        ("nodes_modes", branch), ("nodes_values", values),
        ("nodes_truenodeids", np.where(branch, left, 0)), ("nodes_falsenodeids", np.where(branch, right, 0)),
        ("nodes_missing_value_tracks_true", np.zeros(len(branch), np.int64)),
        ("nodes_hitrates", np.ones(len(branch), np.float32)),
        (prefix + "treeids", np.repeat(leaf_tree, k)), (prefix + "nodeids", np.repeat(leaf_node, k)),
        (prefix + "ids", np.tile(np.arange(k, dtype=np.int64), len(leaf_tree))),
        (prefix + "weights", weights.ravel().astype(np.float32)),
    ]


def _float32_threshold(threshold: np.ndarray) -> np.ndarray:
    """skl2onnx's ``sklearn_threshold`` for float inputs: scikit-learn sends float32 x left when x <= t (a double),
    so the float32 threshold is t rounded down (t itself when float32 holds it)."""
    rounded = threshold.astype(np.float32)
    return np.where(rounded.astype(np.float64) > threshold, np.nextafter(rounded, np.float32(-np.inf)), rounded)


def _write(node: NodeProto, name: str, values: np.ndarray) -> None:
    attribute = node.attribute.add()
    attribute.name = name
    if name == "nodes_modes":  # a boolean array: branch or leaf
        attribute.type = AttributeProto.STRINGS
        attribute.strings.extend([b"BRANCH_LEQ" if b else b"LEAF" for b in values.tolist()])
    elif values.dtype.kind == "f":
        attribute.type = AttributeProto.FLOATS
        attribute.floats.extend(values.tolist())
    else:
        attribute.type = AttributeProto.INTS
        attribute.ints.extend(values.tolist())
