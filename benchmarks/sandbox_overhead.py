"""What the scoring sandbox costs: a model scored in a child process (kuai/app/services/sandbox.py) against the same
ONNX Runtime session in this process, as Kuai scored before.

For a model folder written by ``kuai train`` (or a ``model.onnx``) and a CSV of rows to score, it prints the median
of repeated measurements: opening the model (a fresh interpreter, the session, the metadata checks and the trial
call), one call of one row (the Predict page's typed row), the scorer alone on one row (the sandbox's own
overhead: feeds to Arrow, a socket round trip, outputs back), a call of 12,000 rows (one Shapley explanation of a
row is one such call) and a whole file.

Run: ``.venv/bin/python benchmarks/sandbox_overhead.py RUN_DIR DATA.csv``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path


def median_ms(action: Callable[[], object], repeats: int) -> float:
    action()  # warm: the first call of a session allocates its arena
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("data", type=Path)
    parser.add_argument("--repeats", type=int, default=50)
    arguments = parser.parse_args()

    import pandas as pd

    from kuai import engine
    from kuai.app.services.scoring import load_model, predict_frame
    from kuai.engine import to_model_frame
    from kuai.exporters import OnnxScorer, onnx_feeds

    path = arguments.model / "model.onnx" if arguments.model.is_dir() else arguments.model
    open_ms = []
    for _ in range(5):
        started = time.perf_counter()
        sandboxed = load_model(path)
        open_ms.append((time.perf_counter() - started) * 1000)
        if len(open_ms) < 5:
            sandboxed.close()
    print(f"open in the sandbox (median of 5): {statistics.median(open_ms):.0f} ms")
    in_process = replace(sandboxed, scorer=OnnxScorer(path))
    data = engine.read_table(arguments.data)
    one = data.head(1)
    batch = pd.concat([data] * (12_000 // len(data) + 1), ignore_index=True).head(12_000)
    one_feeds = onnx_feeds(to_model_frame(one, sandboxed.schema), sandboxed.schema)
    cases: list[tuple[str, Callable[[object], Callable[[], object]], int]] = [
        ("predict_frame, 1 row", lambda m: lambda: predict_frame(m, one), arguments.repeats),  # type: ignore[arg-type]
        ("scorer alone, 1 row", lambda m: lambda: m.scorer.predict(one_feeds), arguments.repeats),  # type: ignore[attr-defined]
        ("predict_frame, 12,000 rows", lambda m: lambda: predict_frame(m, batch), 10),  # type: ignore[arg-type]
        (f"predict_frame, the file ({len(data):,} rows)", lambda m: lambda: predict_frame(m, data), 10),  # type: ignore[arg-type]
    ]
    print(f"{'case':<42} {'in process':>12} {'sandbox':>12} {'overhead':>12}")
    for name, make, repeats in cases:
        here = median_ms(make(in_process), repeats)
        there = median_ms(make(sandboxed), repeats)
        print(f"{name:<42} {here:>10.2f}ms {there:>10.2f}ms {there - here:>+10.2f}ms")
    sandboxed.close()


if __name__ == "__main__":
    main()
