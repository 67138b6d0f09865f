"""ONNX Runtime against the native model: single-row latency and batch throughput, per family and an ensemble.

    python benchmarks/latency.py [--data sample_data/customer_churn.csv --target churn] [--repeats 300]

Fits each family's first known-good configuration on all rows (boosters fixed at
200 rounds) and a soft-voting ensemble of LightGBM, HistGradientBoosting and
the linear model, converts each to ONNX as Kuai exports it, and times, on the
model inputs (parsing the CSV is excluded for both):

- one row at a time: p50 and p99 over ``--repeats`` calls (after a warm-up);
- batches of 100 and 10,000 rows (rows drawn with replacement): rows per second, best of 3.

Both run on one thread (ONNX Runtime's session is single-threaded in Kuai's
scorer; the native models get ``threads=1``). Prints one line per model.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import VotingClassifier, VotingRegressor
from sklearn.pipeline import Pipeline

from kuai import engine
from kuai.engine.models import FAMILIES, DataShape
from kuai.engine.models.preprocessing import build_preprocessor
from kuai.engine.search.optimize import predict_output
from kuai.exporters import OnnxScorer, onnx_feeds, register_converters, to_onnx_model

ROOT = Path(__file__).resolve().parents[1]
FAMILY_ORDER = ("lightgbm", "catboost", "hist_gb", "linear", "random_forest", "extra_trees")
BOOST_ROUNDS = 200
BATCHES = (100, 10_000)


def _fit(name: str, spec: engine.TaskSpec, schema: Any, X: pd.DataFrame, y: np.ndarray) -> Pipeline:
    family = FAMILIES[name]
    params = family.default_configs(DataShape(len(y), len(schema), len(spec.classes)))[0]
    if family.grows_iterations and name not in ("random_forest", "extra_trees"):
        params = family.with_iterations(params, BOOST_ROUNDS)
    prep = build_preprocessor(schema, encoding=family.encoding, scale=family.scale)
    return Pipeline([("prep", prep), ("model", family.build(params, spec.task, seed=0, threads=1))]).fit(X, y)


def _single(call: Callable[[], Any], repeats: int) -> tuple[float, float]:
    call()
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return float(np.percentile(timings, 50)), float(np.percentile(timings, 99))


def _throughput(call: Callable[[], Any], rows: int) -> float:
    best = min(_timed(call) for _ in range(3))
    return rows / max(best, 1e-9)


def _timed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "sample_data" / "customer_churn.csv")
    parser.add_argument("--target", default="churn")
    parser.add_argument("--repeats", type=int, default=300)
    args = parser.parse_args()
    register_converters()
    frame = engine.read_table(args.data)
    profile = engine.profile_dataset(frame, target=args.target, with_checks=False)
    spec = engine.build_task_spec(frame, profile.columns, target=args.target)
    prepared = engine.prepare(frame, spec)
    spec, schema, X, y = prepared.spec, prepared.schema, prepared.X, prepared.y
    rng = np.random.default_rng(0)
    batches = {n: X.iloc[rng.integers(0, len(X), n)].reset_index(drop=True) for n in BATCHES}
    one = X.head(1)
    print(f"{args.data.name}: {len(X):,} rows, {len(schema)} columns, {spec.task}; one thread each")
    print(f"{'model':<12}{'native p50':>11}{'p99 ms':>8}{'ONNX p50':>10}{'p99 ms':>8}"
          + "".join(f"{'native/s @' + str(n):>17}{'ONNX/s @' + str(n):>16}" for n in BATCHES))
    fitted = {name: _fit(name, spec, schema, X, y) for name in FAMILY_ORDER}
    weights = np.array([0.5, 0.3, 0.2])
    members = [(n, fitted[n]) for n in ("lightgbm", "hist_gb", "linear")]
    voting: Any = (VotingClassifier(members, voting="soft", weights=weights, flatten_transform=False)
                   if spec.task.is_classification else VotingRegressor(members, weights=weights))
    fitted["ensemble"] = voting.fit(X, y)
    for name, model in fitted.items():
        scorer = OnnxScorer(to_onnx_model(model, schema, spec.task))
        feeds = {n: onnx_feeds(batch, schema) for n, batch in batches.items()}
        single_feed = onnx_feeds(one, schema)
        native = _single(partial(predict_output, model, one, spec), args.repeats)
        onnx = _single(partial(scorer.predict, single_feed), args.repeats)
        line = f"{name:<12}{native[0]:>11.3f}{native[1]:>8.3f}{onnx[0]:>10.3f}{onnx[1]:>8.3f}"
        for n in BATCHES:
            line += (f"{_throughput(partial(predict_output, model, batches[n], spec), n):>17,.0f}"
                     f"{_throughput(partial(scorer.predict, feeds[n]), n):>16,.0f}")
        print(line, flush=True)


if __name__ == "__main__":
    main()
