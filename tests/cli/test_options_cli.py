"""Options and settings the CLI refuses before any work: one coded line, exit 2, nothing silently ignored."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SAMPLES

KUAI = str(Path(sys.executable).parent / "kuai")
CHURN = str(SAMPLES / "customer_churn.csv")


def kuai(*args: str, home: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KUAI_")} | {"KUAI_HOME": str(home)} | settings
    return subprocess.run([KUAI, *args], capture_output=True, text=True, timeout=120, env=env)


def _refused(result: subprocess.CompletedProcess[str], code: str) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1, result.stderr[-2000:]
    assert lines[0].startswith(f"kuai: error [{code}]") and "Traceback" not in result.stderr
    return lines[0]


@pytest.mark.parametrize(("option", "value", "says"), [
    ("--time-budget", "nan", "--time-budget"), ("--time-budget", "-inf", "--time-budget"),
    ("--seed", "99999999999999999999", "2**32 - 1"), ("--folds", "1", "at least 2"),
    ("--max-size-mb", "nan", "--max-size-mb"), ("--families", "lightgbm,xgbost", "'xgboost'"),
    ("--families", ",", "lightgbm,mlp"), ("--families", "foo,ＭＬＰ,bar", "'foo' or 'ＭＬＰ' or 'bar'"),
    ("--families", "ＭＬＰ", "Did you mean 'mlp'"), ("--families", "x" * 5000, "(5,000 characters)"),
])
def test_numbers_out_of_range_are_usage_errors(option: str, value: str, says: str, tmp_path: Path,
                                               reliability: Any) -> None:
    out = tmp_path / "out"
    line = _refused(kuai("train", CHURN, "--target", "churn", option, value, "--out", str(out), home=tmp_path / "h"),
                    "USAGE")
    assert says in line and not out.exists()
    reliability.bad_input("coded")


def test_bad_settings_and_homes_are_refused_before_any_work(tmp_path: Path, reliability: Any) -> None:
    line = _refused(kuai("profile", CHURN, home=tmp_path / "h", KUAI_READ_TIMEOUT_S="abc"), "BAD_SETTING")
    assert "KUAI_READ_TIMEOUT_S='abc'" in line and "above 0" in line
    line = _refused(kuai("profile", CHURN, home=tmp_path / "h", KUAI_WORKER_MEMORY_MB="60"), "BAD_SETTING")
    assert "1,024" in line
    a_file = tmp_path / "home.csv"
    a_file.write_text("a,b\n1,2\n")
    line = _refused(kuai("profile", CHURN, home=a_file), "BAD_HOME")
    assert str(a_file) in line and a_file.read_text() == "a,b\n1,2\n"
    reliability.bad_input("coded")
    reliability.bad_input("coded")
    reliability.bad_input("coded")
    reliability.user_files_checked(lost=0)


def test_resuming_a_finished_training_changes_nothing(tmp_path: Path, reliability: Any) -> None:
    out = tmp_path / "done"
    out.mkdir()
    (out / "training_options.json").write_text(json.dumps({"data_path": CHURN, "time_budget_s": 10}))
    (out / "run_state.json").write_text(json.dumps({"started_at": 1.0, "finished_at": 1_700_000_000.0}))
    (out / "model.onnx").write_bytes(b"a model")
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.iterdir()}
    result = kuai("train", "--resume", str(out), home=tmp_path / "h")
    assert result.returncode == 0, result.stderr
    assert "nothing to resume" in result.stdout and "--overwrite" in result.stdout
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.iterdir()} == before
    reliability.user_files_checked(lost=0)
