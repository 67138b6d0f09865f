"""Fixtures for the page tests: a fresh home folder, the app under AppTest, one finished run."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app.helpers import CHURN, TRAIN_BUDGET_S, wait_for_job


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KUAI_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture()
def churn_id(home: Path) -> str:
    from kuai.storage import store_dataset_file

    return store_dataset_file(CHURN).dataset_id


@pytest.fixture(scope="session")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, str]]:
    """(home, run id, dataset id) of a real training through the worker process (TRAIN_BUDGET_S), trained once for
    the pages' and the Results page's tests (~23 s each time); a test that adds to the run (another exported model, a
    chosen threshold) leaves what the others check unchanged."""
    from kuai.app.services.jobs import start_job
    from kuai.storage import RunConfig, store_dataset_file

    folder = tmp_path_factory.mktemp("finished") / "home"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KUAI_HOME", str(folder))
        dataset = store_dataset_file(CHURN)
        run = start_job(RunConfig(dataset_id=dataset.dataset_id, dataset_name=dataset.display_name, target="churn",
                                  task="binary", metric="roc_auc", time_budget_s=TRAIN_BUDGET_S, seed=0))
        record = wait_for_job(run.run_id, TRAIN_BUDGET_S + 90)
        log = folder / "runs" / run.run_id / "worker.log"
        assert record.status == "finished", (record.error, log.read_text() if log.exists() else "")
        yield folder, run.run_id, dataset.dataset_id


@pytest.fixture()
def finished_home(finished_run: tuple[Path, str, str], monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    folder, run_id, dataset_id = finished_run
    monkeypatch.setenv("KUAI_HOME", str(folder))
    assert os.environ["KUAI_HOME"] == str(folder)
    return run_id, dataset_id


@pytest.fixture()
def messy_id(home: Path, tmp_path: Path) -> str:
    """Patients with repeated rows, rows without an outcome and a column that gives the outcome away."""
    import numpy as np
    import pandas as pd

    from kuai.storage import store_dataset_file

    rng = np.random.default_rng(3)
    n = 300
    outcome = rng.choice(["yes", "no"], n)
    frame = pd.DataFrame({
        "age": rng.integers(20, 90, n), "bmi": rng.normal(27, 4, n).round(1),
        "discharge_code": np.where(outcome == "yes", "R1", "H0"),  # known only after the outcome
        "readmitted": outcome,
    })
    frame.loc[::25, "readmitted"] = None
    frame = pd.concat([frame, frame.head(12)], ignore_index=True)
    path = tmp_path / "patients.csv"
    frame.to_csv(path, index=False)
    return store_dataset_file(path).dataset_id
