"""How optimistic is the score Kuai shows for the model it recommends? The cross-validated score against a holdout
and a test set, on the shared datasets.

The score on the leaderboard chose the model among many (every trial, the ensembles, the stack): the best of many
noisy estimates is biased upwards. For each dataset and seed: an 80/20 split (``run_datasets.split``); ``kuai
train --holdout 0.2`` on the 80 % (so the chosen model never saw 20 % of it either); ``kuai predict`` on the 20 %.
Three numbers per run: the chosen model's CV score, its holdout score, its test score. The optimism of an estimate
is how much better it is than the test score (in the metric's own direction), relative to the test score's own
scale (|test| for ROC AUC and log loss, the test RMSE for RMSE).

    python benchmarks/estimate_optimism.py --budget 60 --seeds 0,1,2 [--datasets a,b]
    python benchmarks/estimate_optimism.py --budget 60 --report

Rows append to ``benchmarks/results/estimate_optimism_<budget>s.csv`` as they finish (an interrupted run resumes
where it stopped); the report prints, per kind of chosen model and over all runs, the mean optimism of the CV score
and of the holdout score, with a 95 % interval, and how often the CV score was better than the test score.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_datasets import DATASETS, KUAI, ROOT, split, test_score  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
GREATER_IS_BETTER = {"roc_auc": True, "log_loss": False, "rmse": False}
COLUMNS = ["dataset", "seed", "metric", "budget_s", "model", "cv_score", "holdout_score", "test_score", "error"]


def run_one(entry: dict[str, object], budget: float, seed: int, work: Path) -> dict[str, object]:
    name, task, metric = str(entry["name"]), str(entry["task"]), str(entry["metric"])
    train, test = split(pd.read_csv(DATASETS / str(entry["file"])), task, seed)
    train_path, test_path = work / "train.csv", work / "test.csv"
    train.to_csv(train_path, index=False)
    test.drop(columns="target").to_csv(test_path, index=False)
    out, env = work / "model", dict(os.environ, KUAI_HOME=str(work / "home"))
    row: dict[str, object] = {"dataset": name, "seed": seed, "metric": metric, "budget_s": budget}
    trained = subprocess.run([KUAI, "train", str(train_path), "--target", "target", "--task", task, "--metric",
                              metric, "--time-budget", str(budget), "--seed", str(seed), "--holdout", "0.2",
                              "--out", str(out)], capture_output=True, text=True, env=env)
    if trained.returncode != 0:
        return row | {"error": trained.stderr.strip()[-300:]}
    predicted = subprocess.run([KUAI, "predict", str(out), str(test_path), "--out", str(work / "pred.csv")],
                               capture_output=True, text=True, env=env)
    if predicted.returncode != 0:
        return row | {"error": predicted.stderr.strip()[-300:]}
    card = json.loads((out / "model_card.json").read_text())
    predictions = pd.read_csv(work / "pred.csv", keep_default_na=False)
    return row | {"model": card["model"]["name"], "cv_score": round(float(card["cv_score"]), 5),
                  "holdout_score": round(float(card["holdout"]["score"]), 5),
                  "test_score": round(test_score(metric, test, predictions, task), 5)}


def optimism(table: pd.DataFrame, column: str) -> pd.Series:
    """How much better ``column`` is than the test score, relative to the test score's scale."""
    sign = table["metric"].map(GREATER_IS_BETTER).map({True: 1.0, False: -1.0})
    return sign * (table[column] - table["test_score"]) / table["test_score"].abs()


def report(path: Path) -> None:
    table = pd.read_csv(path)
    table = table[table["error"].isna()] if "error" in table.columns else table
    if table.empty:
        print("no finished runs")
        return
    table = table.assign(kind=np.where(table["model"].isin(["ensemble", "stack"]), table["model"], "single model"),
                         cv=optimism(table, "cv_score"), holdout=optimism(table, "holdout_score"))
    print(table[["dataset", "seed", "model", "cv_score", "holdout_score", "test_score", "cv", "holdout"]]
          .to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print("\nrelative optimism (positive: better than the test score), mean ± 95 % interval")
    for kind, part in [("all", table), *table.groupby("kind")]:
        cells = []
        for column in ("cv", "holdout"):
            values = part[column].to_numpy(dtype=float)
            half = 1.96 * values.std(ddof=1) / np.sqrt(len(values)) if len(values) > 1 else float("nan")
            cells.append(f"{column} {values.mean():+.2%} ± {half:.2%}")
        better = float((part["cv"] > 0).mean())
        print(f"  {kind:<13} n={len(part):>3}  {cells[0]:<26} {cells[1]:<26} CV better than test in {better:.0%}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--datasets", default="", help="comma-separated names (default: all)")
    parser.add_argument("--report", action="store_true", help="only print the tables from the CSV")
    arguments = parser.parse_args()
    out = RESULTS / f"estimate_optimism_{arguments.budget:.0f}s.csv"
    if not arguments.report:
        done = set()
        if out.exists():
            earlier = pd.read_csv(out)
            done = set(zip(earlier["dataset"], earlier["seed"], strict=True))
        manifest = json.loads((DATASETS / "manifest.json").read_text())["datasets"]
        chosen = set(filter(None, arguments.datasets.split(",")))
        for seed in (int(s) for s in arguments.seeds.split(",")):
            for entry in manifest:
                if (chosen and entry["name"] not in chosen) or (entry["name"], seed) in done:
                    continue
                with tempfile.TemporaryDirectory(prefix="kuai-optimism-", ignore_cleanup_errors=True) as folder:
                    row = run_one(entry, arguments.budget, seed, Path(folder))
                print(json.dumps(row), flush=True)
                pd.DataFrame([row]).reindex(columns=COLUMNS).to_csv(out, mode="a", header=not out.exists(),
                                                                        index=False)
    report(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
