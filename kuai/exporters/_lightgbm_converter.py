"""LightGBM boosters to ONNX, node for node as onnxmltools writes them, read from the booster's text model.

onnxmltools' converter dumps the booster to JSON, parses it into nested dicts, deep-copies an index per node and
appends every node's attributes to Python lists, one call per node; Kuai then dumped the booster to JSON once more
for its double thresholds. On 562_cpu_small's blend of two bagged LightGBMs (10 boosters, 5,373 trees) that was
13 s of a 60 s budget. Here the same ``TreeEnsembleClassifier``/``TreeEnsembleRegressor`` node (same attributes,
node numbering and order, a test compares them) is computed from the text model LightGBM writes in C++ (one line of
numbers per attribute and tree), and the nodes around it are onnxmltools' own (two ``Identity`` for a classifier,
one for a regressor). Anything else (categorical splits, linear trees, random-forest boosting, other objectives,
the ``split`` option) goes to onnxmltools.

Thresholds are written as float32 rounded down where float32 rounds a double threshold up: LightGBM compares a
float32 input, widened to double, with the double, so ``x <= t`` holds for a float32 ``x`` exactly when ``x`` is at
most the largest float32 not above ``t``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from kuai.exporters._tree_attributes import float32_below, write_opset3_list

_ML_DOMAIN = "ai.onnx.ml"
_DEFAULT_LEFT = 2  # LightGBM's decision_type bits: 1 categorical, 2 default left, 4 and 8 the missing type
_CATEGORICAL = 1


@dataclass(frozen=True)
class BoosterTrees:
    """A booster's nodes, tree after tree, each tree's nodes by onnxmltools' id; its leaves in its visiting order."""

    tree_ids: np.ndarray
    node_ids: np.ndarray
    branch: np.ndarray
    feature: np.ndarray  # 0 at leaves
    thresholds: np.ndarray  # LightGBM's doubles, 0 at leaves
    true_ids: np.ndarray  # 0 at leaves
    false_ids: np.ndarray
    tracks_true: np.ndarray  # missing values go to the true branch
    leaf_tree: np.ndarray
    leaf_node: np.ndarray
    leaf_values: np.ndarray  # doubles


def booster_trees(text: str) -> BoosterTrees | None:
    """The trees of a booster's text model (``Booster.model_to_string()``: up to the best iteration when there is
    one, as onnxmltools dumps it); None if one has a categorical split or a linear model in its leaves."""
    columns: dict[str, list[np.ndarray]] = {k: [] for k in BoosterTrees.__dataclass_fields__}
    for tree_id, block in enumerate(text.split("\nend of trees", 1)[0].split("\nTree=")[1:]):
        fields = dict(line.split("=", 1) for line in block.split("\n")[1:] if "=" in line)
        if fields.get("num_cat", "0") != "0" or fields.get("is_linear", "0") != "0":
            return None
        tree = _tree(tree_id, fields)
        if tree is None:
            return None
        for name, values in tree.items():
            columns[name].append(values)
    if not columns["tree_ids"]:
        return None
    return BoosterTrees(**{name: np.concatenate(parts) for name, parts in columns.items()})


def _numbers(fields: dict[str, str], name: str, dtype: type) -> np.ndarray:
    text = fields.get(name, "").strip()
    return np.array(text.split(), dtype=dtype) if text else np.zeros(0, dtype)


def _tree(tree_id: int, fields: dict[str, str]) -> dict[str, np.ndarray] | None:
    """One tree's columns of ``BoosterTrees``. onnxmltools numbers nodes as it walks the tree depth first, left
    before right, giving both children of a split their ids when it reaches the split."""
    leaf_values = _numbers(fields, "leaf_value", np.float64)
    left, right = _numbers(fields, "left_child", np.int64), _numbers(fields, "right_child", np.int64)
    decision = _numbers(fields, "decision_type", np.int64)
    if np.any(decision & _CATEGORICAL) or len(leaf_values) != len(left) + 1:
        return None
    n_branches = len(left)
    n_nodes = n_branches + len(leaf_values)
    # a node as one number: branches 0..n_branches-1, leaf j as n_branches + j (LightGBM writes it as ~j)
    left_node = np.where(left >= 0, left, n_branches + ~left)
    right_node = np.where(right >= 0, right, n_branches + ~right)
    ids = np.zeros(n_nodes, np.int64)
    visited: list[int] = []
    stack, next_id = [0], 1  # the root: branch 0, or leaf 0 (numbered n_branches + 0) in a tree of one leaf
    left_list, right_list = left_node.tolist(), right_node.tolist()
    while stack:
        node = stack.pop()
        visited.append(node)
        if node < n_branches:
            low, high = left_list[node], right_list[node]
            ids[low], ids[high] = next_id, next_id + 1
            next_id += 2
            stack.append(high)
            stack.append(low)
    by_id = np.empty(n_nodes, np.int64)
    by_id[ids] = np.arange(n_nodes)  # the node at each id
    branch = by_id < n_branches
    at = np.where(branch, by_id, n_branches)  # leaves read the zeros appended below each branch column

    def per_branch(values: np.ndarray) -> np.ndarray:
        return np.append(values, np.zeros(1, values.dtype))[at]

    thresholds = _numbers(fields, "threshold", np.float64)
    missing_type = (decision >> 2) & 3
    default_left = (decision & _DEFAULT_LEFT) != 0
    tracks = default_left & ~((missing_type == 0) & (thresholds < 0.0))  # onnxmltools' reading of the default side
    leaves = np.array([node for node in visited if node >= n_branches], np.int64)
    return {
        "tree_ids": np.full(n_nodes, tree_id, np.int64), "node_ids": np.arange(n_nodes, dtype=np.int64),
        "branch": branch, "feature": per_branch(_numbers(fields, "split_feature", np.int64)),
        "thresholds": per_branch(thresholds),
        "true_ids": per_branch(ids[left_node]), "false_ids": per_branch(ids[right_node]),
        "tracks_true": per_branch(tracks).astype(np.int64),
        "leaf_tree": np.full(len(leaves), tree_id, np.int64), "leaf_node": ids[leaves],
        "leaf_values": leaf_values[leaves - n_branches],
    }


def lightgbm_attributes(trees: BoosterTrees, *, classifier: bool, n_classes: int) -> list[tuple[str, np.ndarray]]:
    """The list attributes onnxmltools writes for these trees (``_parse_tree_structure``), as arrays; the thresholds
    rounded down to float32 where LightGBM's doubles need it. ``n_classes``: 1 for a binary classifier."""
    prefix = "class_" if classifier else "target_"
    return [
        ("nodes_treeids", trees.tree_ids), ("nodes_nodeids", trees.node_ids), ("nodes_featureids", trees.feature),
        ("nodes_modes", trees.branch), ("nodes_values", float32_below(trees.thresholds)),
        ("nodes_truenodeids", trees.true_ids), ("nodes_falsenodeids", trees.false_ids),
        ("nodes_missing_value_tracks_true", trees.tracks_true),
        ("nodes_hitrates", np.ones(len(trees.branch), np.float32)),
        (prefix + "treeids", trees.leaf_tree), (prefix + "nodeids", trees.leaf_node),
        (prefix + "ids", trees.leaf_tree % n_classes), (prefix + "weights", trees.leaf_values.astype(np.float32)),
    ]


def _objective(model: Any, text: str) -> tuple[str, int] | None:
    """The post-transform and class count onnxmltools uses for ``model``'s objective (read from its text model), if
    it is one handled here."""
    header = text.split("\nTree=", 1)[0]
    fields = dict(line.split("=", 1) for line in header.split("\n") if "=" in line)
    objective = fields.get("objective", "").split()
    if not objective or getattr(model, "boosting_type", "gbdt") == "rf":
        return None
    if objective[0] == "binary" and "sigmoid:1" in objective[1:]:
        return "LOGISTIC", 1
    if objective[0] == "multiclass":
        return "SOFTMAX", int(fields["num_class"])
    if objective[0] == "regression" and len(objective) == 1:
        return "NONE", 1
    return None


def convert_lightgbm_fast(scope: Any, operator: Any, container: Any) -> bool:
    """Convert ``operator``'s LightGBM model as onnxmltools would; False (nothing added) if this path does not
    handle it."""
    model = operator.raw_operator
    classifier = hasattr(model, "classes_")
    if getattr(operator, "split", None) not in (None, -1):
        return False
    if classifier and not all(isinstance(c, (int, np.integer)) and not isinstance(c, bool) for c in model.classes_):
        return False
    text = model.booster_.model_to_string()
    objective = _objective(model, text)
    trees = None if objective is None else booster_trees(text)
    if objective is None or trees is None:
        return False
    post_transform, n_classes = objective
    if classifier:
        label, probabilities = (scope.get_unique_variable_name(n) for n in ("label_tensor", "probability_tensor"))
        container.add_node("TreeEnsembleClassifier", operator.input_full_names, [label, probabilities],
                           op_domain=_ML_DOMAIN, name=operator.full_name, post_transform=post_transform,
                           classlabels_int64s=[int(c) for c in model.classes_])
    else:
        output = scope.get_unique_variable_name("output")
        container.add_node("TreeEnsembleRegressor", operator.input_full_names, output, op_domain=_ML_DOMAIN,
                           name=operator.full_name, post_transform=post_transform, n_targets=1)
    for name, values in lightgbm_attributes(trees, classifier=classifier, n_classes=n_classes):
        write_opset3_list(container.nodes[-1], name, values)
    if classifier:
        container.add_node("Identity", label, operator.outputs[0].full_name,
                           name=scope.get_unique_operator_name("Identity"))
        container.add_node("Identity", probabilities, operator.outputs[1].full_name)
    else:
        container.add_node("Identity", output, operator.output_full_names,
                           name=scope.get_unique_operator_name("Identity"))
    return True
