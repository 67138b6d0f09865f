"""Tree ensembles rewritten from ai.onnx.ml opset 3 to opset 5: ONNX Runtime gives the same outputs from both.

Each family's opset-3 graph (skl2onnx with the engine's converters, nothing rewritten) is the reference;
the rewritten copy must give the same labels and the same scores, on rows with missing values and
unseen categories too, and be smaller. Hand-built graphs cover what the families do not write: trees
that are one leaf, averaging, base values, other split modes and scores exactly on the label's cut.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import onnx
import pytest
from onnx import ModelProto, TensorProto, helper
from threadpoolctl import threadpool_limits

from kuai.engine.models import FAMILIES, ShapRoute
from kuai.engine.types import TaskType
from kuai.exporters import OnnxScorer, onnx_feeds, register_converters
from kuai.exporters._tree_opset5 import TREE_OPS, upgrade_tree_ensembles
from kuai.exporters.onnx_export import TARGET_OPSET
from tests.exporters.test_onnx_export import TASKS, Dataset, _pipeline, datasets  # noqa: F401  (datasets is a fixture)

TREE_FAMILIES = sorted(name for name, family in FAMILIES.items()  # the perceptron and linear models have no trees
                       if family.shap_route not in (ShapRoute.LINEAR, ShapRoute.PERMUTATION))
# leaves that vote for several classes have no exact opset-5 form without copying the trees per class; the engine's
# size estimates count on each family's ExportCost.multiclass_opset5 (kuai.engine.select.bagging.exported_share)
STAYS_OPSET_3 = {(name, TaskType.MULTICLASS) for name in TREE_FAMILIES
                 if not FAMILIES[name].export.multiclass_opset5}


@pytest.fixture(autouse=True)
def _single_openmp_thread() -> Iterator[None]:
    with threadpool_limits(limits=1):
        yield


def _opset3_graph(estimator: Any, data: Dataset) -> ModelProto:
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType

    register_converters()
    types = [(name, StringTensorType([None, 1]) if column.is_string else FloatTensorType([None, 1]))
             for column in data.schema for name in column.model_inputs]
    options = {id(estimator): {"zipmap": False}} if data.task.is_classification else None
    return convert_sklearn(estimator, initial_types=types, options=options, target_opset=dict(TARGET_OPSET))


def _copy(model: ModelProto) -> ModelProto:
    copied = ModelProto()
    copied.CopyFrom(model)
    return copied


def _ml_opset(model: ModelProto) -> int:
    return {o.domain: o.version for o in model.opset_import}["ai.onnx.ml"]


@pytest.mark.parametrize("task", TASKS, ids=str)
@pytest.mark.parametrize("family_name", TREE_FAMILIES)
def test_each_family_scores_the_same_after_the_rewrite(
    family_name: str, task: TaskType, datasets: dict[TaskType, Dataset]  # noqa: F811
) -> None:
    data = datasets[task]
    reference = _opset3_graph(_pipeline(family_name, data).fit(data.X, data.y), data)
    rewritten = _copy(reference)
    changed = upgrade_tree_ensembles(rewritten)
    if (family_name, task) in STAYS_OPSET_3:
        assert not changed
        assert rewritten.SerializeToString() == reference.SerializeToString()
        return
    assert changed
    assert _ml_opset(rewritten) == 5
    assert not any(node.op_type in TREE_OPS for node in rewritten.graph.node)
    assert sum(node.op_type == "TreeEnsemble" for node in rewritten.graph.node) == 1
    onnx.checker.check_model(rewritten)
    assert len(rewritten.SerializeToString()) < 0.6 * len(reference.SerializeToString())
    feeds = onnx_feeds(data.X_check, data.schema)
    expected_labels, expected = OnnxScorer(reference.SerializeToString()).predict(feeds)
    labels, scores = OnnxScorer(rewritten.SerializeToString()).predict(feeds)
    assert scores.dtype == expected.dtype and scores.shape == expected.shape
    np.testing.assert_allclose(scores, expected, rtol=0, atol=5e-7)
    if task.is_classification:
        assert labels is not None and expected_labels is not None
        assert labels.dtype == np.int64
        np.testing.assert_array_equal(labels, expected_labels)
    else:
        np.testing.assert_array_equal(scores, expected)  # regression: the same sums, bit for bit


def _model(node: onnx.NodeProto, outputs: list[onnx.ValueInfoProto], n_features: int = 2) -> ModelProto:
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, n_features])]
    graph = helper.make_graph([node], "trees", inputs, outputs)
    return _with_opsets(graph)


def _with_opsets(graph: onnx.GraphProto) -> ModelProto:
    # IR 8, as skl2onnx writes for opset 17: the oldest ONNX Runtime Kuai accepts loads it too
    return helper.make_model(graph, ir_version=8,
                             opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3)])


def _both(model: ModelProto, x: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    import onnxruntime as ort

    rewritten = _copy(model)
    assert upgrade_tree_ensembles(rewritten)
    assert _ml_opset(rewritten) == 5
    runs = []
    for graph in (model, rewritten):
        session = ort.InferenceSession(graph.SerializeToString(), providers=["CPUExecutionProvider"])
        runs.append(session.run(None, {"x": x}))
    return runs[0], runs[1]


# two trees over two features: tree 0 splits (BRANCH_LT on x0, then BRANCH_GTE on x1, missing goes true);
# tree 1 is a single leaf
_NODES: dict[str, Any] = {
    "nodes_treeids": [0, 0, 0, 0, 0, 1],
    "nodes_nodeids": [0, 1, 2, 3, 4, 0],
    "nodes_featureids": [0, 1, 0, 0, 0, 0],
    "nodes_modes": ["BRANCH_LT", "BRANCH_GTE", "LEAF", "LEAF", "LEAF", "LEAF"],
    "nodes_values": [0.5, -1.0, 0.0, 0.0, 0.0, 0.0],
    "nodes_truenodeids": [1, 3, 0, 0, 0, 0],
    "nodes_falsenodeids": [2, 4, 0, 0, 0, 0],
    "nodes_missing_value_tracks_true": [0, 1, 0, 0, 0, 0],
}
_LEAVES = [(0, 2), (0, 3), (0, 4), (1, 0)]  # (tree, node) of each leaf


def _rows() -> np.ndarray:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2)).astype(np.float32)
    x[::7, 1] = np.nan
    x[::11, 0] = np.nan
    x[:4] = [[0.5, -1.0], [0.4999, -1.0], [0.5, -1.0001], [np.nan, np.nan]]  # on the splits
    return x


@pytest.mark.parametrize("aggregate", ["SUM", "AVERAGE"])
def test_a_regressor_with_a_one_leaf_tree_averaging_and_base_values(aggregate: str) -> None:
    weights = [1.5, -2.25, 4.0, 0.125]
    node = helper.make_node("TreeEnsembleRegressor", ["x"], ["y"], name="trees", domain="ai.onnx.ml",
                            n_targets=1, aggregate_function=aggregate, base_values=[10.0], **_NODES,
                            target_treeids=[t for t, _ in _LEAVES], target_nodeids=[n for _, n in _LEAVES],
                            target_ids=[0] * 4, target_weights=weights)
    model = _model(node, [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 1])])
    (expected,), (got,) = _both(model, _rows())
    assert len(np.unique(expected)) == 3  # the three leaves of tree 0 are all reached
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("weights, post, base", [
    ([0.25, 0.5, 0.125, 0.25], "NONE", None),  # forests: probabilities, [1 - s, s], class 1 when s > 0.5
    ([-0.5, 0.75, 1.0, -0.75], "LOGISTIC", None),  # boosting: margins, class 1 when s > 0
    ([0.5, -0.25, 0.75, -0.5], "LOGISTIC", [0.25]),  # ... with a base value
])
def test_binary_classifiers_keep_opset_3s_conventions(
    weights: list[float], post: str, base: list[float] | None
) -> None:
    extra: dict[str, Any] = {} if base is None else {"base_values": base}
    node = helper.make_node("TreeEnsembleClassifier", ["x"], ["label", "probabilities"], name="trees",
                            domain="ai.onnx.ml", classlabels_int64s=[3, 7], post_transform=post, **_NODES,
                            class_treeids=[t for t, _ in _LEAVES], class_nodeids=[n for _, n in _LEAVES],
                            class_ids=[0] * 4, class_weights=weights, **extra)
    model = _model(node, [helper.make_tensor_value_info("label", TensorProto.INT64, [None]),
                          helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, 2])])
    (labels, expected), (got_labels, got) = _both(model, _rows())
    assert set(labels.tolist()) == {3, 7}
    np.testing.assert_array_equal(got_labels, labels)  # scores exactly on the cut (0.5 or 0) go the same way
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-7)


# a stump, then a tree whose root has a leaf on its true side and a branch on its false side: in opset 5 both
# children of that root get index 2 (the third leaf, the second branch) and only the leaf flags tell them apart
_STUMP_THEN_DEEPER: dict[str, Any] = {
    "nodes_treeids": [0, 0, 0, 1, 1, 1, 1, 1],
    "nodes_nodeids": [0, 1, 2, 0, 1, 2, 3, 4],
    "nodes_featureids": [0, 0, 0, 1, 0, 0, 0, 0],
    "nodes_modes": ["BRANCH_LEQ", "LEAF", "LEAF", "BRANCH_LEQ", "LEAF", "BRANCH_LEQ", "LEAF", "LEAF"],
    "nodes_values": [0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0],
    "nodes_truenodeids": [1, 0, 0, 1, 0, 3, 0, 0],
    "nodes_falsenodeids": [2, 0, 0, 2, 0, 4, 0, 0],
}
# a tree that is one leaf, listed first, then a stump
_LEAF_THEN_STUMP: dict[str, Any] = {
    "nodes_treeids": [0, 1, 1, 1], "nodes_nodeids": [0, 0, 1, 2], "nodes_featureids": [0, 0, 0, 0],
    "nodes_modes": ["LEAF", "BRANCH_LEQ", "LEAF", "LEAF"], "nodes_values": [0.0, 0.0, 0.0, 0.0],
    "nodes_truenodeids": [0, 1, 0, 0], "nodes_falsenodeids": [0, 2, 0, 0],
}


@pytest.mark.parametrize("nodes, leaves", [
    (_STUMP_THEN_DEEPER, [(0, 1), (0, 2), (1, 1), (1, 3), (1, 4)]),
    (_LEAF_THEN_STUMP, [(0, 0), (1, 1), (1, 2)]),
], ids=["root-children-share-an-index", "one-leaf-tree-first"])
def test_trees_that_older_onnx_runtimes_misread_score_the_same(nodes: dict[str, Any],
                                                                leaves: list[tuple[int, int]]) -> None:
    """ONNX Runtime 1.21-1.23 reads a root whose two children have the same index as a leaf (the first case; hence
    ``onnxruntime>=1.24.4``); before 1.30 it gave a one-leaf tree written as a branch with that leaf on both sides
    the wrong weight, so the rewrite puts a copy of the leaf on one side (the second case)."""
    weights = [1.0, 2.0, 10.0, 20.0, 40.0][:len(leaves)]
    node = helper.make_node("TreeEnsembleRegressor", ["x"], ["y"], name="trees", domain="ai.onnx.ml", n_targets=1,
                            **nodes, target_treeids=[t for t, _ in leaves], target_nodeids=[n for _, n in leaves],
                            target_ids=[0] * len(leaves), target_weights=weights)
    model = _model(node, [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 1])])
    (expected,), (got,) = _both(model, _rows())
    assert len(np.unique(expected)) >= 2
    np.testing.assert_array_equal(got, expected)


def _classifier(labels: list[int], post: str = "NONE", **attributes: Any) -> ModelProto:
    node = helper.make_node("TreeEnsembleClassifier", ["x"], ["label", "probabilities"], name="trees",
                            domain="ai.onnx.ml", classlabels_int64s=labels, post_transform=post, **attributes)
    return _model(node, [helper.make_tensor_value_info("label", TensorProto.INT64, [None]),
                         helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, len(labels)])])


_VOTES: dict[str, Any] = {"class_treeids": [t for t, _ in _LEAVES], "class_nodeids": [n for _, n in _LEAVES]}


def test_a_multiclass_row_without_a_vote_for_a_class_is_rewritten_only_with_base_values() -> None:
    """Opset 3 picks the label among the classes a row got a vote for (or a base value): a tree whose leaves vote
    for different classes leaves some rows without a vote for some class, which an ArgMax over all cannot skip."""
    votes = _VOTES | {"class_ids": [0, 1, 2, 1], "class_weights": [-1.0, -2.0, -3.0, -0.5]}
    model = _classifier([0, 1, 2], **_NODES, **votes)
    before = model.SerializeToString()
    assert not upgrade_tree_ensembles(model)
    assert model.SerializeToString() == before
    (labels, expected), (got_labels, got) = _both(_classifier([0, 1, 2], **_NODES, **votes,
                                                              base_values=[0.25, 0.0, -0.25]), _rows())
    assert len(set(labels.tolist())) >= 2
    np.testing.assert_array_equal(got_labels, labels)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-7)


_PAIRED: dict[str, Any] = {"class_treeids": [t for t, _ in _LEAVES for _ in (0, 1)],
           "class_nodeids": [n for _, n in _LEAVES for _ in (0, 1)],
           "class_ids": [0, 1] * 4, "class_weights": [0.5, -0.5, -1.0, 1.0, 0.25, -0.25, -0.5, 0.5]}


@pytest.mark.parametrize("model", [
    _classifier([0, 1, 2], **_NODES, **_VOTES, class_ids=[0, 1, 0, 1], class_weights=[0.5] * 4,
                base_values=[0.0, 0.0, 0.0]),  # no vote ever for class 2
    _classifier([0, 1, 2], **_NODES, class_treeids=[0, 0, 0, 0, 0, 0, 1, 1], class_nodeids=[2, 2, 3, 3, 4, 4, 0, 0],
                class_ids=[0, 1] * 4, class_weights=[0.5] * 8),  # leaves voting for two classes each
    _classifier([3, 7], "LOGISTIC", **_NODES, **_PAIRED),  # paired votes: opset 3 outputs 0/1, not 3/7
    _classifier([0, 1], "LOGISTIC", **(_NODES | {"nodes_modes": ["BRANCH_MEMBER", *_NODES["nodes_modes"][1:]]}),
                **_PAIRED),  # a set membership split, whose members opset 3 does not carry
    _classifier([0, 1], "NONE", **(_NODES | {"nodes_treeids": [1, 1, 1, 1, 1, 0]}), **_VOTES,
                class_ids=[0] * 4, class_weights=[0.5] * 4),  # trees not listed in order
    _classifier([0, 1], "NONE", **(_NODES | {"nodes_truenodeids": [1, 3]}), **_VOTES,
                class_ids=[0] * 4, class_weights=[0.5] * 4),  # lists of unequal lengths
], ids=["class-never-voted", "multi-vote-leaves", "paired-votes-other-labels", "set-membership", "trees-out-of-order",
        "unequal-lengths"])
def test_tree_nodes_without_an_exact_opset_5_form_stay_at_opset_3(model: ModelProto) -> None:
    before = model.SerializeToString()
    assert not upgrade_tree_ensembles(model)
    assert model.SerializeToString() == before


def test_paired_votes_with_labels_0_and_1_are_rewritten() -> None:
    (labels, expected), (got_labels, got) = _both(_classifier([0, 1], "LOGISTIC", **_NODES, **_PAIRED), _rows())
    assert set(labels.tolist()) == {0, 1}
    np.testing.assert_array_equal(got_labels, labels)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-7)


def test_a_model_with_one_tree_node_that_cannot_be_rewritten_stays_whole_at_opset_3() -> None:
    leaves: dict[str, Any] = {"class_treeids": [0, 0, 0, 0, 0, 0, 1, 1], "class_nodeids": [2, 2, 3, 3, 4, 4, 0, 0]}
    multi_vote = helper.make_node(  # every leaf votes for two of three classes: no exact opset-5 form
        "TreeEnsembleClassifier", ["x"], ["label", "probabilities"], name="multi", domain="ai.onnx.ml",
        classlabels_int64s=[0, 1, 2], **_NODES, **leaves, class_ids=[0, 1] * 4, class_weights=[0.5] * 8)
    regressor = helper.make_node("TreeEnsembleRegressor", ["x"], ["y"], name="plain", domain="ai.onnx.ml",
                                 n_targets=1, **_NODES, target_treeids=[t for t, _ in _LEAVES],
                                 target_nodeids=[n for _, n in _LEAVES], target_ids=[0] * 4,
                                 target_weights=[1.0, 2.0, 3.0, 4.0])
    graph = helper.make_graph(
        [regressor, multi_vote], "trees", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 1]),
         helper.make_tensor_value_info("label", TensorProto.INT64, [None]),
         helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, 3])])
    model = _with_opsets(graph)
    before = model.SerializeToString()
    assert not upgrade_tree_ensembles(model)
    assert model.SerializeToString() == before
