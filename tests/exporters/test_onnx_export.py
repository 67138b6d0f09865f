"""ONNX export of every engine model family: conversion, scoring and parity with scikit-learn.

Data goes through the real engine helpers (schema, model frame, preprocessor,
family builders). Every parity check includes rows with an unseen category
and rows where every value is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pandas as pd
import pytest
from onnx import helper, numpy_helper
from onnx.external_data_helper import convert_model_to_external_data
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import VotingClassifier, VotingRegressor
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from kuai.engine.models import FAMILIES, DataShape
from kuai.engine.models.preprocessing import build_input_schema, build_preprocessor, to_model_frame
from kuai.engine.types import ColumnType, InputColumn, TaskSpec, TaskType
from kuai.exporters import (
    ExportError,
    OnnxScorer,
    ParityReport,
    check_parity,
    onnx_feeds,
    register_converters,
    to_onnx_model,
)

N_ROWS = 300
TOLERANCE = 1e-5
FEATURE_TYPES = {
    "amount": ColumnType.NUMERIC, "color": ColumnType.CATEGORICAL, "signup": ColumnType.DATETIME,
}
TASKS = (TaskType.BINARY, TaskType.MULTICLASS, TaskType.REGRESSION)
EDGE_ROWS = pd.DataFrame({  # unseen category, all missing, unseen category with far-away values
    "amount": [1.0, np.nan, 1e6, np.nan],
    "color": ["purple", None, "orange", ""],
    "signup": ["2021-06-01", None, "2035-12-31 23:00", "not a date"],
})


@dataclass(frozen=True)
class Dataset:
    task: TaskType
    schema: tuple[InputColumn, ...]
    X: pd.DataFrame  # training model frame
    y: np.ndarray
    X_check: pd.DataFrame  # training rows followed by the edge rows
    n_classes: int


@pytest.fixture(autouse=True)
def _single_openmp_thread() -> Iterator[None]:
    """Two OpenMP runtimes (scikit-learn's, LightGBM's) spin against each other on small boxes."""
    with threadpool_limits(limits=1):
        yield


def _raw_frame(seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    amount = rng.normal(size=N_ROWS)
    amount[rng.random(N_ROWS) < 0.15] = np.nan
    color = rng.choice(["red", "green", "blue", "violet"], size=N_ROWS).astype(object)
    color[rng.random(N_ROWS) < 0.1] = None
    stamps = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1500, N_ROWS), unit="D") \
        + pd.to_timedelta(rng.integers(0, 24, N_ROWS), unit="h")
    signup = pd.Series(stamps.astype(str), dtype=object)
    signup[rng.random(N_ROWS) < 0.1] = None
    frame = pd.DataFrame({"amount": amount, "color": color, "signup": signup})
    score = (np.nan_to_num(amount) + (color == "red") * 1.0 + (stamps.month.to_numpy() > 6) * 0.5
             + rng.normal(scale=0.5, size=N_ROWS))
    return frame, score


def _model_frame(raw: pd.DataFrame, schema: tuple[InputColumn, ...]) -> pd.DataFrame:
    """``kuai.engine.models.preprocessing.to_model_frame``, with a stop-gap for its numeric columns.

    Under pandas 3 (copy-on-write) ``_as_number`` writes into the read-only array
    ``Series.to_numpy`` returns, so any numeric column raises "assignment
    destination is read-only". Until the engine fixes that, numeric inputs are
    built here the same way (float32, NaN for missing); everything else still
    goes through the engine.
    """
    try:
        return to_model_frame(raw, schema)
    except ValueError as error:
        if "read-only" not in str(error):
            raise
    parts: dict[str, Any] = {}
    for column in schema:
        if column.type is ColumnType.NUMERIC:
            series = pd.to_numeric(raw[column.name], errors="coerce")
            numbers = series.to_numpy(np.float64, na_value=np.nan, copy=True)
            numbers[~np.isfinite(numbers)] = np.nan
            parts[column.safe_name] = numbers.astype(np.float32)
        else:
            part = to_model_frame(raw, (column,))
            parts.update({name: part[name] for name in part.columns})
    return pd.DataFrame(parts, index=raw.index)


@pytest.fixture(scope="module")
def datasets() -> dict[TaskType, Dataset]:
    raw, score = _raw_frame()
    targets = {
        TaskType.BINARY: (score > 0.3).astype(np.int64),
        TaskType.MULTICLASS: np.digitize(score, [-0.3, 0.8]).astype(np.int64),
        TaskType.REGRESSION: score * 10.0 + 50.0,
    }
    out = {}
    for task, y in targets.items():
        spec = TaskSpec(target="y", task=task, metric="roc_auc", features=tuple(FEATURE_TYPES),
                        feature_types=dict(FEATURE_TYPES))
        schema = build_input_schema(raw, spec)
        X = _model_frame(raw, schema)
        X_check = _model_frame(pd.concat([raw, EDGE_ROWS], ignore_index=True), schema)
        n_classes = len(np.unique(y)) if task.is_classification else 0
        out[task] = Dataset(task, schema, X, y, X_check, n_classes)
    return out


def _pipeline(family_name: str, data: Dataset) -> Pipeline:
    family = FAMILIES[family_name]
    params = family.default_configs(DataShape(N_ROWS, len(data.X.columns), data.n_classes))[0]
    if family.grows_iterations:
        params = family.with_iterations(params, 30)
    if f"{family.name}__n_estimators" in params:  # forests: few trees, odd count (no vote ties)
        params = params | {f"{family.name}__n_estimators": 15}
    prep = build_preprocessor(data.schema, encoding=family.encoding, scale=family.scale)
    return Pipeline([("prep", prep), ("model", family.build(params, data.task, seed=0))])


def _assert_parity(estimator: Any, data: Dataset) -> ParityReport:
    model = to_onnx_model(estimator, data.schema, data.task)
    report = check_parity(estimator, model, data.X_check, data.task)
    assert report.n_rows == len(data.X_check)
    assert report.labels_equal, report
    if data.task.is_classification:
        assert report.max_abs_diff <= TOLERANCE, report
    else:
        assert report.max_rel_diff <= TOLERANCE, report
    assert report.passed, report
    onnx.checker.check_model(model)
    _assert_outputs(model, data)
    return report


def _assert_outputs(model: onnx.ModelProto, data: Dataset) -> None:
    scorer = OnnxScorer(model.SerializeToString())
    labels, scores = scorer.predict(onnx_feeds(data.X_check, data.schema))
    n = len(data.X_check)
    if data.task.is_classification:
        assert labels is not None and labels.dtype == np.int64 and labels.shape == (n,)
        assert scores.dtype == np.float32 and scores.shape == (n, data.n_classes)
        np.testing.assert_allclose(scores.sum(axis=1), 1.0, atol=1e-5)
    else:
        assert labels is None and scores.shape == (n,)


@pytest.mark.parametrize("task", TASKS, ids=str)
@pytest.mark.parametrize("family_name", sorted(FAMILIES))
def test_family_pipeline_matches_onnx(
    family_name: str, task: TaskType, datasets: dict[TaskType, Dataset]
) -> None:
    data = datasets[task]
    pipeline = _pipeline(family_name, data).fit(data.X, data.y)
    _assert_parity(pipeline, data)


@pytest.mark.parametrize("task", (TaskType.BINARY, TaskType.MULTICLASS), ids=str)
def test_soft_voting_classifier_matches_onnx(
    task: TaskType, datasets: dict[TaskType, Dataset]
) -> None:
    data = datasets[task]
    members = [(name, _pipeline(name, data)) for name in ("catboost", "lightgbm", "linear")]
    ensemble = VotingClassifier(members, voting="soft", weights=np.array([0.5, 0.3, 0.2]),
                                flatten_transform=False).fit(data.X, data.y)
    _assert_parity(ensemble, data)


def test_voting_regressor_matches_onnx(datasets: dict[TaskType, Dataset]) -> None:
    data = datasets[TaskType.REGRESSION]
    members = [(name, _pipeline(name, data)) for name in ("lightgbm", "random_forest", "linear")]
    ensemble = VotingRegressor(members, weights=np.array([0.6, 0.3, 0.1])).fit(data.X, data.y)
    _assert_parity(ensemble, data)


def test_graph_inputs_and_opsets(datasets: dict[TaskType, Dataset]) -> None:
    register_converters()  # idempotent: to_onnx_model calls it again
    data = datasets[TaskType.BINARY]
    model = to_onnx_model(_pipeline("linear", data).fit(data.X, data.y), data.schema, data.task)
    inputs = {i.name: i.type.tensor_type for i in model.graph.input}
    expected = [name for column in data.schema for name in column.model_inputs]
    assert list(inputs) == expected
    for column in data.schema:
        for name in column.model_inputs:
            kind = onnx.TensorProto.STRING if column.is_string else onnx.TensorProto.FLOAT
            assert inputs[name].elem_type == kind
            assert [d.dim_value for d in inputs[name].shape.dim][1:] == [1]
    assert [o.name for o in model.graph.output] == ["label", "probabilities"]
    assert {o.domain: o.version for o in model.opset_import}[""] <= 17
    onnx.checker.check_model(model)


def test_onnx_feeds_shapes_and_types(datasets: dict[TaskType, Dataset]) -> None:
    data = datasets[TaskType.BINARY]
    feeds = onnx_feeds(data.X_check, data.schema)
    n = len(data.X_check)
    for column in data.schema:
        for name in column.model_inputs:
            assert feeds[name].shape == (n, 1)
            if column.is_string:
                assert feeds[name].dtype == object
                assert all(isinstance(v, str) for v in feeds[name].ravel())
            else:
                assert feeds[name].dtype == np.float32
    string_input = next(c.safe_name for c in data.schema if c.is_string)
    assert feeds[string_input][-3, 0] == ""  # the all-missing edge row
    assert np.isnan(feeds["c00000"][-3, 0])
    with pytest.raises(ExportError) as caught:
        onnx_feeds(data.X_check.drop(columns=["c00000"]), data.schema)
    assert caught.value.code == "MISSING_INPUT"


def test_scorer_refuses_external_data(datasets: dict[TaskType, Dataset], tmp_path: Path) -> None:
    data = datasets[TaskType.REGRESSION]
    model = to_onnx_model(_pipeline("linear", data).fit(data.X, data.y), data.schema, data.task)
    assert all(t.data_location != onnx.TensorProto.EXTERNAL for t in model.graph.initializer)
    inline = tmp_path / "inline.onnx"
    onnx.save_model(model, str(inline))
    assert OnnxScorer(inline).predict(onnx_feeds(data.X, data.schema))[1].shape == (N_ROWS,)
    external = tmp_path / "external.onnx"
    split = onnx.ModelProto()
    split.CopyFrom(model)
    for tensor in split.graph.initializer:  # external data needs raw_data tensors
        tensor.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(tensor), tensor.name))
    convert_model_to_external_data(split, all_tensors_to_one_file=True, location="weights.bin",
                                   size_threshold=0)
    onnx.save_model(split, str(external))
    assert (tmp_path / "weights.bin").exists()
    with pytest.raises(ExportError) as caught:
        OnnxScorer(external)
    assert caught.value.code == "EXTERNAL_DATA"


def test_scorer_reads_metadata_and_refuses_external_data_without_a_location(datasets: dict[TaskType, Dataset]) -> None:
    """The scorer checks by parsing only models whose bytes spell 'location' (every external tensor names its file
    so); one marked external without a location is refused all the same, by ONNX Runtime, with a code."""
    data = datasets[TaskType.REGRESSION]
    model = to_onnx_model(_pipeline("linear", data).fit(data.X, data.y), data.schema, data.task)
    entry = model.metadata_props.add()
    entry.key, entry.value = "kuai_test", "kept"
    assert b"location" not in model.SerializeToString()
    assert OnnxScorer(model.SerializeToString()).metadata["kuai_test"] == "kept"
    weight = numpy_helper.from_array(np.ones(1, dtype=np.float32), "w")
    weight.ClearField("raw_data")
    weight.data_location = onnx.TensorProto.EXTERNAL
    offset = weight.external_data.add()
    offset.key, offset.value = "offset", "0"
    nameless = helper.make_model(
        helper.make_graph([helper.make_node("Add", ["x", "w"], ["y"])], "nameless_external",
                          [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1])],
                          [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1])], [weight]),
        opset_imports=[helper.make_opsetid("", 17)], ir_version=9)
    serialized = nameless.SerializeToString()
    assert b"location" not in serialized
    with pytest.raises(ExportError) as caught:
        OnnxScorer(serialized)
    assert caught.value.code == "INVALID_MODEL" and "location" in str(caught.value)
    entry = model.metadata_props.add()  # a column named 'location' is common: such a model is parsed, and loads
    entry.key, entry.value = "location", "a column name"
    assert b"location" in model.SerializeToString()
    assert OnnxScorer(model.SerializeToString()).metadata["location"] == "a column name"


def test_scorer_refuses_external_data_in_a_sparse_attribute() -> None:
    values = numpy_helper.from_array(np.ones(1, dtype=np.float32), "values")
    values.ClearField("raw_data")
    values.data_location = onnx.TensorProto.EXTERNAL
    for key, value in (("location", "weights.bin"), ("offset", "0"), ("length", "4")):
        entry = values.external_data.add()
        entry.key, entry.value = key, value
    sparse = helper.make_sparse_tensor(values, numpy_helper.from_array(np.zeros(1, dtype=np.int64), "indices"), [2])
    constant = helper.make_node("Constant", [], ["y"], sparse_value=sparse)
    model = helper.make_model(
        helper.make_graph([constant], "sparse_constant", [], [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT,
                                                                                           [2])]),
        opset_imports=[helper.make_opsetid("", 17)], ir_version=9)
    with pytest.raises(ExportError) as caught:
        OnnxScorer(model.SerializeToString())
    assert caught.value.code == "EXTERNAL_DATA"


class _Opaque(ClassifierMixin, BaseEstimator):  # a classifier skl2onnx knows nothing about
    def fit(self, X: Any, y: Any) -> _Opaque:
        self.classes_ = np.unique(y)
        return self

    def predict(self, X: Any) -> np.ndarray:
        return np.zeros(len(X), dtype=np.int64)


def test_unconvertible_model_raises_export_error(datasets: dict[TaskType, Dataset]) -> None:
    data = datasets[TaskType.BINARY]
    prep = build_preprocessor(data.schema, encoding="ordinal", scale=False)
    pipeline = Pipeline([("prep", prep), ("model", _Opaque())]).fit(data.X, data.y)
    with pytest.raises(ExportError) as caught:
        to_onnx_model(pipeline, data.schema, data.task)
    assert caught.value.code == "UNSUPPORTED_MODEL"
    assert "_Opaque" in str(caught.value) and len(str(caught.value)) < 600
    with pytest.raises(ExportError) as unfitted:
        to_onnx_model(_pipeline("linear", data), data.schema, data.task)
    assert unfitted.value.code == "NOT_FITTED"


def test_parity_report_flags_a_different_model(datasets: dict[TaskType, Dataset]) -> None:
    data = datasets[TaskType.REGRESSION]
    linear = _pipeline("linear", data).fit(data.X, data.y)
    other = _pipeline("lightgbm", data).fit(data.X, data.y)
    other_onnx = to_onnx_model(other, data.schema, data.task)
    report = check_parity(linear, other_onnx, data.X_check, data.task)
    assert not report.passed and report.max_rel_diff > TOLERANCE
    assert set(report.to_dict()) == {
        "n_rows", "max_abs_diff", "max_rel_diff", "labels_equal", "passed", "tolerance", "n_extreme_rows",
    }
    assert report.tolerance == TOLERANCE


def test_lightgbm_thresholds_decide_in_onnx_as_lightgbm_decides_in_double() -> None:
    """A split between 0.02 and 0.03 sits at the double 0.025, whose nearest float32 lies above it: an input of
    exactly float32(0.025) goes right in LightGBM and must go right in the graph too."""
    import lightgbm
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType

    x = np.repeat(np.array([0.02, 0.03], dtype=np.float32), 50).reshape(-1, 1)
    y = (x[:, 0] > 0.025).astype(int)
    model = lightgbm.LGBMClassifier(n_estimators=3, min_child_samples=5, verbose=-1).fit(x, y)
    assert any(float(np.float32(t)) > t for t in [0.025])  # the case the rounding handles
    register_converters()
    graph = convert_sklearn(model, initial_types=[("x", FloatTensorType([None, 1]))],
                            options={id(model): {"zipmap": False}}, target_opset={"": 17, "ai.onnx.ml": 3})
    on_split = np.array([[0.025]], dtype=np.float32)
    _, scores = OnnxScorer(graph.SerializeToString()).predict({"x": on_split})
    np.testing.assert_allclose(scores, model.predict_proba(on_split), atol=1e-6)
    assert model.predict(on_split)[0] == 1


@pytest.mark.parametrize("task", TASKS, ids=str)
def test_tree_nodes_held_serialized_come_back_unchanged(task: TaskType, datasets: dict[TaskType, Dataset]) -> None:
    """The export keeps each tree-ensemble node serialized while skl2onnx assembles the graph (memory), then puts
    it back, rewritten to opset 5 node by node: the graph is the one skl2onnx builds when the nodes stay in place,
    rewritten whole afterwards, attribute for attribute. A multiclass blend with forests stays at opset 3."""
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType

    from kuai.exporters._tree_opset5 import TREE_OPS, upgrade_tree_ensembles
    from kuai.exporters.onnx_export import TARGET_OPSET

    data = datasets[task]
    names = ("catboost", "lightgbm", "extra_trees", "hist_gb")
    members = [(name, _pipeline(name, data)) for name in names]
    blend: Any = (VotingClassifier(members, voting="soft", flatten_transform=False) if task.is_classification
                  else VotingRegressor(members)).fit(data.X, data.y)
    compact = to_onnx_model(blend, data.schema, task)
    types = [(name, StringTensorType([None, 1]) if column.is_string else FloatTensorType([None, 1]))
             for column in data.schema for name in column.model_inputs]
    plain = convert_sklearn(blend, initial_types=types, target_opset=dict(TARGET_OPSET),
                            options={id(blend): {"zipmap": False}} if task.is_classification else None)
    assert upgrade_tree_ensembles(plain) is (task is not TaskType.MULTICLASS)
    tree_ops = TREE_OPS if task is TaskType.MULTICLASS else ("TreeEnsemble",)
    ml_opset = 3 if task is TaskType.MULTICLASS else 5
    assert {o.domain: o.version for o in compact.opset_import}["ai.onnx.ml"] == ml_opset
    trees = [n for n in compact.graph.node if n.op_type in tree_ops]
    expected = {n.name: n for n in plain.graph.node if n.op_type in tree_ops}
    assert len(trees) == len(names) and set(expected) == {n.name for n in trees}
    for node in trees:
        assert len(node.attribute) > 5  # the attributes are back ...
        assert node.SerializeToString() == expected[node.name].SerializeToString()  # ... exactly as built
    assert not any(n.op_type in TREE_OPS for n in compact.graph.node) or ml_opset == 3
    _assert_parity(blend, data)


def test_a_tree_node_missing_from_the_graph_is_an_error() -> None:
    from onnx import helper

    from kuai.exporters._compact_trees import compact_tree_nodes

    node = helper.make_node("TreeEnsembleRegressor", ["x"], ["y"], name="trees", domain="ai.onnx.ml",
                            nodes_modes=["LEAF"], nodes_nodeids=[0], nodes_treeids=[0])
    with compact_tree_nodes() as stash:
        nodes = [node]
        stash.hold(nodes, 0)
        assert len(nodes[0].attribute) == 0 and nodes[0].output == ["y"]  # a placeholder stands in
        graph = helper.make_graph([], "g", [], [])
        with pytest.raises(RuntimeError, match="trees"):
            stash.restore(helper.make_model(graph))


def test_the_absolute_difference_leaves_out_the_extreme_rows_and_the_deciding_one_reads_every_row(
        datasets: dict[TaskType, Dataset]) -> None:
    """The parity check's last rows hold extreme numbers (1e30), where a regression's prediction can be 1e29 and
    float32's own spacing 1e22: the figure in the target's units is the training rows' alone."""
    data = datasets[TaskType.REGRESSION]
    linear = _pipeline("linear", data).fit(data.X, data.y)
    model = to_onnx_model(linear, data.schema, data.task)
    every_row = check_parity(linear, model, data.X_check, data.task)
    scorer = OnnxScorer(model)
    onnx_values = np.asarray(scorer.predict(scorer.feeds_from_frame(data.X_check))[1], dtype=np.float64).ravel()
    differences = np.abs(linear.predict(data.X_check) - onnx_values)
    biggest = int(np.argmax(differences))  # the row with the largest difference goes last
    assert differences[biggest] > np.delete(differences, biggest).max()
    frame = pd.concat([data.X_check.drop(index=data.X_check.index[biggest]), data.X_check.iloc[[biggest]]],
                      ignore_index=True)
    training_rows = check_parity(linear, model, frame, data.task, n_extreme=1)
    first_rows = check_parity(linear, model, frame.iloc[:-1], data.task)
    assert training_rows.n_extreme_rows == 1 and training_rows.n_rows == len(frame)
    assert training_rows.max_abs_diff == first_rows.max_abs_diff < every_row.max_abs_diff
    assert training_rows.max_rel_diff == every_row.max_rel_diff and training_rows.passed == every_row.passed
