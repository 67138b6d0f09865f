"""What ``exporters`` exports: read by ``lazy_loader`` at run time (each name is imported on first use) and by type
checkers. Add a name here, not in ``__init__.py``."""

from .bundle import BUNDLE_EXAMPLE_FILES, render_readme, write_bundle_examples, write_readme
from .card_schema import CardLatency, CardLimits, CardMetric, CardModel, CardParity, ModelCard
from .errors import ExporterError, ExportError
from .latency import measure_latency
from .model_card import build_model_card, explanation_entries, library_versions
from .onnx_export import (
    TARGET_OPSET,
    OnnxScorer,
    load_onnx,
    onnx_feeds,
    register_converters,
    split_outputs,
    to_onnx_model,
)
from .parity import ParityReport, check_parity
from .report import EVALUATION_FILE, REPORT_FILE, write_report
from .threshold import (
    THRESHOLD_FILE,
    THRESHOLD_METADATA_KEY,
    decision_threshold_entry,
    load_threshold,
    recorded_threshold,
    save_threshold,
    set_onnx_threshold,
    sync_threshold,
)
from .threshold_text import format_threshold, threshold_origin

__all__ = [
    "BUNDLE_EXAMPLE_FILES",
    "CardLatency",
    "CardLimits",
    "CardMetric",
    "CardModel",
    "CardParity",
    "ModelCard",
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
