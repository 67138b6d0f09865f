"""The MLflow spool as a value: the files earlier versions of Kuai wrote still read; new ones are written the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kuai.storage import ModelEntry, SignatureColumn, Spool, read_spool, write_spool
from kuai.storage.tracking import own_store

# as the spool was written before it was a dataclass: ``json.dumps({"tracking_uri": …, "own_store": …, **payload})``
OLD_FINISHED = json.dumps({
    "tracking_uri": "sqlite:////home/u/.kuai/mlflow.db", "own_store": True, "run_name": "churn.csv",
    "status": "finished", "params": {"data": "churn.csv", "time_budget_s": 60.0, "seed": 0, "n_rows": 7043},
    "metrics": {"cv_score": 0.84, "cv_score_std": 0.01, "parity_max_diff": 1e-07, "leaderboard.lightgbm_3": 0.84},
    "tags": {"kuai.model": "lightgbm_3", "kuai.best_on_leaderboard": "lightgbm_3"},
    "artifacts": ["/runs/a/model.onnx", "/runs/a/model_card.json"],
    "model": {"onnx": "/runs/a/model.onnx", "name": "kuai-churn-churned",
              "inputs": [{"name": "tenure", "type": "double"}, {"name": "plan", "type": "string"}],
              "outputs": [{"name": "prediction", "type": "string"}, {"name": "proba_no", "type": "double"},
                          {"name": "proba_yes", "type": "double"}],
              "input_example": [{"tenure": 3.0, "plan": "basic"}, {"tenure": None, "plan": "pro"}]},
})
OLD_FAILED = json.dumps({
    "tracking_uri": "http://mlflow:5000", "own_store": False, "run_name": "churn.csv", "status": "failed",
    "params": {"data": "churn.csv", "time_budget_s": 60.0, "seed": 0},
    "tags": {"error": "No column looks like a target"}, "metrics": {}, "artifacts": [],
})


def test_a_finished_spool_of_the_old_format_reads_and_is_written_byte_for_byte_the_same() -> None:
    spool = Spool.from_json(OLD_FINISHED)
    assert spool.status == "finished" and spool.own_store and spool.run_name == "churn.csv"
    assert spool.metrics["cv_score"] == 0.84 and spool.artifacts == ("/runs/a/model.onnx", "/runs/a/model_card.json")
    assert spool.model is not None and spool.model.name == "kuai-churn-churned"
    assert spool.model.inputs == (SignatureColumn("tenure", "double"), SignatureColumn("plan", "string"))
    assert spool.model.input_example[1] == {"tenure": None, "plan": "pro"}
    assert spool.to_json() == OLD_FINISHED


def test_a_failed_spool_of_the_old_format_reads_and_keeps_its_keys_and_values() -> None:
    spool = Spool.from_json(OLD_FAILED)
    assert spool.status == "failed" and spool.model is None and spool.tags == {"error": "No column looks like a target"}
    assert json.loads(spool.to_json()) == json.loads(OLD_FAILED)  # no "model" key: a failed run registers nothing
    assert own_store(spool) is None  # the user's server: never repaired by Kuai


def test_what_is_not_a_spool_is_a_value_error_and_missing_keys_take_their_defaults(tmp_path: Path) -> None:
    for text in ("[1, 2]", '{"tracking_uri": "sqlite:///', '{"model": {"onnx": "m.onnx"}}', '{"params": 3}'):
        with pytest.raises(ValueError):
            Spool.from_json(text)
    bare = tmp_path / "mlflow_spool.json"
    bare.write_text("{}")  # the smallest file the status module reads a logging's store from
    assert read_spool(bare) == Spool()
    with pytest.raises(OSError):
        read_spool(tmp_path / "missing.json")


def test_a_spool_is_written_whole_for_the_store_this_process_logs_to(kuai_home: Path, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    model = ModelEntry(onnx=str(tmp_path / "model.onnx"), name="kuai-d-y", inputs=(SignatureColumn("x", "double"),),
                       outputs=(SignatureColumn("prediction", "double"),))
    spool, path = Spool(run_name="d.csv", params={"seed": 0}, model=model), tmp_path / "mlflow_spool.json"
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    write_spool(path, spool)
    written = read_spool(path)
    assert written.own_store and written.tracking_uri.startswith("sqlite:///") and written.model == model
    assert own_store(written) == (kuai_home / "mlflow.db").resolve()  # Kuai's own store: Kuai may repair it
    assert not path.with_suffix(".tmp").exists()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://mlflow:5000")
    write_spool(path, spool)
    assert (read_spool(path).tracking_uri, read_spool(path).own_store) == ("http://mlflow:5000", False)
