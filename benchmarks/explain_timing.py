"""Explanation timing: SHAP, permutation importance and evaluation on the largest benchmark dataset.

    python benchmarks/explain_timing.py [--data ../shared/datasets/344_mv.csv] [--rows 300]

Fits each model family with its first known-good configuration on all rows (and
a weighted ensemble of three families), then times, without a time box:
``kuai.engine.explain.shap_values.explain_model`` on ``--rows`` sampled rows, permutation
importance on one held-out fold (with a model fitted on the other folds, as
the search keeps it; that fit is not timed) and ``engine.evaluate`` on
out-of-fold-like predictions of every row. Prints one line per model. The
training run itself time-boxes these steps; this shows what they cost.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.ensemble import VotingRegressor
from sklearn.pipeline import Pipeline

from kuai import engine
from kuai.engine.explain.shap_values import explain_model
from kuai.engine.models import FAMILIES, DataShape, n_threads
from kuai.engine.explain.permutation import permutation_importance_by_column
from kuai.engine.models.preprocessing import build_preprocessor
from kuai.engine.search.optimize import HeldOutModel, make_folds, predict_output

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "344_mv.csv"
FAMILY_ORDER = ("lightgbm", "catboost", "hist_gb", "linear", "random_forest", "extra_trees")
BOOST_ROUNDS = 200


def _fit(name: str, spec: engine.TaskSpec, schema: Any, X: Any, y: np.ndarray) -> Pipeline:
    family = FAMILIES[name]
    params = family.default_configs(DataShape(len(y), len(schema), len(spec.classes)))[0]
    if family.grows_iterations and name not in ("random_forest", "extra_trees"):
        params = family.with_iterations(params, BOOST_ROUNDS)
    prep = build_preprocessor(schema, encoding=family.encoding, scale=family.scale)
    model = family.build(params, spec.task, seed=0, threads=n_threads(len(y)))
    return Pipeline([("prep", prep), ("model", model)]).fit(X, y)


def _time(step: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    value = step()
    return value, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--rows", type=int, default=300)
    parser.add_argument("--families", default=",".join(FAMILY_ORDER),
                        help="comma-separated; the ensemble needs lightgbm, hist_gb and linear")
    args = parser.parse_args()
    frame = engine.read_table(args.data)
    profile = engine.profile_dataset(frame, target="target", with_checks=False)
    spec = engine.build_task_spec(frame, profile.columns, target="target")
    schema = engine.build_input_schema(frame, spec)
    X, y = engine.to_model_frame(frame, schema), engine.encode_target(frame["target"], spec)
    print(f"{args.data.name}: {len(X):,} rows, {len(schema)} columns, {spec.task}; SHAP on {args.rows} rows")
    print(f"{'model':<34}{'fit s':>8}{'SHAP s':>9}{'ms/row':>8}{'perm. s':>9}{'eval s':>8}  top columns")
    train, valid = make_folds(y, spec)[0]
    fitted, held = {}, {}
    for name in [f for f in FAMILY_ORDER if f in args.families.split(",")]:
        pipeline, fit_s = _time(lambda name=name: _fit(name, spec, schema, X, y))
        fitted[name] = pipeline
        held[name] = _fit(name, spec, schema, X.iloc[train], y[train])
        _report(name, pipeline, _held_out([(1.0, held[name])], spec, valid), fit_s, spec, schema, X, y, args.rows)
    if not {"lightgbm", "hist_gb", "linear"} <= set(fitted):
        return
    weights = {"lightgbm": 0.5, "hist_gb": 0.3, "linear": 0.2}
    ensemble = VotingRegressor([(n, fitted[n]) for n in weights], weights=np.array(list(weights.values())))
    ensemble.estimators_ = [fitted[n] for n in weights]  # the members above, already fitted
    blend = _held_out([(w, held[n]) for n, w in weights.items()], spec, valid)
    _report("ensemble (lightgbm+hist_gb+linear)", ensemble, blend, 0.0, spec, schema, X, y, args.rows)


def _held_out(members: list[tuple[float, Pipeline]], spec: engine.TaskSpec, valid: np.ndarray) -> HeldOutModel:
    def predict(rows: Any) -> np.ndarray:
        return np.asarray(sum(w * predict_output(p, rows, spec) for w, p in members))

    return HeldOutModel(predict=predict, rows=valid, description="fold 1")


def _report(name: str, estimator: Any, held_out: HeldOutModel, fit_s: float, spec: engine.TaskSpec, schema: Any,
            X: Any, y: np.ndarray, rows: int) -> None:
    explanation, shap_s = _time(lambda: explain_model(estimator, X, spec=spec, schema=schema, model_name=name,
                                                      sample_size=rows, seed=0))
    _, permutation_s = _time(lambda: permutation_importance_by_column(held_out, X, y, spec=spec, schema=schema,
                                                                      time_budget_s=60.0))
    predicted = estimator.predict(X)
    _, eval_s = _time(lambda: engine.evaluate(spec, y, predicted, model_frame=X, schema=schema))
    top = ", ".join(list(explanation.importance)[:3])
    print(f"{name:<34}{fit_s:>8.2f}{shap_s:>9.2f}{1000 * shap_s / rows:>8.2f}{permutation_s:>9.2f}"
          f"{eval_s:>8.2f}  {top}", flush=True)


if __name__ == "__main__":
    main()
