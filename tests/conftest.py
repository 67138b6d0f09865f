"""Shared fixtures: every test runs against a throw-away home folder."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

os.environ.setdefault("KUAI_HOME", tempfile.mkdtemp(prefix="kuai-test-home-"))
os.environ.pop("MLFLOW_TRACKING_URI", None)

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_data"


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
