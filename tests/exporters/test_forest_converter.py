"""The numpy forest converter writes exactly the tree node skl2onnx writes, and the export still scores alike."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor, RandomForestClassifier, RandomForestRegressor

from kuai.engine.types import TaskType
from kuai.exporters._forest_converter import forest_attributes
from tests.exporters.test_onnx_export import TASKS, Dataset, _pipeline, datasets  # noqa: F401  (a fixture)


def _skl2onnx_attributes(model: Any, *, classifier: bool) -> dict[str, list[Any]]:
    """What skl2onnx's own converter appends, node by node, for ``model``."""
    from skl2onnx.common.tree_ensemble import (
        add_tree_to_attribute_pairs,
        get_default_tree_classifier_attribute_pairs,
        get_default_tree_regressor_attribute_pairs,
    )

    pairs = (get_default_tree_classifier_attribute_pairs() if classifier
             else get_default_tree_regressor_attribute_pairs())
    weight = 1.0 / len(model.estimators_)
    for tree_id, estimator in enumerate(model.estimators_):
        add_tree_to_attribute_pairs(pairs, classifier, estimator.tree_, tree_id, weight, 0, classifier, True,
                                    dtype=np.float32)
    return pairs


def _data(kind: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(4)
    X = rng.normal(size=(700, 5))
    X[:, 2] = np.round(X[:, 2] * 3) / 3  # ties: thresholds halfway between float32 values
    y = X[:, 0] + np.sin(3 * X[:, 1]) + rng.normal(0, 0.3, 700)
    if kind == "binary":
        return X, (y > 0.3).astype(int)
    if kind == "multiclass":
        return X, np.digitize(y, [-1.0, 0.0, 1.0])
    return X, y


@pytest.mark.parametrize(("cls", "kind"), [
    (RandomForestRegressor, "regression"), (ExtraTreesRegressor, "regression"),
    (RandomForestClassifier, "binary"), (ExtraTreesClassifier, "binary"),
    (RandomForestClassifier, "multiclass"), (ExtraTreesClassifier, "multiclass"),
])
def test_numpy_attributes_are_skl2onnxs_node_for_node(cls: type, kind: str) -> None:
    X, y = _data(kind)
    model = cls(n_estimators=12, min_samples_leaf=2, random_state=0).fit(X, y)
    classifier = kind != "regression"
    theirs = _skl2onnx_attributes(model, classifier=classifier)
    ours = dict(forest_attributes(model, classifier=classifier))
    assert set(ours) == set(theirs) - {"post_transform", "n_targets"}
    for name, values in ours.items():
        expected = theirs[name]
        if name == "nodes_modes":
            assert [("BRANCH_LEQ" if b else "LEAF") for b in values] == expected
        elif values.dtype.kind == "f":  # skl2onnx casts its float lists to float32
            assert np.array_equal(values, np.asarray(expected, dtype=np.float32)), name
        else:
            assert values.tolist() == [int(v) for v in expected], name


@pytest.mark.parametrize("kind", ["regression", "binary", "multiclass"])
def test_a_forest_exported_with_numpy_attributes_scores_as_scikit_learn(kind: str) -> None:
    import onnxruntime as ort
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType

    from kuai.exporters import register_converters

    register_converters()
    X, y = _data(kind)
    model = (ExtraTreesRegressor if kind == "regression" else RandomForestClassifier)(
        n_estimators=15, random_state=0).fit(X, y)
    options = None if kind == "regression" else {id(model): {"zipmap": False}}
    onnx_model = convert_sklearn(model, initial_types=[("x", FloatTensorType([None, 5]))], options=options,
                                 target_opset={"": 17, "ai.onnx.ml": 3})
    session = ort.InferenceSession(onnx_model.SerializeToString(), providers=["CPUExecutionProvider"])
    rows = X[:200].astype(np.float32)
    outputs = session.run(None, {"x": rows})
    if kind == "regression":
        np.testing.assert_allclose(outputs[0].ravel(), model.predict(rows), atol=1e-5)
    else:
        assert np.array_equal(outputs[0], model.predict(rows))
        np.testing.assert_allclose(outputs[1], model.predict_proba(rows), atol=1e-5)


@pytest.mark.parametrize(("cls", "kind", "one_leaf"), [
    (RandomForestRegressor, "regression", False), (ExtraTreesRegressor, "regression", False),
    (RandomForestClassifier, "binary", False), (ExtraTreesClassifier, "binary", False),
    (RandomForestRegressor, "regression", True), (ExtraTreesClassifier, "binary", True),
])
def test_opset5_trees_straight_from_the_forest_are_the_rewrite_of_its_opset3_node(cls: type, kind: str,
                                                                                  one_leaf: bool) -> None:
    """The attributes computed without the opset-3 node are byte for byte those the rewrite makes of that node
    (trees that are one leaf included: every tree is one when no node may split)."""
    from onnx import NodeProto

    from kuai.exporters._forest_converter import forest_opset5_trees
    from kuai.exporters._tree_attributes import opset5_trees, write_opset3_list

    X, y = _data(kind)
    model = cls(n_estimators=9, min_samples_leaf=2, random_state=0,
                **({"min_samples_split": 10_000} if one_leaf else {})).fit(X, y)
    classifier = kind != "regression"
    node = NodeProto()
    for name, values in forest_attributes(model, classifier=classifier):
        write_opset3_list(node, name, values)
    expected = opset5_trees({a.name: a for a in node.attribute}, "class_" if classifier else "target_", np.float32)
    ours = forest_opset5_trees(model, classifier=classifier)
    assert expected is not None and ours is not None
    assert [a.SerializeToString() for a in ours] == [a.SerializeToString() for a in expected]


def test_a_multiclass_forest_has_no_opset5_trees() -> None:
    """Its leaves vote for every class: it stays at opset 3 (exported so below)."""
    from kuai.exporters._forest_converter import forest_opset5_trees

    X, y = _data("multiclass")
    model = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)
    assert forest_opset5_trees(model, classifier=True) is None
    lone = RandomForestClassifier(n_estimators=3, random_state=0).fit(X, np.zeros(len(X), dtype=int))
    assert forest_opset5_trees(lone, classifier=True) is None  # one class: no opset-5 form either


@pytest.mark.parametrize("family_name", ["random_forest", "extra_trees"])
@pytest.mark.parametrize("task", TASKS, ids=str)
def test_an_exported_forest_scores_as_its_opset3_graph(family_name: str, task: TaskType,
                                                       datasets: dict[TaskType, Dataset]) -> None:  # noqa: F811
    """``to_onnx_model`` (nodes kept aside, lists computed at the end) against skl2onnx's plain opset-3 graph: the
    same labels, the same scores (bit for bit for regression), at opset 5 unless several classes (then opset 3's
    trees, which opset 5 no longer has)."""
    from kuai.exporters import OnnxScorer, onnx_feeds, to_onnx_model
    from tests.exporters.test_tree_opset5 import _ml_opset, _opset3_graph

    data = datasets[task]
    pipeline = _pipeline(family_name, data).fit(data.X, data.y)
    reference = _opset3_graph(pipeline, data)
    exported = to_onnx_model(pipeline, data.schema, task)
    kept_at_opset_3 = any(node.op_type == "TreeEnsembleClassifier" for node in exported.graph.node)
    assert kept_at_opset_3 is (task is TaskType.MULTICLASS) and (_ml_opset(exported) == 5) is not kept_at_opset_3
    feeds = onnx_feeds(data.X_check, data.schema)
    expected_labels, expected = OnnxScorer(reference.SerializeToString()).predict(feeds)
    labels, scores = OnnxScorer(exported.SerializeToString()).predict(feeds)
    if task.is_classification:
        np.testing.assert_array_equal(labels, expected_labels)
        np.testing.assert_allclose(scores, expected, rtol=0, atol=5e-7)
    else:
        np.testing.assert_array_equal(scores, expected)
