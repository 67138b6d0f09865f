"""ONNX Runtime latency of an exported model: one row at a time, and in a batch."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from kuai.engine.types import InputColumn
from kuai.exporters.onnx_export import OnnxScorer, onnx_feeds

MIN_REPEATS = 5


def measure_latency(model_path: Path, frame: pd.DataFrame, schema: tuple[InputColumn, ...], *,
                    repeats: int = 50, time_budget_s: float = 1.0) -> dict[str, float]:
    """p50/p99 single-row latency (ms) over ``repeats`` calls, or as many as fit ``time_budget_s`` (at least
    ``MIN_REPEATS``: a model over thousands of inputs takes long per call), and batch throughput (rows/s) over
    ``frame``."""
    scorer = OnnxScorer(model_path)
    single = onnx_feeds(frame.head(1), schema)
    scorer.predict(single)  # warm-up
    timings: list[float] = []
    until = time.perf_counter() + time_budget_s
    while len(timings) < repeats and (len(timings) < MIN_REPEATS or time.perf_counter() < until):
        started = time.perf_counter()
        scorer.predict(single)
        timings.append((time.perf_counter() - started) * 1000)
    batch = onnx_feeds(frame, schema)
    started = time.perf_counter()
    scorer.predict(batch)
    batch_s = max(time.perf_counter() - started, 1e-9)
    return {"single_row_p50_ms": float(np.percentile(timings, 50)),
            "single_row_p99_ms": float(np.percentile(timings, 99)), "single_row_calls": float(len(timings)),
            "batch_rows": float(len(frame)), "batch_rows_per_s": float(len(frame) / batch_s)}
