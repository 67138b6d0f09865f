"""Every hostile column name of docs/reliability.md through the whole CLI path: train (LightGBM, CatBoost, ONNX,
MLflow), predict and export, with nothing written outside the output folder and the home folder."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

KUAI = str(Path(sys.executable).parent / "kuai")
HOSTILE = ["a b", "a_b", "名前 🚀", 'q",:{}[]', "x" * 300, "..", "/etc/passwd", "Unnamed: 0", "", "dup", "dup",
           "..\\x", "%2e%2e%2f", "=cmd|' /C calc'!A0"]


def _write(path: Path, n_rows: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    columns = {}
    signal = rng.normal(size=n_rows)
    for i in range(len(HOSTILE)):
        columns[i] = (signal * (1 if i in (0, 3) else 0.05) + rng.normal(size=n_rows)).round(4)
    columns[2] = rng.choice(["東京", "Zürich", "🚀 base"], size=n_rows)  # a categorical with non-ASCII values
    label = np.where(signal + 0.3 * rng.normal(size=n_rows) > 0, "yes", "no")
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*HOSTILE, "label"])
        for row in range(n_rows):
            writer.writerow([*(columns[i][row] for i in range(len(HOSTILE))), label[row]])


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.mark.slow
def test_hostile_names_go_through_train_predict_and_export(tmp_path: Path, reliability: Any) -> None:
    work = tmp_path / "work"
    work.mkdir()
    home, out = work / "home", work / "out"
    data, new = work / "data.csv", work / "new.csv"
    _write(data, 400, seed=0)
    _write(new, 50, seed=1)
    before = _files(tmp_path)
    env = dict(os.environ, KUAI_HOME=str(home))

    def kuai(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([KUAI, *args], env=env, capture_output=True, text=True, timeout=180, cwd=work)

    trained = kuai("train", str(data), "--target", "label", "--time-budget", "15", "--out", str(out))
    assert trained.returncode == 0, trained.stderr[-2000:]
    card = json.loads((out / "model_card.json").read_text())
    assert card["parity"]["max_rel_diff"] < 1e-5 and card["cv_score"] > 0.7
    schema_names = [c["name"] for c in card["input_schema"]]
    assert {"a b", "a_b", "名前 🚀", 'q",:{}[]', "x" * 300, "/etc/passwd"} <= set(schema_names)

    predicted = kuai("predict", str(out), str(new), "--out", str(work / "p.csv"))
    assert predicted.returncode == 0, predicted.stderr[-2000:]
    predictions = pd.read_csv(work / "p.csv")
    assert len(predictions) == 50 and set(predictions["prediction"]) <= {"yes", "no"}

    model = next(e["model"] for e in csv.DictReader((out / "leaderboard.csv").open()) if e["model"] != "ensemble")
    exported = kuai("export", str(out), "--model", model)
    assert exported.returncode == 0, exported.stderr[-2000:]
    assert json.loads((out / "models" / model / "model_card.json").read_text())["parity"]["max_rel_diff"] < 1e-5

    written = _files(tmp_path) - before
    outside = [p for p in written if not (p.is_relative_to(out) or p.is_relative_to(home) or p == work / "p.csv")]
    reliability.home_checked(len(outside))
    assert outside == [], outside
    assert not (tmp_path.parent / "etc").exists() and not Path("/etc/passwd.onnx").exists()
