"""`kuai evaluate MODEL DATA [--out DIR]`: a trained model checked on a file with known answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics

from tests.conftest import SAMPLES, SampleRun

KUAI = str(Path(sys.executable).parent / "kuai")


def kuai(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([KUAI, *args], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, KUAI_HOME=str(home)))


def _scores(stdout: str) -> dict[str, float]:
    lines = [line.split() for line in stdout.splitlines() if line.startswith("  ")]
    return {parts[0]: float(parts[1]) for parts in lines}


@pytest.mark.parametrize("sample, target", [("customer_churn.csv", "churn"), ("house_prices.csv", "price")])
def test_evaluate_matches_predict_and_scoring_by_hand(sample: str, target: str, sample_runs: dict[str, SampleRun],
                                                      tmp_path: Path) -> None:
    run = sample_runs[sample]
    data = pd.read_csv(SAMPLES / sample).iloc[::3].reset_index(drop=True)  # a file of the user's, with answers
    data.loc[0, target] = None  # a row without an answer: left out, and said
    if target == "churn":
        data.loc[1:3, target] = "maybe"  # an answer the model never learned: left out, and said
    path = tmp_path / "checked.csv"
    data.to_csv(path, index=False)
    out = tmp_path / "evaluation"
    evaluated = kuai("evaluate", str(run.out), str(path), "--out", str(out), home=run.home)
    assert evaluated.returncode == 0, evaluated.stderr
    assert "1 row has no answer" in evaluated.stderr and "left out of the scores" in evaluated.stderr
    if target == "churn":
        assert "3 rows have an answer the model never learned ('maybe')" in evaluated.stderr
    predicted = kuai("predict", str(run.out), str(path), "--out", str(tmp_path / "p.csv"), home=run.home)
    assert predicted.returncode == 0, predicted.stderr
    predictions = pd.read_csv(tmp_path / "p.csv", keep_default_na=False)
    known = (data[target].notna() & (data[target] != "maybe")).to_numpy()
    scores = _scores(evaluated.stdout)
    if target == "churn":
        expected = metrics.roc_auc_score(data[target][known] == "yes", predictions["proba_yes"][known])
        assert scores["roc_auc"] == pytest.approx(expected, abs=1e-4)
        assert set(scores) == {"roc_auc", "pr_auc", "log_loss", "accuracy", "balanced_accuracy"}
    else:
        truth = data[target][known].to_numpy(dtype=float)
        values = predictions["prediction"][known].to_numpy(dtype=float)
        assert scores["rmse"] == pytest.approx(np.sqrt(metrics.mean_squared_error(truth, values)), rel=1e-4)
        assert scores["r2"] == pytest.approx(metrics.r2_score(truth, values), abs=1e-4)
    written = json.loads((out / "evaluation.json").read_text())
    assert written["n_rows"] == int(known.sum()) and written["summary"] in evaluated.stdout
    assert "cross-validated at training" in written["summary"]
    assert written["evaluation"]["n_rows"] == int(known.sum())
    table = pd.read_csv(out / "predictions.csv", keep_default_na=False)
    assert len(table) == len(data) and table.columns[0] == f"answer ({target})"
    assert "Plotly" in (out / "evaluation.html").read_text(encoding="utf-8")[:5_000_000]


def test_evaluate_refuses_a_file_without_answers_and_a_used_folder(sample_runs: dict[str, SampleRun],
                                                                   tmp_path: Path) -> None:
    run = sample_runs["customer_churn.csv"]
    data = pd.read_csv(SAMPLES / "customer_churn.csv").head(50)
    path = tmp_path / "no_answers.csv"
    data.drop(columns="churn").to_csv(path, index=False)
    missing = kuai("evaluate", str(run.out), str(path), home=run.home)
    assert missing.returncode == 2 and "[NO_TARGET_COLUMN]" in missing.stderr and "Traceback" not in missing.stderr
    data.to_csv(path, index=False)
    used = tmp_path / "mine"
    used.mkdir()
    (used / "notes.txt").write_text("my notes")
    refused = kuai("evaluate", str(run.out), str(path), "--out", str(used), home=run.home)
    assert refused.returncode == 2 and "[OUT_NOT_EMPTY]" in refused.stderr
    assert [p.name for p in used.iterdir()] == ["notes.txt"] and (used / "notes.txt").read_text() == "my notes"
