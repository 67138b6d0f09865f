"""The app submits a run to the shared storage (KUAI_STORAGE): a `kuai worker` joins it, the result comes back to
the app's run as usual, and the Runs page lists the study with both workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest

from tests.postgres import PostgresServer

KUAI = str(Path(sys.executable).parent / "kuai")
SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"


@pytest.mark.slow
def test_an_app_run_on_the_shared_storage_is_joined_and_listed(postgres: PostgresServer, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from kuai.app.services.jobs import job_state, outputs_dir, resumable, start_job
    from kuai.storage import RunConfig, store_dataset_file
    from tests.app.helpers import new_app

    for name, value in {"KUAI_HOME": tmp_path / "home", "KUAI_STORAGE": postgres.url,
                        "KUAI_SHARED": tmp_path / "shared"}.items():
        monkeypatch.setenv(name, str(value))
    worker = subprocess.Popen([KUAI, "worker", "--wait", "60"], env=dict(os.environ), text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        dataset = store_dataset_file(SAMPLES / "customer_churn.csv")
        run = start_job(RunConfig(dataset_id=dataset.dataset_id, dataset_name=dataset.display_name, target="churn",
                                  time_budget_s=20.0, shared=True))
        deadline = time.monotonic() + 90
        while job_state(run.run_id)[0].status not in ("finished", "failed") and time.monotonic() < deadline:
            time.sleep(0.5)
        record, events = job_state(run.run_id)
        worker_out, worker_err = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    assert record.status == "finished", record.error
    assert worker.returncode == 0, worker_err[-2000:]
    assert (outputs_dir(run.run_id) / "model.onnx").is_file() and record.summary.score > 0.75
    assert any("other workers may join" in e["message"] for e in events)
    assert not resumable(record)

    (study,) = optuna.get_all_study_summaries(postgres.url)  # this module's only study
    trials = optuna.load_study(study_name=study.study_name, storage=postgres.url).get_trials(deepcopy=False)
    # who ran the trials (a known-good configuration still queued when the deadline came has no worker)
    workers = {t.user_attrs.get("worker") for t in trials if t.state is not optuna.trial.TrialState.WAITING}
    assert len(workers) == 2 and study.study_name in worker_out

    at = new_app().run()
    at.switch_page("views/runs.py").run()
    assert not at.exception
    shared = at.dataframe[0].value  # the shared studies come first
    row = shared[shared["study"] == study.study_name].iloc[0]
    assert row["status"] == "finished" and row["finished trials"] == sum(
        t.state is optuna.trial.TrialState.COMPLETE for t in trials)
    assert all(w in row["workers"] for w in workers if w)
    assert "s3cret" not in " ".join(m.value for m in at.caption)  # the password never reaches the page
