"""Training jobs in real worker processes: progress, results, cancel, a killed worker."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from kuai import storage
from kuai.app.services.jobs import cancel_job, job_state, outputs_dir, resumable, resume_job, start_job
from kuai.app.services.scoring import neutralise_formulas
from kuai.storage import RunConfig
from kuai.storage.runs import process_alive
from tests.conftest import SAMPLES


def _wait(run_id: str, statuses: tuple[str, ...], timeout: float) -> storage.RunRecord:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record, _ = job_state(run_id)
        if record.status in statuses:
            return record
        time.sleep(0.5)
    raise AssertionError(f"run {run_id} stayed {job_state(run_id)[0].status}")


def _config(dataset: storage.DatasetRecord, budget: float) -> RunConfig:
    return RunConfig(dataset_id=dataset.dataset_id, dataset_name=dataset.display_name, target="churn",
                     time_budget_s=budget)


@pytest.mark.slow
def test_a_job_runs_in_a_worker_and_leaves_results(kuai_home: Path) -> None:
    dataset = storage.store_dataset_file(SAMPLES / "customer_churn.csv")
    record = start_job(_config(dataset, 12))
    assert record.pid and record.status in ("queued", "running")
    finished = _wait(record.run_id, ("finished", "failed"), 90)
    assert finished.status == "finished", finished.error
    _, events = job_state(record.run_id)
    stages = [e["stage"] for e in events]
    assert stages[0] == "reading" and "trial" in stages and stages[-1] == "done"
    trials = [e["data"]["trial"] for e in events if e["stage"] == "trial"]
    assert any(t["state"] == "complete" for t in trials)
    assert (outputs_dir(record.run_id) / "model.onnx").exists()
    assert finished.summary is not None and finished.summary.score is not None
    assert finished.summary.model and 0.5 < finished.summary.score <= 1
    optuna_db = kuai_home / "optuna.db"
    assert optuna_db.exists(), "trials of app runs are kept in the home folder's Optuna store"


@pytest.mark.slow
def test_cancel_stops_a_running_job(kuai_home: Path) -> None:
    dataset = storage.store_dataset_file(SAMPLES / "customer_churn.csv")
    record = start_job(_config(dataset, 120))
    _wait(record.run_id, ("running",), 30)
    time.sleep(4)
    started = time.monotonic()
    assert cancel_job(record.run_id).status == "cancelled"
    deadline = time.monotonic() + 30
    pid = job_state(record.run_id)[0].pid
    while time.monotonic() < deadline and process_alive(pid):
        time.sleep(0.3)
    assert not process_alive(pid), "the worker must stop after a cancel"
    assert time.monotonic() - started < 30
    assert job_state(record.run_id)[0].status == "cancelled"


@pytest.mark.slow
def test_a_killed_worker_is_reported_failed_not_running(kuai_home: Path, reliability: Any) -> None:
    import optuna

    dataset = storage.store_dataset_file(SAMPLES / "customer_churn.csv")
    record = start_job(_config(dataset, 25))  # 3 trials, then the kill; the resume has the rest
    running = _wait(record.run_id, ("running",), 30)
    trials = outputs_dir(record.run_id) / "trials"
    deadline = time.monotonic() + 60
    while len(list(trials.glob("trial-*.npy"))) < 3 and time.monotonic() < deadline:  # saved just before completing
        time.sleep(0.3)
    os.killpg(running.pid, signal.SIGKILL)
    failed = _wait(record.run_id, ("failed",), 10)
    assert "stopped without finishing" in failed.error
    study = optuna.load_study(study_name=f"run-{record.run_id}", storage=storage.optuna_storage_url())
    finished = [t.number for t in study.trials if t.state.name == "COMPLETE"]
    kept = [n for n in finished if storage.TrialStore(trials).load(n) is not None]
    assert len(finished) >= 2 and kept == finished  # every finished trial kept: score in the study, OOF on disk
    assert resumable(failed)
    resume_job(record.run_id)  # what the Runs page's Resume button does
    done = _wait(record.run_id, ("finished", "failed"), 150)
    assert done.status == "finished", done.error
    trials = {t["number"]: t for t in json.loads((outputs_dir(record.run_id) / "trials.json").read_text())}
    lost = [n for n in finished if trials.get(n, {}).get("state") != "complete"]
    reliability.kill_point(resumed=not lost, lost_trials=len(lost),
                           lost_runs=int(record.run_id not in {r.run_id for r in storage.list_runs()}))
    assert lost == [] and (outputs_dir(record.run_id) / "model.onnx").is_file()


def test_formula_cells_are_neutralised() -> None:
    import pandas as pd

    frame = pd.DataFrame({"prediction": ["=cmd|'/c calc'!A1", "+1+1", "@SUM(A1)", "-2.5", "ok", "\tx"],
                          "proba_yes": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]})
    safe = neutralise_formulas(frame)
    assert safe["prediction"].tolist() == ["'=cmd|'/c calc'!A1", "'+1+1", "'@SUM(A1)", "-2.5", "ok", "'\tx"]
    assert safe["proba_yes"].tolist() == frame["proba_yes"].tolist()
    assert json.dumps(safe.to_dict())  # still plain data
