"""skl2onnx converters for the engine's stacked models (``kuai.engine.select.stacking``), as one graph.

Each base model (a soft-voting blend of its fold pipelines) reads the raw inputs; its output
(binary: the positive class's probability; multiclass: every class's; regression: the value)
is concatenated after each top fold model's preprocessed columns, as in Python; the top fold
models' outputs are averaged. Sub-models are parsed inside the converter, as skl2onnx's own
pipeline converter does, so every family keeps its registered converter.
"""

from __future__ import annotations

from typing import Any

__all__ = ["register_stack_converters"]


def register_stack_converters() -> None:
    from skl2onnx import update_registered_converter

    from kuai.engine.select.stacking import StackedClassifier, StackedRegressor

    update_registered_converter(StackedClassifier, "KuaiStackedClassifier", _shapes, _convert,
                                parser=_parse_classifier, options={"zipmap": [False], "nocl": [False]})
    update_registered_converter(StackedRegressor, "KuaiStackedRegressor", _shapes, _convert, parser=_parse_regressor)


def _parse_classifier(scope: Any, model: Any, inputs: list[Any], custom_parsers: Any = None) -> list[Any]:
    from skl2onnx.common.data_types import FloatTensorType, Int64TensorType

    operator = scope.declare_local_operator("KuaiStackedClassifier", model)
    operator.inputs = inputs
    operator.outputs.append(scope.declare_local_variable("label", Int64TensorType()))
    operator.outputs.append(scope.declare_local_variable("probabilities", FloatTensorType()))
    return list(operator.outputs)


def _parse_regressor(scope: Any, model: Any, inputs: list[Any], custom_parsers: Any = None) -> list[Any]:
    from skl2onnx.common.data_types import FloatTensorType

    operator = scope.declare_local_operator("KuaiStackedRegressor", model)
    operator.inputs = inputs
    operator.outputs.append(scope.declare_local_variable("variable", FloatTensorType()))
    return list(operator.outputs)


def _shapes(operator: Any) -> None:
    from skl2onnx.common.data_types import FloatTensorType, Int64TensorType

    model = operator.raw_operator
    if hasattr(model, "classes_"):
        operator.outputs[0].type = Int64TensorType([None])
        operator.outputs[1].type = FloatTensorType([None, len(model.classes_)])
    else:
        operator.outputs[0].type = FloatTensorType([None, 1])


def _convert(scope: Any, operator: Any, container: Any) -> None:
    from onnx import TensorProto
    from skl2onnx._parse import _parse_sklearn
    from skl2onnx.common._apply_operation import apply_concat
    from skl2onnx.common.data_types import FloatTensorType

    model = operator.raw_operator
    classifier = hasattr(model, "classes_")
    binary = classifier and len(model.classes_) == 2
    inputs = list(operator.inputs)
    grid = scope.get_unique_variable_name("stack_grid")
    container.add_initializer(grid, TensorProto.FLOAT, [], [float(model.grid_)])
    positive = scope.get_unique_variable_name("stack_positive_column")
    container.add_initializer(positive, TensorProto.INT64, [1], [1])

    features: list[str] = []
    for _, base in model.base_:
        _without_zipmap(scope, container, base)
        outputs = _parse_sklearn(scope, base, inputs)
        output = (outputs[1] if classifier else outputs[0]).onnx_name
        if binary:  # the positive class's probability, [N, 1]
            column = scope.get_unique_variable_name("stack_base_positive")
            container.add_node("ArrayFeatureExtractor", [output, positive], column, op_domain="ai.onnx.ml",
                               name=scope.get_unique_operator_name("StackBasePositive"))
            output = column
        features.append(_rounded(scope, container, output, grid))

    results: list[str] = []
    for prep, top in model.top_:
        prepared = _parse_sklearn(scope, prep, inputs)
        stacked = scope.declare_local_variable("stack_inputs", FloatTensorType([None, int(top.n_features_in_)]))
        apply_concat(scope, [prepared[0].onnx_name, *features], stacked.onnx_name, container, axis=1)
        _without_zipmap(scope, container, top)
        outputs = _parse_sklearn(scope, top, [stacked])
        results.append((outputs[1] if classifier else outputs[0]).onnx_name)

    total = scope.get_unique_variable_name("stack_sum")
    container.add_node("Sum", results, total, name=scope.get_unique_operator_name("StackSum"))
    share = scope.get_unique_variable_name("stack_share")
    container.add_initializer(share, TensorProto.FLOAT, [], [1.0 / len(results)])
    averaged = operator.outputs[1].onnx_name if classifier else operator.outputs[0].onnx_name
    container.add_node("Mul", [total, share], averaged, name=scope.get_unique_operator_name("StackMean"))
    if classifier:  # the engine's classes are 0..K-1: the label is the most probable column
        container.add_node("ArgMax", [averaged], operator.outputs[0].onnx_name, axis=1, keepdims=0,
                           name=scope.get_unique_operator_name("StackLabel"))


def _rounded(scope: Any, container: Any, name: str, grid: str) -> str:
    """``round(x / grid) * grid`` in float32, as ``kuai.engine.select.stacking.base_features`` rounds (half to even)."""
    steps = scope.get_unique_variable_name("stack_steps")
    container.add_node("Div", [name, grid], steps, name=scope.get_unique_operator_name("StackGridDiv"))
    whole = scope.get_unique_variable_name("stack_whole_steps")
    container.add_node("Round", [steps], whole, name=scope.get_unique_operator_name("StackGridRound"))
    rounded = scope.get_unique_variable_name("stack_rounded")
    container.add_node("Mul", [whole, grid], rounded, name=scope.get_unique_operator_name("StackGridMul"))
    return rounded


def _without_zipmap(scope: Any, container: Any, model: Any) -> None:
    if hasattr(model, "classes_") or hasattr(model, "predict_proba"):
        scope.add_options(id(model), options={"zipmap": False})
        container.add_options(id(model), options={"zipmap": False})
