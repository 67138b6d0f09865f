"""The LightGBM converter that reads the text model writes onnxmltools' tree node, and the export still scores alike.

The engine's LightGBM pipelines (every task) are exported through it in ``test_onnx_export``'s parity tests.
"""

from __future__ import annotations

from typing import Any

import lightgbm
import numpy as np
import onnx
import pytest
from onnx import helper

from kuai.exporters import OnnxScorer, register_converters
from kuai.exporters._lightgbm_converter import booster_trees
from kuai.exporters._tree_attributes import float32_below

KINDS = ("binary", "multiclass", "regression")


def _data(kind: str, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(600, 5))
    X[:, 2] = np.round(X[:, 2] * 3) / 3  # thresholds halfway between values that float32 rounds
    X[rng.random(600) < 0.1, 1] = np.nan  # missing values: LightGBM learns a side for them
    X[:, 4] = np.where(rng.random(600) < 0.3, 0.0, X[:, 4])  # many zeros
    y = X[:, 0] + np.sin(3 * np.nan_to_num(X[:, 1])) + X[:, 2] + rng.normal(0, 0.3, 600)
    if kind == "binary":
        return X, (y > 0.3).astype(int)
    if kind == "multiclass":
        return X, np.digitize(y, [-1.0, 0.0, 1.0])
    return X, y


def _fit(kind: str, **params: Any) -> Any:
    X, y = _data(kind)
    cls = lightgbm.LGBMRegressor if kind == "regression" else lightgbm.LGBMClassifier
    options = dict(n_estimators=40, num_leaves=7, min_child_samples=5, verbose=-1, random_state=0) | params
    return cls(**options).fit(X, y)


def _tree_node(model: onnx.ModelProto) -> onnx.NodeProto:
    (node,) = [n for n in model.graph.node if n.op_type.startswith("TreeEnsemble")]
    return node


def _ours(model: Any, *, fast: bool = True) -> onnx.ModelProto:
    """Kuai's conversion of ``model``; ``fast``: onnxmltools' converter is never called (else it is)."""
    from onnxmltools.convert.lightgbm.operator_converters import LightGbm
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType

    register_converters()
    options = {id(model): {"zipmap": False}} if hasattr(model, "classes_") else None
    calls, real = [], LightGbm.convert_lightgbm
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(LightGbm, "convert_lightgbm", lambda *args: calls.append(1) or real(*args))
        converted = convert_sklearn(model, initial_types=[("x", FloatTensorType([None, 5]))], options=options,
                                    target_opset={"": 17, "ai.onnx.ml": 3})
    assert bool(calls) != fast
    return converted


def _onnxmltools(model: Any) -> onnx.ModelProto:
    from onnxmltools import convert_lightgbm
    from onnxmltools.convert.common.data_types import FloatTensorType

    return convert_lightgbm(model, initial_types=[("x", FloatTensorType([None, 5]))], zipmap=False,
                            target_opset=15)


def _attributes(node: onnx.NodeProto) -> dict[str, Any]:
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("params", [{}, {"n_estimators": 3, "min_child_samples": 400}])  # the latter: one-leaf trees
def test_the_node_is_onnxmltools_node_for_node(kind: str, params: dict[str, Any]) -> None:
    model = _fit(kind, **params)
    ours, theirs = _attributes(_tree_node(_ours(model))), _attributes(_tree_node(_onnxmltools(model)))
    assert set(ours) == set(theirs) - {"name"}
    for name, value in ours.items():
        if name != "nodes_values":
            assert value == theirs[name], name
    # the thresholds: onnxmltools' float32 rounding, but rounded down where it went above LightGBM's double
    doubles = booster_trees(model.booster_.model_to_string())
    assert doubles is not None
    expected = float32_below(doubles.thresholds)
    assert np.array_equal(np.asarray(ours["nodes_values"], np.float32), expected)
    moved = expected != np.asarray(theirs["nodes_values"], np.float32)
    assert np.all(expected[moved] < np.asarray(theirs["nodes_values"], np.float32)[moved])
    if not params:
        assert moved.any(), "the data puts some thresholds where float32 rounds up"
        assert len(set(ours["nodes_missing_value_tracks_true"])) == 2  # missing values go left on some splits
    else:
        assert "LEAF" in [m.decode() for m in ours["nodes_modes"]][:1]  # a tree that is one leaf


@pytest.mark.parametrize("kind", KINDS)
def test_an_early_stopped_booster_is_converted_to_its_best_iteration(kind: str) -> None:
    X, y = _data(kind, seed=5)
    cls = lightgbm.LGBMRegressor if kind == "regression" else lightgbm.LGBMClassifier
    model = cls(n_estimators=400, learning_rate=0.3, num_leaves=15, verbose=-1, random_state=0).fit(
        X[:400], y[:400], eval_set=[(X[400:], y[400:])], callbacks=[lightgbm.early_stopping(5, verbose=False)])
    assert 0 < model.booster_.best_iteration < 400
    ours, theirs = _attributes(_tree_node(_ours(model))), _attributes(_tree_node(_onnxmltools(model)))
    assert ours["nodes_treeids"] == theirs["nodes_treeids"]
    per_iteration = 1 if kind != "multiclass" else len(model.classes_)
    assert max(ours["nodes_treeids"]) + 1 == model.booster_.best_iteration * per_iteration
    scorer = OnnxScorer(_ours(model).SerializeToString())
    X = X.astype(np.float32)
    _, scores = scorer.predict({"x": X})
    expected = model.predict_proba(X) if kind != "regression" else model.predict(X)
    assert np.allclose(np.asarray(scores).reshape(expected.shape), expected, atol=1e-5)


def test_values_on_the_thresholds_go_where_lightgbm_sends_them() -> None:
    model = _fit("regression")
    trees = booster_trees(model.booster_.model_to_string())
    assert trees is not None
    # each split's double threshold as the float32 values on either side of it, in every column
    points = np.unique(np.concatenate([float32_below(trees.thresholds[trees.branch]),
                                       trees.thresholds[trees.branch].astype(np.float32)]))
    points = points[np.abs(points) > 1e-34]  # LightGBM's zero splits sit at +-1e-35, where it rounds inputs to 0
    X = np.tile(points[:, None], (1, 5)).astype(np.float32)
    _, scores = OnnxScorer(_ours(model).SerializeToString()).predict({"x": X})
    assert np.allclose(np.asarray(scores).ravel(), model.predict(X), rtol=1e-5, atol=1e-5)


def test_categorical_splits_go_to_onnxmltools() -> None:
    X, y = _data("binary")
    X[:, 3] = np.random.default_rng(0).integers(0, 6, len(X))
    y = np.where(np.isin(X[:, 3], [1, 4]), 1 - y, y)
    model = lightgbm.LGBMClassifier(n_estimators=20, verbose=-1, random_state=0).fit(X, y, categorical_feature=[3])
    assert booster_trees(model.booster_.model_to_string()) is None  # not this path's
    _, scores = OnnxScorer(_ours(model, fast=False).SerializeToString()).predict({"x": X.astype(np.float32)})
    assert np.allclose(np.asarray(scores), model.predict_proba(X.astype(np.float32)), atol=1e-5)


@pytest.mark.parametrize("family", ["lightgbm", "hist_gb"])
def test_a_booster_without_a_split_is_labelled_by_its_probability(family: str) -> None:
    """20 rows and at least 20 per leaf: one leaf of positive log-odds, which ONNX Runtime would read as a
    probability below 0.5 and label 0 (seen on a table of 5,000 columns and 20 rows)."""
    import pandas as pd
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import Pipeline

    from kuai.engine.models.preprocessing import build_preprocessor
    from kuai.engine.types import ColumnType, InputColumn, TaskType
    from kuai.exporters import check_parity, to_onnx_model

    schema = tuple(InputColumn(f"x{i}", f"c{i:05d}", ColumnType.NUMERIC, (f"c{i:05d}",)) for i in range(5))
    frame = pd.DataFrame(_data("binary")[0][:20].astype(np.float32), columns=[c.safe_name for c in schema])
    model = lightgbm.LGBMClassifier(n_estimators=5, min_child_samples=20, verbose=-1) if family == "lightgbm" \
        else HistGradientBoostingClassifier(max_iter=5, min_samples_leaf=20)
    pipeline = Pipeline([("prep", build_preprocessor(schema, encoding="ordinal", scale=False)), ("model", model)])
    pipeline.fit(frame, np.r_[[1] * 11, [0] * 9])
    assert set(pipeline.predict(frame)) == {1}  # a constant model: the most common class
    parity = check_parity(pipeline, to_onnx_model(pipeline, schema, TaskType.BINARY), frame, TaskType.BINARY)
    assert parity.labels_equal and parity.passed, parity
