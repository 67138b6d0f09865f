"""Binary tree boosters labelled by their log-odds, as their probabilities say.

ONNX Runtime's ``TreeEnsembleClassifier`` labels a two-class ensemble whose class weights are all non-negative as a
forest of probabilities: the positive class when the summed score is above 0.5. A booster's score is log-odds, and its
probability is above one half when the score is above 0. A booster whose leaves are all non-negative (no split on 20
rows with at least 20 per leaf: one leaf of log-odds 0.2, probability 0.55) was labelled 0 while its probabilities
said 1; LightGBM's and scikit-learn's histogram boosting both did. ``label_by_log_odds`` adds to such an ensemble
(``LOGISTIC``, two classes, all weights non-negative) one tree of a single leaf worth ``NEGATIVE_LEAF``: Runtime then
labels by the sign of the score, and the score does not change (the leaf is below float32's precision next to any
score that is not itself tiny).
"""

from __future__ import annotations

from onnx import AttributeProto, GraphProto, NodeProto

NEGATIVE_LEAF = -1e-30
_ONE_LEAF: dict[str, int | float | bytes] = {  # a tree of one leaf, node 0
    "nodes_nodeids": 0, "nodes_featureids": 0, "nodes_modes": b"LEAF", "nodes_values": 0.0,
    "nodes_truenodeids": 0, "nodes_falsenodeids": 0, "nodes_missing_value_tracks_true": 0, "nodes_hitrates": 1.0,
    "class_nodeids": 0, "class_ids": 0, "class_weights": NEGATIVE_LEAF,
}
_NEEDED = ("nodes_treeids", "nodes_nodeids", "nodes_featureids", "nodes_modes", "nodes_values", "nodes_truenodeids",
           "nodes_falsenodeids", "class_treeids", "class_nodeids", "class_ids", "class_weights")


def label_by_log_odds(graph: GraphProto) -> int:
    """Add the negative leaf to every binary booster of ``graph`` that Runtime would label as a forest; how many."""
    changed = 0
    for node in graph.node:
        if node.op_type == "TreeEnsembleClassifier" and _labelled_as_forest(node):
            _add_negative_leaf(node)
            changed += 1
    return changed


def _labelled_as_forest(node: NodeProto) -> bool:
    attributes = {a.name: a for a in node.attribute}
    transform = attributes.get("post_transform")
    labels = attributes.get("classlabels_int64s") or attributes.get("classlabels_strings")
    if transform is None or transform.s != b"LOGISTIC" or labels is None:
        return False
    if len(labels.ints) + len(labels.strings) != 2 or any(name not in attributes for name in _NEEDED):
        return False
    return all(i == 0 for i in attributes["class_ids"].ints) and all(w >= 0 for w in attributes["class_weights"].floats)


def _add_negative_leaf(node: NodeProto) -> None:
    attributes = {a.name: a for a in node.attribute}
    tree = max(attributes["nodes_treeids"].ints, default=-1) + 1
    for name in ("nodes_treeids", "class_treeids"):
        attributes[name].ints.append(tree)
    for name, value in _ONE_LEAF.items():
        attribute = attributes.get(name)
        if attribute is None:
            continue
        if attribute.type == AttributeProto.INTS:
            attribute.ints.append(int(value))  # type: ignore[arg-type]
        elif attribute.type == AttributeProto.FLOATS:
            attribute.floats.append(float(value))  # type: ignore[arg-type]
        else:
            attribute.strings.append(value if isinstance(value, bytes) else str(value).encode())
