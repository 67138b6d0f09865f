"""`kuai train --out` never loses the user's files or a training's work (docs/reliability.md, output folders)."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.cli.test_cli import KUAI, kuai
from tests.conftest import SAMPLES, ReliabilityLedger
from tests.storage.test_output_folder import lost, snapshot, user_folder


def one_error_line(stderr: str, code: str) -> bool:
    lines = [line for line in stderr.splitlines() if line.strip()]
    return len(lines) == 1 and lines[0].startswith(f"kuai: error [{code}]") and "Traceback" not in stderr


def test_train_into_the_users_folder_is_refused_before_anything_is_written(
        tmp_path: Path, reliability: ReliabilityLedger) -> None:
    folder = user_folder(tmp_path)
    before = snapshot(folder)
    env = dict(os.environ, KUAI_HOME=str(tmp_path / "home"))
    for extra in ([], ["--overwrite"]):
        result = subprocess.run([KUAI, "train", str(SAMPLES / "customer_churn.csv"), "--time-budget", "5",
                                 "--out", ".", *extra], cwd=folder, capture_output=True, text=True, env=env,
                                timeout=120)
        assert result.returncode == 2 and one_error_line(result.stderr, "OUT_NOT_EMPTY"), result.stderr
        reliability.bad_input("coded")
    assert lost(before, folder) == 0 and sorted(p.name for p in folder.iterdir()) == \
        ["README.md", "optuna.db", "score.py", "trials"]
    reliability.user_files_checked(lost=lost(before, folder))


@pytest.mark.slow
def test_one_training_per_folder_and_a_resume_that_checks_its_data(tmp_path: Path,
                                                                   reliability: ReliabilityLedger) -> None:
    home = tmp_path / "home"
    data = tmp_path / "churn.csv"
    data.write_bytes((SAMPLES / "customer_churn.csv").read_bytes())
    out = tmp_path / "run"
    first = subprocess.Popen([KUAI, "train", str(data), "--time-budget", "15", "--out", str(out)],
                             env=dict(os.environ, KUAI_HOME=str(home)), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (out / ".kuai-run.json").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    second = kuai("train", str(data), "--time-budget", "8", "--out", str(out), home=home)
    assert first.poll() is None, "the first training ended before the second one started: nothing was tested"
    assert second.returncode == 2 and one_error_line(second.stderr, "OUT_IN_USE"), second.stderr
    reliability.bad_input("coded")
    stdout, stderr = first.communicate(timeout=180)
    assert first.returncode == 0, stderr[-2000:]  # the first lost nothing
    assert {"model.onnx", "model_card.json", "leaderboard.csv", "report.html"} <= {p.name for p in out.iterdir()}

    again = kuai("train", str(data), "--time-budget", "8", "--out", str(out), home=home)
    assert again.returncode == 2 and one_error_line(again.stderr, "OUT_NOT_EMPTY") and "--resume" in again.stderr
    reliability.bad_input("coded")

    finished = kuai("train", "--resume", str(out), home=home)  # a finished training: nothing to resume, unchanged
    assert finished.returncode == 0 and "nothing to resume" in finished.stdout, finished.stderr
    state = json.loads((out / "run_state.json").read_text())
    (out / "run_state.json").write_text(json.dumps({k: v for k, v in state.items() if k != "finished_at"}))
    (out / "trials.json").unlink()  # as if it had stopped before its last outputs: a resume checks the data
    frame = pd.read_csv(data)
    shuffled = frame.assign(churn=np.random.default_rng(0).permutation(frame["churn"].to_numpy()))
    for changed in (shuffled, frame.iloc[: len(frame) // 2]):  # the target shuffled; the file shortened
        changed.to_csv(data, index=False)
        result = kuai("train", "--resume", str(out), home=home)
        assert result.returncode == 2 and one_error_line(result.stderr, "DATA_CHANGED"), result.stderr
        assert "fingerprint" in result.stderr
        reliability.bad_input("coded")
    assert (out / "model_card.json").is_file()  # the refused resumes changed nothing


def test_a_training_refused_for_its_input_leaves_no_folder_behind(tmp_path: Path,
                                                                  reliability: ReliabilityLedger) -> None:
    """A bad option found once the file is read (an unknown target, group or time column): the folders the command
    made are gone, an empty folder of the user's is left empty, and the error is one coded line."""
    env = dict(os.environ, KUAI_HOME=str(tmp_path / "home"))
    data = str(SAMPLES / "customer_churn.csv")
    mine = tmp_path / "mine"
    mine.mkdir()
    cases = [(tmp_path / "new" / "deeper", ["--group", "custmer_id"], "BAD_GROUP"),
             (mine, ["--time", "churn"], "BAD_TIME")]
    for out, options, code in cases:
        result = subprocess.run([KUAI, "train", data, "--time-budget", "10", "--out", str(out), *options],
                                capture_output=True, text=True, env=env, timeout=120)
        assert result.returncode == 2 and code in result.stderr and "Traceback" not in result.stderr, result.stderr
        reliability.bad_input("coded")
    assert not (tmp_path / "new").exists()
    assert mine.is_dir() and list(mine.iterdir()) == []
