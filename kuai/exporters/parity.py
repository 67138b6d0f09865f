"""Check that an exported ONNX graph scores like the scikit-learn estimator it came from."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import onnx
import pandas as pd

from kuai.engine.types import TaskType
from kuai.exporters.onnx_export import OnnxScorer

DEFAULT_TOLERANCE = 1e-5

__all__ = ["DEFAULT_TOLERANCE", "ParityReport", "check_parity"]


@dataclass(frozen=True)
class ParityReport:
    """How far ONNX Runtime's output lies from the estimator's on the same rows.

    ``max_rel_diff`` is the difference that decides, on every row: on probabilities (classification), or
    ``|a - b| / max(1, |a|)`` on predicted values (regression). ``max_abs_diff`` is the absolute difference on the
    rows before the last ``n_extreme_rows`` (training rows; the extreme ones hold numbers such as 1e30, where a
    regression's prediction can be 1e29 and float32's own spacing 1e22). ``passed`` needs labels equal and the
    deciding difference within ``tolerance``.
    """

    n_rows: int
    max_abs_diff: float
    max_rel_diff: float
    labels_equal: bool
    passed: bool
    tolerance: float = DEFAULT_TOLERANCE
    n_extreme_rows: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_parity(
    estimator: Any,
    onnx_model: onnx.ModelProto | bytes | str | os.PathLike[str] | OnnxScorer,
    model_frame: pd.DataFrame,
    task: TaskType,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    n_extreme: int = 0,
) -> ParityReport:
    """Score ``model_frame`` with both the estimator and ONNX Runtime and compare; its last ``n_extreme`` rows hold
    extreme values (left out of ``max_abs_diff``)."""
    scorer = onnx_model if isinstance(onnx_model, OnnxScorer) else OnnxScorer(onnx_model)
    labels, scores = scorer.predict(scorer.feeds_from_frame(model_frame))
    n_rows = len(model_frame)
    real = slice(0, max(0, n_rows - n_extreme))
    if task.is_classification:
        expected = np.asarray(estimator.predict_proba(model_frame), dtype=np.float64)
        deciding = _max_diff(expected, scores, relative=False)
        expected_labels = np.asarray(estimator.predict(model_frame)).ravel()  # CatBoost: [N, 1]
        labels_equal = labels is not None and _same_labels(expected_labels, labels)
        return ParityReport(n_rows, _max_diff(expected, scores, relative=False, rows=real), deciding, labels_equal,
                            labels_equal and deciding <= tolerance, tolerance, n_extreme)
    expected = np.asarray(estimator.predict(model_frame), dtype=np.float64).ravel()
    deciding = _max_diff(expected, scores, relative=True)
    return ParityReport(n_rows, _max_diff(expected, scores, relative=False, rows=real), deciding, True,
                        deciding <= tolerance, tolerance, n_extreme)


def _max_diff(expected: np.ndarray, actual: np.ndarray, *, relative: bool, rows: slice = slice(None)) -> float:
    """Largest difference on ``rows``; shape mismatch or NaN on one side only counts as infinite."""
    actual = np.asarray(actual, dtype=np.float64)
    if expected.shape != actual.shape:
        return float("inf")
    expected, actual = expected[rows], actual[rows]
    if expected.size == 0:
        return 0.0
    diff = np.abs(expected - actual)
    if relative:
        diff = diff / np.maximum(1.0, np.abs(expected))
    both_nan = np.isnan(expected) & np.isnan(actual)
    diff = np.where(both_nan, 0.0, np.where(np.isnan(diff), np.inf, diff))
    return float(diff.max())


def _same_labels(expected: np.ndarray, actual: np.ndarray) -> bool:
    actual = np.asarray(actual).ravel()
    if expected.shape != actual.shape:
        return False
    if np.issubdtype(expected.dtype, np.number) and np.issubdtype(actual.dtype, np.number):
        return bool(np.array_equal(expected, actual))
    return bool(np.array_equal(expected.astype(str), actual.astype(str)))
