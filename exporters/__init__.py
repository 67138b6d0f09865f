"""Exporters: fitted engine models to portable formats, and checks that they score alike.

Only this package imports ``skl2onnx`` and ``onnxmltools``; it may import from
``engine`` but ``engine`` never imports it.
"""

from exporters.errors import ExporterError, ExportError
from exporters.onnx_export import TARGET_OPSET, OnnxScorer, onnx_feeds, register_converters, to_onnx_model
from exporters.parity import ParityReport, check_parity

__all__ = [
    "TARGET_OPSET",
    "ExportError",
    "ExporterError",
    "OnnxScorer",
    "ParityReport",
    "check_parity",
    "onnx_feeds",
    "register_converters",
    "to_onnx_model",
]
