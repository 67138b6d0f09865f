"""Opset-3 tree attributes (``TreeEnsembleRegressor``/``TreeEnsembleClassifier``) as opset 5's ``TreeEnsemble``'s.

Opset 3 lists every node, leaves included, by tree and node id, and the leaves' votes apart; opset 5 lists the
branches only, each child as an index into the branches or the leaves, and one vote per leaf. The work is done
with numpy over whole lists: a blend of forests has millions of nodes. Whatever opset 3 allows that has no
exact opset-5 form here (see ``opset5_trees``) gives None, and the caller keeps the model at opset 3.
"""

from __future__ import annotations

import numpy as np
from onnx import AttributeProto, NodeProto, numpy_helper

_MODES = {b"BRANCH_LEQ": 0, b"BRANCH_LT": 1, b"BRANCH_GTE": 2, b"BRANCH_GT": 3, b"BRANCH_EQ": 4,
          b"BRANCH_NEQ": 5, b"BRANCH_MEMBER": 6, b"LEAF": 7}
_LEAF = 7
_MEMBER = 6
_NODE_INTS = ("nodes_truenodeids", "nodes_falsenodeids", "nodes_featureids")
_NODE_INTS_OPTIONAL = ("nodes_missing_value_tracks_true",)


def opset5_trees(attrs: dict[str, AttributeProto], prefix: str, dtype: type,
                 keep: np.ndarray | None = None) -> list[AttributeProto] | None:
    """Opset-5 attributes for the trees in ``attrs`` (votes filtered by ``keep``), or None if a leaf has != 1 vote."""
    tree = ints(attrs, "nodes_treeids")
    node_id = ints(attrs, "nodes_nodeids")
    modes_strings = attrs["nodes_modes"].strings if "nodes_modes" in attrs else []
    modes = np.fromiter((_MODES.get(m, 255) for m in modes_strings), dtype=np.uint8, count=len(modes_strings))
    n = len(tree)
    lengths = {len(node_id), len(modes), len(values(attrs, "nodes_values", dtype))}
    lengths |= {len(attrs[name].ints) if name in attrs else 0 for name in _NODE_INTS}
    lengths |= {len(attrs[name].ints) for name in _NODE_INTS_OPTIONAL if name in attrs}
    if n == 0 or lengths != {n} or np.any(modes > _LEAF) or np.any(modes == _MEMBER) or np.any(node_id < 0):
        return None  # BRANCH_MEMBER needs membership values opset 3 does not have
    # ONNX Runtime's opset-3 kernel takes each tree's first listed node as its root and sums the trees in the
    # order listed: the rewrite takes node 0 and sorted tree ids, so they must be the same
    starts = np.flatnonzero(np.r_[True, tree[1:] != tree[:-1]])
    if np.any(np.diff(tree) < 0) or np.any(node_id[starts] != 0):
        return None
    stride = int(node_id.max()) + 1
    keys = tree * stride + node_id
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    if np.any(sorted_keys[1:] == sorted_keys[:-1]):
        return None

    def find(trees: np.ndarray, ids: np.ndarray) -> np.ndarray | None:
        wanted = trees * stride + ids
        at = np.searchsorted(sorted_keys, wanted)
        if np.any(ids < 0) or np.any(ids >= stride) or np.any(at >= n) \
                or np.any(sorted_keys[np.minimum(at, n - 1)] != wanted):
            return None
        return order[at]

    leaf = modes == _LEAF
    branch_at = order[~leaf[order]]  # node positions in (tree, node id) order
    leaf_at = order[leaf[order]]
    branch_rank = np.full(n, -1, np.int64)
    branch_rank[branch_at] = np.arange(len(branch_at))
    leaf_rank = np.full(n, -1, np.int64)
    leaf_rank[leaf_at] = np.arange(len(leaf_at))

    # votes: exactly one per leaf
    vote_tree, vote_node = ints(attrs, prefix + "treeids"), ints(attrs, prefix + "nodeids")
    vote_target = ints(attrs, prefix + "ids")
    vote_weight = values(attrs, prefix + "weights", dtype)
    if not len(vote_tree) == len(vote_node) == len(vote_target) == len(vote_weight):
        return None
    if keep is not None:
        vote_tree, vote_node, vote_weight = vote_tree[keep], vote_node[keep], vote_weight[keep]
        vote_target = np.zeros(len(vote_tree), np.int64)  # the kept class's votes become the only target
    voted = find(vote_tree, vote_node)
    if voted is None or not np.all(leaf[voted]) or len(vote_weight) != len(voted):
        return None
    slot = leaf_rank[voted]
    if len(slot) != len(leaf_at) or np.any(np.bincount(slot, minlength=len(leaf_at)) != 1):
        return None
    leaf_targets = np.empty(len(leaf_at), np.int64)
    leaf_weights: np.ndarray = np.empty(len(leaf_at), dtype)
    leaf_targets[slot], leaf_weights[slot] = vote_target, vote_weight

    # branches: children as indices into the branches or the leaves
    b_tree = tree[branch_at]
    true_at = find(b_tree, ints(attrs, "nodes_truenodeids")[branch_at])
    false_at = find(b_tree, ints(attrs, "nodes_falsenodeids")[branch_at])
    if true_at is None or false_at is None:
        return None
    true_leaf, false_leaf = leaf[true_at], leaf[false_at]
    true_ids = np.where(true_leaf, leaf_rank[true_at], branch_rank[true_at])
    false_ids = np.where(false_leaf, leaf_rank[false_at], branch_rank[false_at])
    features = ints(attrs, "nodes_featureids")[branch_at]
    splits = values(attrs, "nodes_values", dtype)[branch_at]
    branch_modes = modes[branch_at]
    if "nodes_missing_value_tracks_true" in attrs:
        missing = ints(attrs, "nodes_missing_value_tracks_true")[branch_at]
    else:
        missing = np.zeros(len(branch_at), np.int64)

    # roots; a tree that is one leaf gets a branch to that leaf on one side and a copy of it on the other (ONNX
    # Runtime reads a branch with one leaf on both sides as a one-leaf tree, but before 1.30 with a wrong weight)
    tree_ids = tree[starts]
    roots = find(tree_ids, np.zeros_like(tree_ids))
    if roots is None:
        return None
    root_leaf = leaf[roots]
    tree_roots = branch_rank[roots]
    n_single = int(root_leaf.sum())
    if n_single:
        tree_roots[root_leaf] = len(branch_at) + np.arange(n_single)
        single = leaf_rank[roots[root_leaf]]
        copies = len(leaf_targets) + np.arange(n_single)
        leaf_targets = np.concatenate([leaf_targets, leaf_targets[single]])
        leaf_weights = np.concatenate([leaf_weights, leaf_weights[single]])
        true_ids, false_ids = np.concatenate([true_ids, single]), np.concatenate([false_ids, copies])
        true_leaf = np.concatenate([true_leaf, np.ones(n_single, bool)])
        false_leaf = np.concatenate([false_leaf, np.ones(n_single, bool)])
        features = np.concatenate([features, np.zeros(n_single, np.int64)])
        splits = np.concatenate([splits, np.zeros(n_single, dtype)])
        branch_modes = np.concatenate([branch_modes, np.zeros(n_single, np.uint8)])
        missing = np.concatenate([missing, np.zeros(n_single, np.int64)])
    attributes = [
        int_list("tree_roots", tree_roots),
        int_list("nodes_featureids", features),
        tensor("nodes_splits", splits.astype(dtype)),
        tensor("nodes_modes", branch_modes),
        int_list("nodes_truenodeids", true_ids),
        int_list("nodes_trueleafs", true_leaf),
        int_list("nodes_falsenodeids", false_ids),
        int_list("nodes_falseleafs", false_leaf),
        int_list("leaf_targetids", leaf_targets),
        tensor("leaf_weights", leaf_weights),
    ]
    if np.any(missing):
        attributes.append(int_list("nodes_missing_value_tracks_true", missing))
    return attributes


def int_list(name: str, values: np.ndarray) -> AttributeProto:
    attribute = AttributeProto(name=name, type=AttributeProto.INTS)
    attribute.ints.extend(values.astype(np.int64).tolist())
    return attribute


def tensor(name: str, values: np.ndarray) -> AttributeProto:
    return AttributeProto(name=name, type=AttributeProto.TENSOR, t=numpy_helper.from_array(values, name))


def float32_below(thresholds: np.ndarray) -> np.ndarray:
    """Each double threshold as the largest float32 not above it: a float32 ``x`` is at most the double ``t`` exactly
    when it is at most that float32 (scikit-learn and LightGBM compare widened float32 inputs with doubles)."""
    rounded = thresholds.astype(np.float32)
    return np.where(rounded.astype(np.float64) > thresholds, np.nextafter(rounded, np.float32(-np.inf)), rounded)


def write_opset3_list(node: NodeProto, name: str, values: np.ndarray) -> None:
    """Append an opset-3 list attribute to ``node``: ``nodes_modes`` from a boolean array (branch or leaf), floats
    or ints by the array's kind."""
    attribute = node.attribute.add()
    attribute.name = name
    if name == "nodes_modes":
        attribute.type = AttributeProto.STRINGS
        attribute.strings.extend([b"BRANCH_LEQ" if b else b"LEAF" for b in values.tolist()])
    elif values.dtype.kind == "f":
        attribute.type = AttributeProto.FLOATS
        attribute.floats.extend(values.tolist())
    else:
        attribute.type = AttributeProto.INTS
        attribute.ints.extend(values.tolist())


def one_class_per_tree(attrs: dict[str, AttributeProto], ids: np.ndarray, k: int) -> bool:
    """Whether each tree votes for one class only and every class has a tree (as boosters' trees do)."""
    tree = ints(attrs, "class_treeids")
    pairs = np.unique(tree * k + ids)
    trees, counts = np.unique(pairs // k, return_counts=True)
    return bool(np.all(counts == 1)) and len(np.unique(pairs % k)) == k


def negated_pairs(attrs: dict[str, AttributeProto], ids: np.ndarray, weights: np.ndarray) -> bool:
    """Whether every voting leaf has one class-0 and one class-1 vote, the first minus the second."""
    tree, node = ints(attrs, "class_treeids"), ints(attrs, "class_nodeids")
    if len(ids) % 2 or not (len(tree) == len(node) == len(weights) == len(ids)):
        return False
    leaf = tree * (int(node.max(initial=0)) + 1) + node
    order = np.lexsort((ids, leaf))
    pairs_leaf, pairs_id, pairs_weight = (a[order].reshape(-1, 2) for a in (leaf, ids, weights))
    return bool(np.all(pairs_leaf[:, 0] == pairs_leaf[:, 1]) and np.all(pairs_id == [0, 1])
                and np.all(pairs_weight[:, 0] == -pairs_weight[:, 1]))


def ints(attrs: dict[str, AttributeProto], name: str) -> np.ndarray:
    values = attrs[name].ints if name in attrs else []
    return np.fromiter(values, dtype=np.int64, count=len(values))


def values(attrs: dict[str, AttributeProto], name: str, dtype: type) -> np.ndarray:
    """A float list or its double ``*_as_tensor`` form, as ``dtype``."""
    if f"{name}_as_tensor" in attrs:
        return numpy_helper.to_array(attrs[f"{name}_as_tensor"].t).astype(dtype, copy=False).ravel()
    values = attrs[name].floats if name in attrs else []
    return np.fromiter(values, dtype=np.float32, count=len(values)).astype(dtype, copy=False)


def string(attrs: dict[str, AttributeProto], name: str, default: bytes) -> bytes:
    return attrs[name].s if name in attrs else default
