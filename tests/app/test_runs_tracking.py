"""The Runs page says what became of a run's MLflow logging: not logged (why, what to do), still logging, or Kuai's
store repaired on the way; the table has a column for it. Run records made directly: no training."""

from __future__ import annotations

import os
import time
from pathlib import Path

from kuai.storage import RunConfig, RunSummary
from kuai.storage.tracking_status import failed, outcome, write_receipt
from tests.app.helpers import new_app


def _plain(markdown: object) -> str:
    """The text a reader sees: without the escapes that keep paths and codes literal."""
    return str(markdown).replace("\\", "").replace("\u2060", "")


FINISHED = RunSummary(model="lightgbm_1", score=0.9, score_std=0.01, metric="roc_auc")


def _finished_run(home: Path, *, tracking: dict | None = None, spool: Path | None = None) -> str:  # type: ignore[type-arg]
    from kuai.storage import create_run, update_run

    run = create_run(RunConfig(dataset_id="d1", dataset_name="customer_churn.csv", target="churn",
                               time_budget_s=10.0))
    update_run(run.run_id, status="finished", finished_at=time.time(), summary=FINISHED, tracking=tracking or {})
    time.sleep(0.01)  # distinct creation times: the newest is listed first
    return run.run_id


def test_the_runs_page_says_a_run_was_not_logged_and_what_to_do(home: Path, tmp_path: Path, reliability) -> None:
    spool = tmp_path / "out" / "mlflow_spool.json"
    spool.parent.mkdir()
    spool.write_text("{}")
    pending = _finished_run(home, tracking=outcome(spool, running=True, pid=os.getpid()))
    logged = _finished_run(home, tracking={"ok": True, "state": "logged", "mlflow_run_id": "r1", "notes": [
        "Kuai's MLflow store was incomplete; it was moved aside to /h/mlflow.db.broken-1 and a new store was made."]})
    # the side process wrote its receipt after the worker had recorded 'pending': the page reads the status file
    write_receipt(spool, failed(ConnectionError("Connection refused"), uri="http://127.0.0.1:9", spool=spool,
                                own_store=False, notes=[]))

    at = new_app().run()
    at.switch_page("views/runs.py").run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value
    assert dict(zip(table["run"], table["MLflow"], strict=True)) == {pending: "not logged", logged: "logged"}

    at.selectbox(key="runs_picker").set_value(pending).run()
    [warning] = [_plain(w.value) for w in at.warning]
    assert "Not logged to MLflow** [TRACKING_FAILED]: the tracking server at http://127.0.0.1:9 could not be " \
        "reached" in warning
    assert "outputs are complete" in warning and f"`kuai track {spool.parent}`" in warning
    reliability.bad_input("coded")

    at.selectbox(key="runs_picker").set_value(logged).run()
    assert not at.warning
    assert any("moved aside to /h/mlflow.db.broken-1" in _plain(i.value) for i in at.info)  # said on its run


def test_the_runs_page_says_a_run_is_still_being_logged(home: Path, tmp_path: Path) -> None:
    spool = tmp_path / "mlflow_spool.json"
    run_id = _finished_run(home, tracking=outcome(spool, running=True, pid=os.getpid()))
    at = new_app().run()
    at.switch_page("views/runs.py").run()
    assert at.dataframe[0].value["MLflow"].tolist() == ["logging…"]
    assert at.selectbox(key="runs_picker").value == run_id
    assert any("Still being logged to MLflow" in _plain(i.value) and str(spool.with_suffix(".done")) in _plain(i.value)
               for i in at.info)
    assert not at.warning
