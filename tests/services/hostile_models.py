"""Tiny ONNX models built with onnx.helper for the scoring sandbox's tests: well-formed ones with Kuai's metadata,
and hostile ones (broken metadata, a graph that loops or allocates without bound)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

DATE_INPUTS = [f"c00001__{part}" for part in ("year", "month", "day", "day_of_week", "hour")]
COLUMNS = [  # x (numeric), when (a date), colour (a category): as embed_schema writes them
    {"name": "x", "type": "numeric", "onnx_inputs": ["c00000"]},
    {"name": "when", "type": "datetime", "onnx_inputs": DATE_INPUTS},
    {"name": "colour", "type": "categorical", "onnx_inputs": ["c00002"], "categories": ["red", "blue"]},
]
FLOAT_INPUTS = ["c00000", *DATE_INPUTS]
BIG = 10**15


def schema(task: str = "regression", classes: list[str] | None = None,
           columns: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"task": task, "target": "y", "classes": classes or [], "input_schema": columns or COLUMNS,
            "metric": "rmse"}


def save(model: onnx.ModelProto, path: Path, metadata: dict[str, Any] | str | None = None,
         threshold: str | None = None) -> Path:
    """``model`` with ``kuai_schema`` (a dict as JSON, a string as given) and ``kuai_threshold``, saved."""
    for key, value in (("kuai_schema", metadata), ("kuai_threshold", threshold)):
        if value is not None:
            entry = model.metadata_props.add()
            entry.key, entry.value = key, value if isinstance(value, str) else json.dumps(value)
    onnx.save(model, str(path))
    return path


def _inputs() -> list[onnx.ValueInfoProto]:
    return [*(helper.make_tensor_value_info(name, TensorProto.FLOAT, [None, 1]) for name in FLOAT_INPUTS),
            helper.make_tensor_value_info("c00002", TensorProto.STRING, [None, 1])]


def _model(nodes: list[onnx.NodeProto], outputs: list[onnx.ValueInfoProto],
           initializers: list[onnx.TensorProto] | None = None) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, "kuai_test", _inputs(), outputs, initializers or [])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=9)


def _x() -> list[onnx.NodeProto]:
    """Nodes giving "x": the input x, 0 where it is missing (a model's outputs are always numbers: NaN is refused)."""
    return [helper.make_node("IsNaN", ["c00000"], ["x_missing"]),
            helper.make_node("Where", ["x_missing", "x_zero", "c00000"], ["x"])]


X_ZERO = numpy_helper.from_array(np.array(0.0, dtype=np.float32), "x_zero")


def regression() -> onnx.ModelProto:
    """variable = x, 0 when x is missing."""
    return _model([*_x(), helper.make_node("Identity", ["x"], ["variable"])],
                  [helper.make_tensor_value_info("variable", TensorProto.FLOAT, [None, 1])], [X_ZERO])


def drops_first_row() -> onnx.ModelProto:
    """variable = x (0 when missing) without its first row: one prediction fewer than the rows given."""
    return _model([*_x(), helper.make_node("Slice", ["x", "from_second", "to_end"], ["variable"])],
                  [helper.make_tensor_value_info("variable", TensorProto.FLOAT, [None, 1])],
                  [X_ZERO, numpy_helper.from_array(np.array([1], dtype=np.int64), "from_second"),
                   numpy_helper.from_array(np.array([BIG], dtype=np.int64), "to_end")])


def constant_outputs(probabilities: list[float]) -> onnx.ModelProto:
    """A classifier whose every row gets ``probabilities`` (NaN, negative, summing to 5...: what no model Kuai wrote
    returns) and the label 0."""
    nodes = [helper.make_node("Shape", ["c00000"], ["shape"]),
             helper.make_node("Slice", ["shape", "start", "end"], ["n_rows"]),
             helper.make_node("Concat", ["n_rows", "one"], ["tile_shape"], axis=0),
             helper.make_node("Tile", ["row", "tile_shape"], ["probabilities"]),
             helper.make_node("ConstantOfShape", ["n_rows"], ["label"],
                              value=helper.make_tensor("zero", TensorProto.INT64, [1], [0]))]
    return _model(nodes, [helper.make_tensor_value_info("label", TensorProto.INT64, [None]),
                          helper.make_tensor_value_info("probabilities", TensorProto.FLOAT,
                                                        [None, len(probabilities)])],
                  [numpy_helper.from_array(np.array([probabilities], dtype=np.float32), "row"),
                   numpy_helper.from_array(np.array([0], dtype=np.int64), "start"),
                   numpy_helper.from_array(np.array([1], dtype=np.int64), "end"),
                   numpy_helper.from_array(np.array([1], dtype=np.int64), "one")])


def classifier(width: int | None = 2) -> onnx.ModelProto:
    """Two classes: probabilities = softmax([x, -x]), label = their argmax; ``width`` is the declared number of
    probability columns (None: left free, as the graph does not say)."""
    nodes = [*_x(), helper.make_node("Neg", ["x"], ["negated"]),
             helper.make_node("Concat", ["x", "negated"], ["scores"], axis=1),
             helper.make_node("Softmax", ["scores"], ["probabilities"], axis=1),
             helper.make_node("ArgMax", ["probabilities"], ["label"], axis=1, keepdims=0)]
    return _model(nodes, [helper.make_tensor_value_info("label", TensorProto.INT64, [None]),
                          helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, width])],
                  [X_ZERO])


def endless_loop(*, only_when_positive: bool) -> onnx.ModelProto:
    """variable = x (0 if missing) + (a Loop of 10^15 steps adding 1); the steps run whatever the input is, or
    only if some x is above 0 (so that a row of missing values passes)."""
    body = helper.make_graph(
        [helper.make_node("Add", ["total_in", "one"], ["total_out"]),
         helper.make_node("Identity", ["go_in"], ["go_out"])], "step",
        [helper.make_tensor_value_info("i", TensorProto.INT64, []),
         helper.make_tensor_value_info("go_in", TensorProto.BOOL, []),
         helper.make_tensor_value_info("total_in", TensorProto.FLOAT, None)],
        [helper.make_tensor_value_info("go_out", TensorProto.BOOL, []),
         helper.make_tensor_value_info("total_out", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(np.array(1.0, dtype=np.float32), "one")])
    nodes = [helper.make_node("Greater", ["c00000", "zero"], ["positive"]),
             helper.make_node("Cast", ["positive"], ["positive_count"], to=TensorProto.INT64),
             helper.make_node("ReduceMax", ["positive_count"], ["any_positive"], keepdims=0),
             helper.make_node("Mul", ["any_positive", "big"], ["steps"]) if only_when_positive
             else helper.make_node("Identity", ["big"], ["steps"]),
             *_x(), helper.make_node("Loop", ["steps", "true", "x"], ["variable"], body=body)]
    return _model(nodes, [helper.make_tensor_value_info("variable", TensorProto.FLOAT, [None, 1])],
                  [numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero"),
                   numpy_helper.from_array(np.array(BIG, dtype=np.int64), "big"),
                   numpy_helper.from_array(np.array(True), "true"), X_ZERO])


def unbounded_allocation() -> onnx.ModelProto:
    """variable: a tensor of 10^10 x N floats (40 GB a row), shaped from the input so that nothing folds it away."""
    nodes = [helper.make_node("Shape", ["c00000"], ["shape"]),
             helper.make_node("Mul", ["shape", "huge"], ["big_shape"]),
             helper.make_node("ConstantOfShape", ["big_shape"], ["variable"],
                              value=helper.make_tensor("fill", TensorProto.FLOAT, [1], [1.0]))]
    return _model(nodes, [helper.make_tensor_value_info("variable", TensorProto.FLOAT, None)],
                  [numpy_helper.from_array(np.array([10**10, 1], dtype=np.int64), "huge")])
