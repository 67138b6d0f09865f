"""Exporters: fitted engine models to portable formats, and checks that they score alike.

Only this package imports ``skl2onnx`` and ``onnxmltools``; it may import from
``engine`` but ``engine`` never imports it.
"""

from exporters.bundle import BUNDLE_EXAMPLE_FILES, render_readme, write_bundle_examples, write_readme
from exporters.errors import ExporterError, ExportError
from exporters.latency import measure_latency
from exporters.model_card import build_model_card, explanation_entries, library_versions
from exporters.onnx_export import (
    TARGET_OPSET,
    OnnxScorer,
    load_onnx,
    onnx_feeds,
    register_converters,
    split_outputs,
    to_onnx_model,
)
from exporters.parity import ParityReport, check_parity
from exporters.report import EVALUATION_FILE, REPORT_FILE, write_report
from exporters.threshold import (
    THRESHOLD_FILE,
    THRESHOLD_METADATA_KEY,
    decision_threshold_entry,
    load_threshold,
    recorded_threshold,
    save_threshold,
    set_onnx_threshold,
    sync_threshold,
)
from exporters.threshold_text import format_threshold, threshold_origin

__all__ = [
    "BUNDLE_EXAMPLE_FILES",
    "EVALUATION_FILE",
    "REPORT_FILE",
    "TARGET_OPSET",
    "THRESHOLD_FILE",
    "THRESHOLD_METADATA_KEY",
    "ExportError",
    "ExporterError",
    "OnnxScorer",
    "ParityReport",
    "build_model_card",
    "check_parity",
    "decision_threshold_entry",
    "explanation_entries",
    "format_threshold",
    "library_versions",
    "load_onnx",
    "load_threshold",
    "measure_latency",
    "onnx_feeds",
    "recorded_threshold",
    "register_converters",
    "render_readme",
    "save_threshold",
    "set_onnx_threshold",
    "sync_threshold",
    "threshold_origin",
    "split_outputs",
    "to_onnx_model",
    "write_bundle_examples",
    "write_readme",
    "write_report",
]
