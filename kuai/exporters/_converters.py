"""skl2onnx converters for the third-party boosters the engine uses: LightGBM, CatBoost and XGBoost (onnxmltools'
converter).

LightGBM's boosters are converted as onnxmltools does, from LightGBM's text model (``_lightgbm_converter``;
onnxmltools' converter for the rest); CatBoost exports its own ONNX graph
(one ``TreeEnsembleClassifier``/``TreeEnsembleRegressor`` node, plus a ``ZipMap``
for classifiers) and we copy that tree node into the skl2onnx graph, so the
booster sits behind the same preprocessing nodes as every other family.

skl2onnx's own HistGradientBoosting converter is re-registered behind a thin
wrapper: it emits Python ``bool`` values inside integer-list attributes
(``nodes_missing_value_tracks_true``), which current protobuf refuses.

Converters are found by estimator class: each model family lists the classes it builds
(``ModelFamily.estimators``), and ``unconvertible_estimators`` names those skl2onnx has no converter for. A new
family whose estimators skl2onnx converts already needs nothing here; another registers its converter below.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from onnx import ModelProto, NodeProto, TensorProto

from kuai.exporters._compact_trees import compacting
from kuai.exporters._forest_converter import fast_forest
from kuai.exporters._lightgbm_converter import convert_lightgbm_fast
from kuai.exporters._stack_onnx import register_stack_converters
from kuai.exporters._tree_opset5 import TREE_OPS
from kuai.exporters._wide_inputs import install as install_wide_inputs

_lock = threading.Lock()
_registered = False

CLASSIFIER_OPTIONS: dict[str, list[Any]] = {
    "nocl": [True, False], "zipmap": [True, False, "columns"],
}


def register_converters() -> None:
    """Register the LightGBM, CatBoost and XGBoost converters, and ours, with skl2onnx (safe to call many times)."""
    global _registered
    with _lock:
        if _registered:
            return
        from catboost import CatBoostClassifier, CatBoostRegressor
        from lightgbm import LGBMClassifier, LGBMRegressor
        from skl2onnx import update_registered_converter
        from skl2onnx.common.shape_calculator import (
            calculate_linear_classifier_output_shapes,
            calculate_linear_regressor_output_shapes,
        )

        _ensure_sklearn_tags(CatBoostClassifier, "classifier")
        _ensure_sklearn_tags(CatBoostRegressor, "regressor")
        classifier_shapes = calculate_linear_classifier_output_shapes
        regressor_shapes = calculate_linear_regressor_output_shapes
        update_registered_converter(
            LGBMClassifier, "LightGbmLGBMClassifier", classifier_shapes, compacting(_convert_lightgbm),
            options=dict(CLASSIFIER_OPTIONS),
        )
        update_registered_converter(
            LGBMRegressor, "LightGbmLGBMRegressor", regressor_shapes, compacting(_convert_lightgbm),
            options={"split": None},
        )
        update_registered_converter(
            CatBoostClassifier, "CatBoostCatBoostClassifier", classifier_shapes, compacting(_convert_catboost),
            parser=_parse_catboost_classifier, options=dict(CLASSIFIER_OPTIONS),
        )
        update_registered_converter(
            CatBoostRegressor, "CatBoostCatBoostRegressor", regressor_shapes, compacting(_convert_catboost),
        )
        _register_xgboost(classifier_shapes, regressor_shapes)
        _register_hist_gradient_boosting()
        _register_forests()
        _register_char_grams()
        register_stack_converters()
        install_wide_inputs()  # models over thousands of inputs: linear walks, not quadratic
        _registered = True


def converter_alias(cls: type) -> str | None:
    """The name skl2onnx knows this estimator class by, if it has a converter for it (after ``register_converters``)."""
    from skl2onnx._supported_operators import sklearn_operator_name_map
    from skl2onnx.common._registration import get_converter

    register_converters()
    alias = sklearn_operator_name_map.get(cls)
    if alias is None:
        return None
    try:
        get_converter(alias)
    except ValueError:
        return None
    return str(alias)


def unconvertible_estimators() -> list[str]:
    """The registered families' estimator classes that skl2onnx cannot convert ('family: module.Class')."""
    from kuai.engine import FAMILIES

    return [f"{family.name}: {cls.__module__}.{cls.__name__}" for family in FAMILIES.values()
            for cls in family.estimator_classes() if converter_alias(cls) is None]


def _register_char_grams() -> None:
    """A text column's character grams (``kuai.engine.models.text.CharGrams``, a ``TfidfVectorizer``) by skl2onnx's
    own vectorizer converter: its Tokenizer splits the text into characters (the option ``tokenexp``,
    ``ONNX_CHAR_PATTERN``, given by ``onnx_export``) and its TfIdfVectorizer counts their runs of three."""
    from skl2onnx import update_registered_converter
    from skl2onnx.common._registration import get_converter, get_shape_calculator
    from skl2onnx.operator_converters.tfidf_vectoriser import convert_sklearn_tfidf_vectoriser

    from kuai.engine.models.text import CharGrams

    alias = "SklearnTfidfVectorizer"
    update_registered_converter(CharGrams, "KuaiCharGrams", get_shape_calculator(alias),
                                convert_sklearn_tfidf_vectoriser, options=get_converter(alias).get_allowed_options())


def _register_xgboost(classifier_shapes: Any, regressor_shapes: Any) -> None:
    """XGBoost's boosters through onnxmltools' converter (it writes every tree of the booster: the family keeps only
    the best round's, ``kuai.engine.models.xgboost_family``)."""
    from onnxmltools.convert.xgboost.operator_converters.XGBoost import convert_xgboost
    from skl2onnx import update_registered_converter
    from xgboost import XGBClassifier, XGBRegressor

    update_registered_converter(XGBClassifier, "XGBoostXGBClassifier", classifier_shapes,
                                compacting(convert_xgboost), options=dict(CLASSIFIER_OPTIONS))
    update_registered_converter(XGBRegressor, "XGBoostXGBRegressor", regressor_shapes, compacting(convert_xgboost))


def _register_hist_gradient_boosting() -> None:
    """Re-register skl2onnx's HistGradientBoosting converters with integer-clean attributes."""
    from skl2onnx import update_registered_converter
    from skl2onnx.common._registration import get_converter, get_shape_calculator
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    for cls in (HistGradientBoostingClassifier, HistGradientBoostingRegressor):
        alias = f"Sklearn{cls.__name__}"
        original = get_converter(alias)
        update_registered_converter(
            cls, alias, get_shape_calculator(alias), compacting(_with_clean_attributes(original)),
            options=original.get_allowed_options(),
        )


def _register_forests() -> None:
    """Re-register skl2onnx's forest converters computed with numpy (``_forest_converter``), their tree nodes waiting
    serialized (``_compact_trees``)."""
    from skl2onnx import update_registered_converter
    from skl2onnx.common._registration import get_converter, get_shape_calculator
    from sklearn.ensemble import (
        ExtraTreesClassifier,
        ExtraTreesRegressor,
        RandomForestClassifier,
        RandomForestRegressor,
    )

    for cls in (RandomForestClassifier, RandomForestRegressor, ExtraTreesClassifier, ExtraTreesRegressor):
        alias = f"Sklearn{cls.__name__}"
        original = get_converter(alias)
        update_registered_converter(cls, alias, get_shape_calculator(alias), compacting(fast_forest(original)),
                                    options=original.get_allowed_options())


def _with_clean_attributes(convert: Any) -> Any:
    """Wrap a converter so list attributes hold plain ints and floats (no bools, numpy scalars)."""

    def converter(scope: Any, operator: Any, container: Any) -> None:
        convert(scope, operator, _CleanAttributes(container))

    return converter


class _CleanAttributes:
    """Container proxy whose ``add_node`` casts list attributes to plain Python numbers."""

    def __init__(self, container: Any) -> None:
        self._container = container

    def __getattr__(self, name: str) -> Any:
        return getattr(self._container, name)

    def add_node(self, *args: Any, **attrs: Any) -> Any:
        cleaned = {k: [_plain(v) for v in value] if isinstance(value, (list, tuple)) else value
                   for k, value in attrs.items()}
        return self._container.add_node(*args, **cleaned)


def _plain(value: Any) -> Any:
    if isinstance(value, (bool, np.bool_, np.integer)):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def _ensure_sklearn_tags(cls: type, estimator_type: str) -> None:
    """Give CatBoost ``__sklearn_tags__`` if a release lacks them (scikit-learn >= 1.6 uses them).

    Current CatBoost releases define the method, in which case nothing changes.
    """
    if any("__sklearn_tags__" in vars(klass) for klass in cls.__mro__[:-1]):
        return
    from sklearn.utils import ClassifierTags, RegressorTags, Tags, TargetTags

    def __sklearn_tags__(self: Any) -> Tags:
        return Tags(
            estimator_type=estimator_type,
            target_tags=TargetTags(required=True),
            classifier_tags=ClassifierTags() if estimator_type == "classifier" else None,
            regressor_tags=RegressorTags() if estimator_type == "regressor" else None,
        )

    cls.__sklearn_tags__ = __sklearn_tags__  # type: ignore[attr-defined]


def _convert_lightgbm(scope: Any, operator: Any, container: Any) -> None:
    """The boosters the engine fits as onnxmltools converts them, read from LightGBM's text model
    (``_lightgbm_converter``); anything else by onnxmltools' converter, the regressor's ``split`` option passed
    through."""
    options = scope.get_options(operator.raw_operator)
    operator.split = options.get("split")
    if convert_lightgbm_fast(scope, operator, container):
        return
    from onnxmltools.convert.lightgbm.operator_converters.LightGbm import convert_lightgbm

    first = len(container.nodes)
    convert_lightgbm(scope, operator, container)
    _round_thresholds_down(container.nodes[first:], _double_thresholds(operator.raw_operator))


def _double_thresholds(model: Any) -> dict[float, float]:
    """LightGBM's numeric split thresholds (doubles, as it compares), by their nearest float32 value."""
    found: dict[float, float] = {}
    pending = [tree["tree_structure"] for tree in model.booster_.dump_model()["tree_info"]]
    while pending:
        node = pending.pop()
        if "split_feature" not in node:
            continue
        if isinstance(node.get("threshold"), (int, float)):
            threshold = float(node["threshold"])
            key = float(np.float32(threshold))
            found[key] = min(found.get(key, threshold), threshold)
        pending.extend((node["left_child"], node["right_child"]))
    return found


def _round_thresholds_down(nodes: list[NodeProto], doubles: dict[float, float]) -> None:
    """Make the tree nodes' float32 thresholds decide as LightGBM's doubles do.

    LightGBM compares a float32 input, widened to double, with a double threshold; ONNX compares it with
    the threshold's nearest float32, which can lie above the double. An input equal to that float32 (a
    value on a grid whose midpoint is the threshold, as a bag's averaged probabilities can be) then goes
    left in ONNX and right in LightGBM. For a float32 ``x``, ``x <= t`` exactly when ``x`` is at most the
    largest float32 not above ``t``: that is the threshold written here."""
    for node in nodes:
        if node.op_type not in TREE_OPS:
            continue
        attributes = {a.name: a for a in node.attribute}
        values, modes = attributes.get("nodes_values"), attributes.get("nodes_modes")
        if values is None or modes is None:
            continue
        rounded = []
        for value, mode in zip(values.floats, modes.strings, strict=True):
            threshold = doubles.get(value)
            if mode == b"BRANCH_LEQ" and threshold is not None and value > threshold:
                value = float(np.nextafter(np.float32(value), np.float32(-np.inf)))
            rounded.append(value)
        del values.floats[:]
        values.floats.extend(rounded)


def _parse_catboost_classifier(
    scope: Any, model: Any, inputs: list[Any], custom_parsers: Any = None
) -> list[Any]:
    """Declare the two classifier outputs: label (int64 or string) and probabilities (float)."""
    from skl2onnx._parse import _apply_zipmap, _get_sklearn_operator_name
    from skl2onnx.common.data_types import Int64TensorType, StringTensorType, guess_tensor_type

    options = scope.get_options(model, dict(zipmap=True))
    operator = scope.declare_local_operator(_get_sklearn_operator_name(type(model)), model)
    operator.inputs = inputs
    integer_labels = np.issubdtype(np.asarray(model.classes_).dtype, np.integer)
    label_type = Int64TensorType() if integer_labels else StringTensorType()
    operator.outputs.append(scope.declare_local_variable("label", label_type))
    probability_type = guess_tensor_type(inputs[0].type)
    operator.outputs.append(scope.declare_local_variable("probabilities", probability_type))
    if isinstance(options["zipmap"], bool) and not options["zipmap"]:
        return list(operator.outputs)
    return list(_apply_zipmap(options["zipmap"], scope, model, inputs[0].type, operator.outputs))


def _convert_catboost(scope: Any, operator: Any, container: Any) -> None:
    """Copy the tree-ensemble node of CatBoost's own ONNX export into the skl2onnx graph."""
    from catboost.utils import convert_to_onnx_object

    exported: ModelProto = convert_to_onnx_object(operator.raw_operator)
    node = _tree_node(exported)
    # the double attributes go through numpy; the rest (node and leaf ids, modes) are copied message to message:
    # as Python lists, a large multiclass model's ids took ~20x its ONNX size in memory while converting
    doubles = {a.name: np.asarray(a.floats, dtype=np.float64) for a in node.attribute if a.name in _DOUBLE_ATTRIBUTES}
    others = [a for a in node.attribute if a.name not in _DOUBLE_ATTRIBUTES]
    as_double = scope.get_unique_variable_name("catboost_input_double")
    container.add_node("Cast", [operator.inputs[0].full_name], [as_double], to=TensorProto.DOUBLE,
                       name=scope.get_unique_operator_name("CatBoostCastDouble"))
    container.add_node(
        node.op_type,
        [as_double],
        [variable.full_name for variable in operator.outputs],
        op_domain="ai.onnx.ml",
        op_version=max(3, _ml_opset(exported)),
        name=scope.get_unique_operator_name("CatBoost" + node.op_type),
        **_double_precision(doubles),
    )
    container.nodes[-1].attribute.extend(others)


_DOUBLE_ATTRIBUTES = ("nodes_values", "target_weights", "class_weights", "base_values")


def _double_precision(attributes: dict[str, Any]) -> dict[str, Any]:
    """Thresholds, leaf values and base values as double tensors (ai.onnx.ml opset 3 ``*_as_tensor``).

    With a double input (the float32 features cast losslessly), ONNX Runtime then
    accumulates the leaves in double: with hundreds of trees a float32 sum drifts
    by more than 1e-5 from CatBoost's own double-precision sum.
    """
    from onnx import numpy_helper

    converted = dict(attributes)
    for name in _DOUBLE_ATTRIBUTES:
        if name in converted:
            values = np.asarray(converted.pop(name), dtype=np.float64)
            converted[f"{name}_as_tensor"] = numpy_helper.from_array(values, name=f"{name}_as_tensor")
    return converted


def _tree_node(model: ModelProto) -> NodeProto:
    nodes = [n for n in model.graph.node if n.op_type in TREE_OPS]
    if len(nodes) != 1:
        kinds = ", ".join(n.op_type for n in model.graph.node)
        raise RuntimeError(f"CatBoost's ONNX export holds nodes [{kinds}], not one tree ensemble.")
    return nodes[0]


def _ml_opset(model: ModelProto) -> int:
    return next((o.version for o in model.opset_import if o.domain == "ai.onnx.ml"), 1)
