"""Fitted engine pipelines to self-contained ONNX graphs, and an ONNX Runtime scorer for them.

The graph takes one ``[N, 1]`` input per model input name (float32 for numbers
and date parts, string for categories) and holds the whole pipeline: imputing,
scaling, encoding and the model. Classifiers output ``label`` (int64 ``[N]``)
and ``probabilities`` (float32 ``[N, K]``); regressors output ``variable``
(float32 ``[N, 1]``).

Tree ensembles are written with ai.onnx.ml opset 5's ``TreeEnsemble`` when every tree node of the
model can be rewritten exactly (``_tree_opset5``), else with opset 3's tree operators.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import onnx
import pandas as pd

from kuai.engine.models import text
from kuai.engine.types import InputColumn, TaskType
from kuai.exporters._binary_labels import label_by_log_odds
from kuai.exporters._compact_trees import compact_tree_nodes
from kuai.exporters._converters import register_converters
from kuai.exporters.errors import ExportError
from kuai.exporters.onnx_session import load_onnx, new_session
from kuai.exporters.onnx_session import refuse_external_data as _refuse_external_data

TARGET_OPSET: dict[str, int] = {"": 17, "ai.onnx.ml": 3}
CLASSIFIER_OUTPUTS = ("label", "probabilities")
REGRESSOR_OUTPUTS = ("variable",)

__all__ = ["TARGET_OPSET", "OnnxScorer", "load_onnx", "onnx_feeds", "register_converters", "split_outputs",
           "to_onnx_model"]


def to_onnx_model(
    estimator: Any, schema: tuple[InputColumn, ...], task: TaskType
) -> onnx.ModelProto:
    """Convert a fitted engine estimator (pipeline or voting ensemble) to one ONNX graph."""
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType
    from sklearn.exceptions import NotFittedError
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.utils.validation import check_is_fitted

    register_converters()
    try:
        check_is_fitted(estimator)
    except (NotFittedError, TypeError) as error:
        raise ExportError(f"The {type(estimator).__name__} model is not fitted: {error}",
                          code="NOT_FITTED") from error
    initial_types = [
        (name, StringTensorType([None, 1]) if column.is_string else FloatTensorType([None, 1]))
        for column in schema for name in column.model_inputs
    ]
    options: dict[Any, dict[str, Any]] = {TfidfVectorizer: {"tokenexp": text.ONNX_TOKEN_PATTERN},  # text columns
                                          text.CharGrams: {"tokenexp": text.ONNX_CHAR_PATTERN}}
    if task.is_classification:
        options[id(estimator)] = {"zipmap": False}
    try:
        with compact_tree_nodes() as trees:  # one in-memory copy of each tree node, not one per assembly step
            model = convert_sklearn(estimator, initial_types=initial_types, options=options,
                                    target_opset=dict(TARGET_OPSET))
            trees.restore(model, opset5=True)  # opset 5's trees: a third of the file, half the session
        _pad_beyond_characters(model.graph)
        label_by_log_odds(model.graph)  # a booster without a split is labelled as its probability says
    except Exception as error:  # skl2onnx raises many types; name the model in one readable error
        raise ExportError(
            f"Could not convert {_describe(estimator)} to ONNX: {type(error).__name__}: "
            f"{_shorten(str(error))}",
            code="UNSUPPORTED_MODEL",
        ) from error
    expected = CLASSIFIER_OUTPUTS if task.is_classification else REGRESSOR_OUTPUTS
    outputs = tuple(output.name for output in model.graph.output)
    if outputs != expected:
        raise ExportError(f"The ONNX graph outputs {list(outputs)}, expected {list(expected)} for "
                          f"a {task} model: is this the right task?", code="BAD_OUTPUTS")
    _refuse_external_data(model)
    _drop_unused_initializers(model.graph)
    model.doc_string = f"Kuai {task} model: {_describe(estimator)}"
    return model


def onnx_feeds(model_frame: pd.DataFrame, schema: tuple[InputColumn, ...]) -> dict[str, np.ndarray]:
    """The model frame as ONNX Runtime feeds: one ``[N, 1]`` float32 or str array per input."""
    types = {name: column.is_string for column in schema for name in column.model_inputs}
    return _feeds(model_frame, types)


class OnnxScorer:
    """An ONNX Runtime session over a self-contained model (bytes, path or ``ModelProto``)."""

    def __init__(self, model: bytes | str | os.PathLike[str] | onnx.ModelProto) -> None:
        self.session = new_session(model)
        self.metadata: dict[str, str] = dict(self.session.get_modelmeta().custom_metadata_map)  # metadata_props
        self.input_names = tuple(i.name for i in self.session.get_inputs())
        self.output_names = tuple(o.name for o in self.session.get_outputs())
        self._string_inputs = {
            i.name: i.type == "tensor(string)" for i in self.session.get_inputs()
        }

    @property
    def is_classifier(self) -> bool:
        return "probabilities" in self.output_names

    def feeds_from_frame(self, model_frame: pd.DataFrame) -> dict[str, np.ndarray]:
        """Feeds for this model's inputs, typed from the graph itself (no schema needed)."""
        return _feeds(model_frame, self._string_inputs)

    def predict(self, feeds: Mapping[str, np.ndarray]) -> tuple[np.ndarray | None, np.ndarray]:
        """``(labels [N], probabilities [N, K])`` for classifiers, else ``(None, values [N])``."""
        missing = [name for name in self.input_names if name not in feeds]
        if missing:
            raise ExportError(f"Missing model input(s): {', '.join(missing[:10])}.",
                              code="MISSING_INPUT")
        run_feeds = {name: feeds[name] for name in self.input_names}
        try:
            results = dict(zip(self.output_names, self.session.run(None, run_feeds), strict=True))
        except Exception as error:
            raise ExportError(f"ONNX Runtime failed to score: {error}",
                              code="SCORING_FAILED") from error
        return split_outputs(results)


def split_outputs(results: Mapping[str, np.ndarray]) -> tuple[np.ndarray | None, np.ndarray]:
    """A graph's outputs by name (in graph order) as ``(labels [N], probabilities [N, K])`` for a classifier (it
    has ``probabilities``), else ``(None, values [N])`` from its first output."""
    if "probabilities" in results:
        labels = results.get("label")
        return (np.asarray(labels).ravel() if labels is not None else None), np.asarray(results["probabilities"])
    return None, np.asarray(next(iter(results.values()))).ravel()


def _feeds(model_frame: pd.DataFrame, string_inputs: Mapping[str, bool]) -> dict[str, np.ndarray]:
    missing = [name for name in string_inputs if name not in model_frame.columns]
    if missing:
        raise ExportError(f"The model frame lacks input column(s): {', '.join(missing[:10])}.",
                          code="MISSING_INPUT")
    dtypes = dict(zip(model_frame.columns, model_frame.dtypes, strict=True))
    stored = [name for name, is_string in string_inputs.items()  # numbers already: converted in one block
              if not is_string and isinstance(dtypes[name], np.dtype) and dtypes[name].kind in "iuf"]
    block = np.ascontiguousarray(model_frame[stored].to_numpy(dtype=np.float32).T) if stored else None
    feeds: dict[str, np.ndarray] = {name: block[j].reshape(-1, 1) for j, name in enumerate(stored)} \
        if block is not None else {}
    for name, is_string in string_inputs.items():
        if name in feeds:
            continue
        series = model_frame[name]
        if is_string:
            values = [v if isinstance(v, str) else ("" if pd.isna(v) else str(v)) for v in series]
            feeds[name] = np.array(values, dtype=object).reshape(-1, 1)
        else:
            numbers = pd.to_numeric(series, errors="coerce")
            feeds[name] = numbers.to_numpy(dtype=np.float32, na_value=np.nan).reshape(-1, 1)
    return {name: feeds[name] for name in string_inputs}


def _pad_beyond_characters(graph: onnx.GraphProto) -> None:
    """A character tokenizer's padding is longer than one character, so no gram counts it. skl2onnx pads with '#'
    unless '#' is a term, but a character gram's terms are three characters long: '#' was never one, and the
    padding after a text ending 's👎' matched the gram 's👎#' of a tweet that ended 's👎 #tag' (a blind test)."""
    for node in graph.node:
        if node.op_type == "Tokenizer" and any(
                a.name == "tokenexp" and a.s.decode() == text.ONNX_CHAR_PATTERN for a in node.attribute):
            for attribute in node.attribute:
                if attribute.name == "pad_value":
                    attribute.s = text.CHAR_PAD.encode()


def _drop_unused_initializers(graph: onnx.GraphProto) -> None:
    """skl2onnx leaves some constants unused (e.g. the voting classifier's ``classes_ind``)."""
    used = {name for node in graph.node for name in _node_inputs(node)}
    used |= {output.name for output in graph.output}
    unused = [t for t in graph.initializer if t.name not in used]
    for tensor in unused:
        graph.initializer.remove(tensor)


def _node_inputs(node: onnx.NodeProto) -> Iterator[str]:
    """A node's inputs, including names its subgraphs read from the enclosing scope."""
    yield from node.input
    for attribute in node.attribute:
        for subgraph in [attribute.g] if attribute.HasField("g") else list(attribute.graphs):
            for inner in subgraph.node:
                yield from _node_inputs(inner)


def _shorten(text: str, limit: int = 400) -> str:
    """Converter errors can dump whole attribute tables; keep the first line, bounded."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= limit else first[: limit - 3] + "..."


def _describe(estimator: Any) -> str:
    """``Pipeline(LGBMClassifier)`` or ``VotingClassifier(Pipeline(...), ...)`` for messages."""
    steps = getattr(estimator, "steps", None)
    if steps:
        return f"{type(estimator).__name__}({type(steps[-1][1]).__name__})"
    members = getattr(estimator, "estimators", None)
    if members:
        return f"{type(estimator).__name__}({', '.join(_describe(m) for _, m in members)})"
    return type(estimator).__name__
