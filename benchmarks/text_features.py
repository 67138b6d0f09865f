"""What free text adds: Kuai with and without the text columns, and AutoGluon (best_quality) with them, on
``womens_clothing_reviews.csv``.

The task is the dataset README's: predict ``Recommended IND`` with ``Rating`` left out (it nearly determines the
answer) and pandas' unnamed index column dropped. "without text" also drops ``Title`` and ``Review Text``. Each seed
is one stratified 80/20 split (``run_datasets.split``); every system gets the same budget and runs as in
``benchmarks/peers.py`` (Kuai through its CLI, AutoGluon in an environment of its own that the peers script creates
the first time). Test ROC AUC, wall time and the peak memory of the process tree are printed and appended to
``benchmarks/results/text_features_<budget>s.csv``.

    python benchmarks/text_features.py --budget 60 --seeds 0,1,2 [--systems kuai,kuai_no_text,ag_best]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peers import RESULTS, append_result, run_system  # noqa: E402
from run_datasets import DATASETS  # noqa: E402

SOURCE = DATASETS / "womens_clothing_reviews.csv"
TEXT_COLUMNS = ["Title", "Review Text"]
SYSTEMS = {"kuai": ("kuai", True), "kuai_no_text": ("kuai", False), "ag_best": ("ag_best", True),
           "ag_best_no_text": ("ag_best", False)}


def table(with_text: bool) -> pd.DataFrame:
    frame = pd.read_csv(SOURCE).drop(columns=["Unnamed: 0", "Rating"])
    frame = frame.rename(columns={"Recommended IND": "target"})
    return frame if with_text else frame.drop(columns=TEXT_COLUMNS)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--systems", default="kuai,kuai_no_text,ag_best")
    arguments = parser.parse_args()
    out = RESULTS / f"text_features_{arguments.budget:.0f}s.csv"
    rows = []
    for seed in (int(s) for s in arguments.seeds.split(",")):
        for name in arguments.systems.split(","):
            system, with_text = SYSTEMS[name]
            with tempfile.TemporaryDirectory(prefix="kuai-text-", ignore_cleanup_errors=True) as folder:
                work = Path(folder)
                (work / "data").mkdir()
                table(with_text).to_csv(work / "data" / "reviews.csv", index=False)
                entry = {"name": "womens_clothing_reviews", "file": str(work / "data" / "reviews.csv"),
                         "task": "binary", "metric": "roc_auc"}
                row = run_system(system, entry, arguments.budget, seed, work) | {"system": name, "seed": seed}
            print(json.dumps(row), flush=True)
            rows.append(row)
            append_result(out, row)
    frame = pd.DataFrame(rows)
    if "test_score" in frame:
        print(f"\nTest ROC AUC at {arguments.budget:.0f} s, one 80/20 split per seed:")
        print(frame.pivot(index="seed", columns="system", values="test_score").round(4).to_string())
        print(frame.groupby("system")[["test_score", "wall_s", "peak_mb"]].agg(["mean", "max"]).round(4).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
