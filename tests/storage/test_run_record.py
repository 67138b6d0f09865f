"""A run's record as typed values: ``run.json`` files earlier versions wrote still read, and are written the same."""

from __future__ import annotations

import json
from pathlib import Path

from kuai import storage
from kuai.storage import RunConfig, RunStatus, RunSummary
from kuai.storage.runs import save_run

# as ``save_run`` wrote it when the record held dicts: ``json.dumps(asdict(record), default=str)``
OLD_FINISHED = json.dumps({
    "run_id": "0123abcd4567", "status": "finished",
    "config": {"dataset_id": "ds1", "dataset_name": "churn.csv", "target": "churn", "task": "binary",
               "metric": "roc_auc", "time_budget_s": 60.0, "seed": 0, "type_overrides": {"age": "categorical"},
               "fixes": [{"action": "drop_duplicate_rows", "label": "Drop 3 repeated rows"}], "excluded": ["id"],
               "shared": False, "max_latency_ms": None, "max_size_mb": 5.0, "class_weight": "balanced"},
    "created_at": 1700000000.5, "pid": 4242, "heartbeat_at": 1700000050.0, "finished_at": 1700000060.25,
    "error": "",
    "summary": {"model": "lightgbm_3", "score": 0.84, "score_std": 0.01, "metric": "roc_auc",
                "parity_max_diff": 1e-07, "mlflow_run_id": "9f1c", "wall_time_s": 58.2},
    "tracking": {"ok": True, "state": "logged", "mlflow_run_id": "9f1c", "registered_model": None, "notes": []},
})


def _stored(text: str, run_id: str) -> Path:
    path = storage.run_dir(run_id) / "run.json"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    return path


def test_a_record_of_the_old_format_reads_typed_and_is_written_byte_for_byte_the_same(kuai_home: Path) -> None:
    path = _stored(OLD_FINISHED, "0123abcd4567")
    record = storage.load_run("0123abcd4567")
    assert record.status is RunStatus.FINISHED and record.status == "finished"
    assert record.config == RunConfig(
        dataset_id="ds1", dataset_name="churn.csv", target="churn", task="binary", metric="roc_auc",
        type_overrides={"age": "categorical"}, excluded=("id",), max_size_mb=5.0, class_weight="balanced",
        fixes=({"action": "drop_duplicate_rows", "label": "Drop 3 repeated rows"},))
    assert record.summary == RunSummary(model="lightgbm_3", score=0.84, score_std=0.01, metric="roc_auc",
                                        parity_max_diff=1e-07, mlflow_run_id="9f1c", wall_time_s=58.2)
    assert record.tracking["state"] == "logged"
    path.unlink()
    save_run(record)
    assert path.read_text() == OLD_FINISHED


def test_a_record_missing_keys_or_holding_unknown_ones_still_reads(kuai_home: Path) -> None:
    """A record an older version, or a hand, wrote: a queued run with part of a config, no summary yet, an error
    cleared by a resume (null), and a key this version does not know."""
    _stored(json.dumps({"run_id": "aa11", "status": "queued", "config": {"target": "y", "retired_option": 1},
                        "created_at": 1.0, "pid": None, "heartbeat_at": None, "finished_at": None, "error": None,
                        "summary": {}, "tracking": {}, "written_by": "kuai 0.0.9"}), "aa11")
    record = storage.load_run("aa11")
    assert record.config == RunConfig(dataset_id="", dataset_name="", target="y")
    assert record.summary is None and record.error is None and record.status is RunStatus.QUEUED
    updated = storage.update_run("aa11", status="failed", error="The worker process stopped before the training began.")
    assert updated.status is RunStatus.FAILED  # a status given as text is the enum
    assert json.loads((storage.run_dir("aa11") / "run.json").read_text())["status"] == "failed"


def test_a_record_that_is_not_one_is_left_out_of_the_list(kuai_home: Path) -> None:
    _stored('{"run_id": "bb22", "status": "fin', "bb22")  # cut short by a kill
    _stored(json.dumps({"status": "finished", "created_at": 2.0}), "cc33")  # no run id
    _stored(json.dumps({"run_id": "dd44", "status": "lost", "created_at": 3.0}), "dd44")  # no such status
    kept = storage.create_run(RunConfig(dataset_id="d1", dataset_name="d.csv", target="y"))
    assert [r.run_id for r in storage.list_runs()] == [kept.run_id]
