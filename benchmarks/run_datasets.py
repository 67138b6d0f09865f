"""Benchmark `kuai train`/`kuai predict` on the shared public datasets.

Each dataset is split 80/20 with a fixed seed (stratified for classification);
`kuai train` runs on the 80 % under the budget, `kuai predict` scores the 20 %,
and the test metric from the manifest (roc_auc, log_loss, rmse) is computed here.

    python benchmarks/run_datasets.py --budget 60 [--datasets diabetes,vehicle] [--folds 8] [--out results.csv]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn import metrics
from sklearn.model_selection import train_test_split

from kuai.engine import class_label

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"
KUAI = str(Path(sys.executable).parent / "kuai")


def split(frame: pd.DataFrame, task: str, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    stratify = frame["target"] if task != "regression" else None
    train, test = train_test_split(frame, test_size=0.2, random_state=seed, stratify=stratify)
    return train, test


def test_score(metric: str, test: pd.DataFrame, predictions: pd.DataFrame, task: str) -> float:
    truth = test["target"].to_numpy()
    if task == "regression":
        return float(np.sqrt(metrics.mean_squared_error(truth, predictions["prediction"].to_numpy())))
    proba_columns = [c for c in predictions.columns if c.startswith("proba_")]
    classes = [c.removeprefix("proba_") for c in proba_columns]
    probabilities = predictions[proba_columns].to_numpy()
    labels = np.array([class_label(v) for v in truth])
    if metric == "roc_auc":
        return float(metrics.roc_auc_score((labels == classes[1]).astype(int), probabilities[:, 1]))
    return float(metrics.log_loss(labels, np.clip(probabilities, 1e-15, 1), labels=classes))


def run_one(entry: dict[str, object], budget: float, seed: int, work: Path, folds: int = 0) -> dict[str, object]:
    name, task, metric = str(entry["name"]), str(entry["task"]), str(entry["metric"])
    frame = pd.read_csv(DATASETS / str(entry["file"]))
    train, test = split(frame, task, seed)
    train_path, test_path = work / f"{name}_train.csv", work / f"{name}_test.csv"
    train.to_csv(train_path, index=False)
    test.drop(columns="target").to_csv(test_path, index=False)
    out = work / f"{name}_model"
    env = dict(os.environ, KUAI_HOME=str(work / "home"))
    started = time.monotonic()
    trained = subprocess.run([KUAI, "train", str(train_path), "--target", "target", "--task", task, "--metric", metric,
                              "--time-budget", str(budget), "--seed", str(seed), "--out", str(out),
                              *(["--folds", str(folds)] if folds else [])],
                             capture_output=True, text=True, env=env)
    wall = time.monotonic() - started
    row: dict[str, object] = {"dataset": name, "task": task, "metric": metric, "rows": len(frame),
                              "budget_s": budget, "train_wall_s": round(wall, 1)}
    if trained.returncode != 0:
        return row | {"error": trained.stderr.strip()[-300:]}
    predicted = subprocess.run([KUAI, "predict", str(out), str(test_path), "--out", str(work / f"{name}_pred.csv")],
                               capture_output=True, text=True, env=env)
    if predicted.returncode != 0:
        return row | {"error": predicted.stderr.strip()[-300:]}
    predictions = pd.read_csv(work / f"{name}_pred.csv", keep_default_na=False)
    card = json.loads((out / "model_card.json").read_text())
    board = pd.read_csv(out / "leaderboard.csv")
    return row | {
        "test_score": round(test_score(metric, test, predictions, task), 5),
        "cv_score": round(float(card["cv_score"]), 5), "model": card["model"]["name"], "n_models": len(board),
        "over_budget_s": round(max(0.0, wall - budget), 1),
        "parity": card["parity"]["max_rel_diff"],  # the deciding figure: on probabilities, or relative
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--datasets", default="", help="comma-separated names (default: all)")
    parser.add_argument("--out", type=Path, default=None, help="also write the table as CSV")
    parser.add_argument("--folds", type=int, default=0, help="cross-validation folds (default: Kuai's choice)")
    arguments = parser.parse_args()
    manifest = json.loads((DATASETS / "manifest.json").read_text())["datasets"]
    chosen = set(filter(None, arguments.datasets.split(",")))
    rows = []
    with tempfile.TemporaryDirectory(prefix="kuai-bench-", ignore_cleanup_errors=True) as folder:
        for entry in manifest:
            if chosen and entry["name"] not in chosen:
                continue
            row = run_one(entry, arguments.budget, arguments.seed, Path(folder), arguments.folds)
            rows.append(row)
            print(json.dumps(row), flush=True)
    table = pd.DataFrame(rows)
    print()
    print(table.to_string(index=False))
    if arguments.out:
        table.to_csv(arguments.out, index=False)
    worst = float(table["train_wall_s"].max() - arguments.budget) if len(table) else 0.0
    print(f"\nworst overrun: {worst:+.1f} s (allowed: +{max(5.0, 0.1 * arguments.budget):.1f} s)")
    return 0 if "error" not in table.columns or table["error"].isna().all() else 1


if __name__ == "__main__":
    sys.exit(main())
