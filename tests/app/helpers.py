"""Shared by the page tests: paths and a fresh AppTest of the router."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "kuai" / "app" / "streamlit_app.py"
CHURN = ROOT / "sample_data" / "customer_churn.csv"
TRAIN_BUDGET_S = 18.0  # long enough for three model families even when the machine is slower than usual


def new_app() -> AppTest:
    """The whole app (router and pages) as a browser session would run it."""
    return AppTest.from_file(str(APP), default_timeout=90)


def wait_for_job(run_id: str, within_s: float) -> Any:
    """The run's record once its worker has ended it (or ``within_s`` has passed)."""
    from kuai.app.services.jobs import job_state

    deadline = time.monotonic() + within_s
    record, _ = job_state(run_id)
    while record.status in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.5)
        record, _ = job_state(run_id)
    return record
