"""The numpy forest converter writes exactly the tree node skl2onnx writes, and the export still scores alike."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor, RandomForestClassifier, RandomForestRegressor

from exporters._forest_converter import forest_attributes


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

    from exporters import register_converters

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
