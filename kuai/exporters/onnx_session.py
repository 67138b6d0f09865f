"""An ONNX Runtime session over a self-contained model: the one place Kuai opens a model file.

Kept free of pandas, scikit-learn and the engine (``onnx`` itself is imported only when needed): the scoring
sandbox (``kuai.app.processes.scoring_sandbox``) imports this module alone (``kuai.exporters`` imports nothing when
imported), so that its fresh interpreter starts in well under a second.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kuai.exporters.errors import ExportError

if TYPE_CHECKING:
    import onnx

SILENT_LOG_SEVERITY = 4  # fatal only: ONNX Runtime's errors reach the caller as exceptions, never as log lines


def new_session(model: bytes | str | os.PathLike[str] | onnx.ModelProto) -> Any:
    """An ``onnxruntime.InferenceSession`` on one thread, silent, ONNX format only; ``INVALID_MODEL`` if ONNX
    Runtime refuses the model, ``EXTERNAL_DATA`` if it references tensors stored outside it."""
    import onnxruntime as ort

    serialized = self_contained(model)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = SILENT_LOG_SEVERITY
    options.add_session_config_entry("session.load_model_format", "ONNX")  # never the ORT format: unchecked
    try:
        return ort.InferenceSession(serialized, options, providers=["CPUExecutionProvider"])
    except Exception as error:
        raise ExportError(f"ONNX Runtime cannot load the model: {error}", code="INVALID_MODEL") from error


def silence_onnxruntime() -> None:
    """ONNX Runtime's process-wide logger (allocation failures, for one) writes nothing to stderr."""
    import onnxruntime as ort

    ort.set_default_logger_severity(SILENT_LOG_SEVERITY)


def load_onnx(model: bytes | str | os.PathLike[str] | onnx.ModelProto) -> onnx.ModelProto:
    """The model as a ``ModelProto`` (external data is not loaded); ``INVALID_MODEL`` if it is not ONNX."""
    import onnx

    if isinstance(model, onnx.ModelProto):
        return model
    try:
        if isinstance(model, (bytes, bytearray)):
            return onnx.load_from_string(bytes(model))
        return onnx.load(str(Path(model)), load_external_data=False)
    except Exception as error:
        raise ExportError(f"Not a readable ONNX model: {error}", code="INVALID_MODEL") from error


def self_contained(model: bytes | str | os.PathLike[str] | onnx.ModelProto) -> bytes:
    """The model serialized; ``EXTERNAL_DATA`` if it references tensors stored outside it.

    Parsed in Python, a large tree model takes about six times its size, more than ONNX Runtime's session beside
    it. Every external tensor names its file under the key ``location`` (ONNX Runtime refuses one that does not),
    so bytes that never spell it cannot reference external data: only the others are parsed to be checked.
    """
    if not isinstance(model, (bytes, bytearray, str, os.PathLike)):  # a ModelProto
        refuse_external_data(model)
        return bytes(model.SerializeToString())
    try:
        serialized = bytes(model) if isinstance(model, (bytes, bytearray)) else Path(model).read_bytes()
    except OSError as error:
        raise ExportError(f"Not a readable ONNX model: {error}", code="INVALID_MODEL") from error
    if b"location" in serialized:
        refuse_external_data(load_onnx(serialized))
    return serialized


def refuse_external_data(model: onnx.ModelProto) -> None:
    """A deployable model is one file: refuse tensors stored outside it."""
    import onnx

    external = [t.name or "(unnamed)" for t in tensors(model) if t.data_location == onnx.TensorProto.EXTERNAL]
    if external:
        raise ExportError(f"The model references external data for {len(external)} tensor(s) "
                          f"({', '.join(external[:5])}); only self-contained models are accepted.",
                          code="EXTERNAL_DATA")


def tensors(model: onnx.ModelProto) -> Iterator[onnx.TensorProto]:
    """Every tensor of the model: initializers, sparse ones, node attributes, in subgraphs and functions too."""
    graphs: list[onnx.GraphProto] = [model.graph]
    nodes = [n for f in model.functions for n in f.node]
    while graphs or nodes:
        if graphs:
            graph = graphs.pop()
            yield from graph.initializer
            yield from (s.values for s in graph.sparse_initializer)
            yield from (s.indices for s in graph.sparse_initializer)
            nodes.extend(graph.node)
            continue
        for attribute in nodes.pop().attribute:
            if attribute.HasField("t"):
                yield attribute.t
            yield from attribute.tensors
            for sparse in [*([attribute.sparse_tensor] if attribute.HasField("sparse_tensor") else []),
                           *attribute.sparse_tensors]:
                yield from (sparse.values, sparse.indices)
            if attribute.HasField("g"):
                graphs.append(attribute.g)
            graphs.extend(attribute.graphs)
