"""Shared fixtures: every test runs against a throw-away home folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

_TEST_HOME = None if "KUAI_HOME" in os.environ else tempfile.mkdtemp(prefix="kuai-test-home-")  # removed at the end
if _TEST_HOME is not None:
    os.environ["KUAI_HOME"] = _TEST_HOME
os.environ.pop("MLFLOW_TRACKING_URI", None)

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_data"
SAMPLE_BUDGET_S = 12.0  # the first model boosts 20 rounds at least: 12 s had given one-round boosters on a slow machine
SAMPLE_RUN_IDS = {  # sample file -> run id (letters only: it names a run folder under the home's runs/)
    "customer_churn.csv": "churn",
    "machine_failure_type.csv": "machines",
    "house_prices.csv": "houses",
}


@dataclass
class ReliabilityLedger:
    """What the reliability tests (docs/reliability.md) tried and saw; printed once at the end of the run."""

    bad_inputs_tried: int = 0
    handled_with_coded_error: int = 0
    read_correctly: int = 0
    crashes: int = 0
    kill_points_tested: int = 0
    resumed_ok: int = 0
    lost_trials: int = 0
    lost_runs: int = 0
    files_outside_home: int = 0
    user_files_lost: int = 0  # files of the user's that a command deleted or overwrote (must stay 0)
    silent_guesses: int = 0  # guesses Kuai made without telling the user (must stay 0)
    guesses_checked: int = 0

    def bad_input(self, outcome: str) -> None:
        """``outcome``: 'coded' (a coded, readable error), 'read' (a correct table) or 'crash' (anything else)."""
        self.bad_inputs_tried += 1
        if outcome == "coded":
            self.handled_with_coded_error += 1
        elif outcome == "read":
            self.read_correctly += 1
        else:
            self.crashes += 1

    def kill_point(self, *, resumed: bool, lost_trials: int, lost_runs: int = 0) -> None:
        self.kill_points_tested += 1
        self.resumed_ok += int(resumed)
        self.lost_trials += lost_trials
        self.lost_runs += lost_runs

    def home_checked(self, outside: int) -> None:
        self.files_outside_home += outside

    def user_files_checked(self, lost: int) -> None:
        """After a command ran beside the user's own files: how many of them were deleted or changed."""
        self.user_files_lost += lost

    def guess(self, *, told: bool) -> None:
        """A case where Kuai has to guess (a date format, merged labels, ...): was the user told?"""
        self.guesses_checked += 1
        self.silent_guesses += int(not told)


LEDGER = ReliabilityLedger()


@pytest.fixture(scope="session")
def reliability() -> ReliabilityLedger:
    return LEDGER


def pytest_unconfigure(config: Any) -> None:
    """The session's throw-away home folder goes with it (one was left in /tmp by every run)."""
    if _TEST_HOME is not None:
        shutil.rmtree(_TEST_HOME, ignore_errors=True)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    terminalreporter.section("reliability summary (docs/reliability.md)")
    terminalreporter.write_line(", ".join(f"{f.name}={getattr(LEDGER, f.name)}" for f in fields(LEDGER)))


@pytest.fixture()
def kuai_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("KUAI_HOME", str(home))
    return home


@pytest.fixture()
def mixed_frame() -> pd.DataFrame:
    """A small seeded table with numbers, categories, dates, an id and a binary target."""
    rng = np.random.default_rng(0)
    n = 400
    amount = rng.normal(50, 10, n)
    colour = rng.choice(["red", "green", "blue"], n)
    signal = (amount - 50) / 10 + (colour == "red") * 1.5 + rng.normal(0, 0.7, n)
    frame = pd.DataFrame({
        "row_id": [f"R{i:05d}" for i in range(n)],
        "amount": amount.round(2),
        "colour": colour,
        "visited": pd.date_range("2021-01-01", periods=n, freq="37h").strftime("%Y-%m-%d %H:%M"),
        "outcome": np.where(signal > 0.5, "yes", "no"),
    })
    frame.loc[::13, "amount"] = np.nan
    frame.loc[::17, "colour"] = None
    return frame


@dataclass(frozen=True)
class SampleRun:
    """One `kuai train` of a sample dataset: its output folder (``home/runs/<run_id>/outputs``), home, wall time."""

    out: Path
    home: Path
    run_id: str
    wall_s: float


@pytest.fixture(scope="session")
def sample_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SampleRun]:
    """Train each sample dataset once for the whole session (binary, multiclass, regression; seed 0), one after the
    other so each wall time can be held to its budget. Shared by the CLI contract tests (tests/cli/test_cli.py),
    the deployment bundle tests (tests/exporters/test_bundle_examples.py) and `kuai serve` (tests/services/
    test_serving.py). Tests that change a run work on a copy; `kuai export --model` only adds ``models/<name>``."""
    kuai = str(Path(sys.executable).parent / "kuai")
    root = tmp_path_factory.mktemp("sample-runs")
    runs = {}
    for sample, run_id in SAMPLE_RUN_IDS.items():
        home = root / f"home-{run_id}"
        out = home / "runs" / run_id / "outputs"
        started = time.monotonic()
        result = subprocess.run([kuai, "train", str(SAMPLES / sample), "--time-budget", str(SAMPLE_BUDGET_S),
                                 "--seed", "0", "--out", str(out)], capture_output=True, text=True, timeout=180,
                                env=dict(os.environ, KUAI_HOME=str(home)))
        wall = time.monotonic() - started
        assert result.returncode == 0, result.stderr[-2000:]
        runs[sample] = SampleRun(out=out, home=home, run_id=run_id, wall_s=wall)
    return runs
