"""Shared by the page tests: paths and a fresh AppTest of the router."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app" / "streamlit_app.py"
CHURN = ROOT / "sample_data" / "customer_churn.csv"
TRAIN_BUDGET_S = 18.0  # long enough for three model families even when the machine is slower than usual


def new_app() -> AppTest:
    """The whole app (router and pages) as a browser session would run it."""
    return AppTest.from_file(str(APP), default_timeout=90)
