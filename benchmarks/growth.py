"""Kuai on tables 10, 100 and 1,000 times larger than a spreadsheet: seeded synthetic tables of 50 mixed columns.

Each table has 40 numeric columns (some skewed), 8 categorical ones with 3 to 500 levels, a date, an ID and 5 % of
its feature cells missing; a binary target follows a non-linear function of 12 numbers, 3 categories and the date's
season, with noise. The test rows (20,000) come from the same process with another seed. Kuai trains through its CLI
(`kuai train`, then `kuai predict`); the script prints and appends to ``benchmarks/results/growth.csv``: the rows,
the CSV's size, the budget, wall time, peak resident memory of the whole process tree (sampled every 0.2 s), when
the first trial finished (from the progress lines), the number of finished trials, the model kept and the test
ROC AUC. With ``--keep``, the folder also keeps the command's output (``train_ROWS_BUDGET.txt``) and its memory
over time (``memory_ROWS_BUDGET.txt``: seconds, the tree's MB, each process's MB), to read the peak against the
progress lines.

    python benchmarks/growth.py --rows 10000,100000 --budget 60,120 [--seed 0] [--keep /tmp/growth]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn import metrics

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peers import RESULTS, append_result, run_measured  # noqa: E402
from run_datasets import KUAI  # noqa: E402

LEVELS = (3, 5, 10, 20, 50, 100, 200, 500)
TEST_ROWS = 20_000
TRIAL_LINE = re.compile(r"^\[\s*([0-9.]+)s\] trial\s+trial \d+ \w+: (?!pruned|failed)")


def make_table(n_rows: int, seed: int) -> pd.DataFrame:
    """The synthetic table (see the module's docstring); the same seed gives the same table."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_rows, 40)).astype(np.float32)
    x[:, 30:] = np.exp(x[:, 30:])  # skewed, as amounts are
    codes = [rng.integers(0, levels, n_rows) for levels in LEVELS]
    day = rng.integers(0, 3 * 365, n_rows)
    effect = (np.sin(2 * x[:, 0]) + x[:, 1] * x[:, 2] + np.abs(x[:, 3]) - 0.8 + 0.5 * x[:, 4] ** 2 - 0.5
              + np.where(x[:, 5] > 0.5, 1.0, 0.0) - 0.3 + 0.4 * x[:, 6] - 0.4 * x[:, 7]
              + 0.3 * np.tanh(x[:, 8] * x[:, 9]) + 0.2 * np.log1p(x[:, 30]) - 0.2 * np.log1p(x[:, 31]))
    effect += (codes[0] == 1) * 0.8 - (codes[2] % 3 == 0) * 0.6 + ((codes[5] * 7919) % 100 / 100 - 0.5)
    effect += 0.5 * np.cos(2 * np.pi * (day % 365) / 365)
    probability = 1 / (1 + np.exp(-(effect + rng.normal(scale=1.0, size=n_rows))))
    target = np.where(rng.random(n_rows) < probability, "yes", "no")
    missing = rng.random((n_rows, 50)) < 0.05  # 5 % of the feature cells, at random
    columns: dict[str, object] = {f"x{i:02d}": np.where(missing[:, i], np.nan, x[:, i]) for i in range(40)}
    for i, levels in enumerate(LEVELS):
        labels = np.array([f"c{i}_{v}" for v in range(levels)], dtype=object)[codes[i]]
        labels[missing[:, 40 + i]] = None
        columns[f"cat{i}"] = labels
    dates = (np.datetime64("2021-01-01") + day.astype("timedelta64[D]")).astype(str).astype(object)
    dates[missing[:, 48]] = None
    columns["signup"] = dates
    ids = (np.arange(n_rows, dtype=np.int64) * 7919 + seed) % 10**8  # distinct below 10**8 rows (7919 is prime)
    columns["customer_id"] = np.char.add("C", np.char.zfill(ids.astype(str), 8))
    columns["target"] = target
    return pd.DataFrame(columns)


def _progress(stdout: str) -> tuple[float | None, int]:
    """When the first trial finished (seconds from the start) and how many trials finished, from the progress
    lines ("[   7.9s] trial     trial 0 lightgbm: 0.7695")."""
    finished = [float(match.group(1)) for line in stdout.splitlines() if (match := TRIAL_LINE.match(line))]
    return (finished[0] if finished else None), len(finished)


def run(n_rows: int, budget: float, seed: int, work: Path) -> dict[str, object]:
    train_path, test_path = work / f"train_{n_rows}.csv", work / f"test_{n_rows}.csv"
    predictions = work / f"predictions_{n_rows}_{budget:.0f}.csv"
    predictions.unlink(missing_ok=True)
    if not train_path.exists():
        make_table(n_rows, seed).to_csv(train_path, index=False)
    test = make_table(TEST_ROWS, seed + 1_000)
    test.drop(columns="target").to_csv(test_path, index=False)
    out = work / f"model_{n_rows}_{budget:.0f}"
    shutil.rmtree(out, ignore_errors=True)
    home = work / f"home_{n_rows}_{budget:.0f}"  # a first training: no earlier run to start the search from
    shutil.rmtree(home, ignore_errors=True)
    env = dict(os.environ, KUAI_HOME=str(home), PYTHONWARNINGS="ignore")
    code, wall, peak, stdout, stderr = run_measured(
        [KUAI, "train", str(train_path), "--target", "target", "--time-budget", str(budget), "--seed", str(seed),
         "--out", str(out)], env, budget * 4 + 600, trace=work / f"memory_{n_rows}_{budget:.0f}.txt")
    (work / f"train_{n_rows}_{budget:.0f}.txt").write_text(stdout + stderr)
    first, trials = _progress(stdout)
    row: dict[str, object] = {"rows": n_rows, "csv_mb": round(train_path.stat().st_size / 2**20), "budget_s": budget,
                              "wall_s": round(wall, 1), "peak_mb": round(peak), "first_model_s": first,
                              "trials": trials}
    if code != 0:
        return row | {"error": stderr.strip()[-300:]}
    card = json.loads((out / "model_card.json").read_text())
    scored = subprocess.run([KUAI, "predict", str(out), str(test_path), "--out", str(predictions)],
                            capture_output=True, text=True, env=env)
    if scored.returncode != 0:
        return row | {"error": scored.stderr.strip()[-300:]}
    predicted = pd.read_csv(predictions)
    auc = metrics.roc_auc_score(test["target"] == "yes", predicted["proba_yes"])
    return row | {"model": card.get("model_name") or card.get("model", {}).get("name", ""),
                  "test_roc_auc": round(float(auc), 4)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="10000,100000,1000000")
    parser.add_argument("--budget", default="60,120,300", help="one per --rows entry, or one for all")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, default=None, help="a folder that keeps the tables between runs")
    arguments = parser.parse_args()
    sizes = [int(v) for v in arguments.rows.split(",")]
    budgets = [float(v) for v in arguments.budget.split(",")]
    budgets = budgets * len(sizes) if len(budgets) == 1 else budgets
    out = RESULTS / "growth.csv"
    with tempfile.TemporaryDirectory(prefix="kuai-growth-", ignore_cleanup_errors=True) as folder:
        work = arguments.keep or Path(folder)
        work.mkdir(parents=True, exist_ok=True)
        for n_rows, budget in zip(sizes, budgets, strict=True):
            row = run(n_rows, budget, arguments.seed, work)
            print(json.dumps(row), flush=True)
            append_result(out, row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
