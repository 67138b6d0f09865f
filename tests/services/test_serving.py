"""`kuai serve`: the model registered in MLflow, served by MLflow's server on loopback, answers as `kuai predict`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from kuai.app.services.serving import resolve_model_uri
from kuai.engine import SchemaError
from tests.conftest import SampleRun
from tests.servers import free_port, invoke_served_model, wait_for_http

ROOT = Path(__file__).resolve().parents[2]
CHURN = ROOT / "sample_data" / "customer_churn.csv"
KUAI = [sys.executable, "-m", "kuai.app.cli"]


def test_a_folder_that_is_not_a_training_output_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SchemaError) as caught:
        resolve_model_uri(str(tmp_path))
    assert caught.value.code == "MODEL_NOT_FOUND"


def test_a_run_whose_mlflow_logging_failed_says_so(tmp_path: Path) -> None:
    (tmp_path / "mlflow_spool.json").write_text("{}")
    (tmp_path / "mlflow_spool.done").write_text(json.dumps({"ok": False, "error": "OperationalError: disk full"}))
    with pytest.raises(SchemaError) as caught:
        resolve_model_uri(str(tmp_path), wait_s=0.1)
    assert caught.value.code == "NOT_REGISTERED" and "disk full" in str(caught.value)
    assert resolve_model_uri("models:/kuai-x-y/3") == "models:/kuai-x-y/3"


@pytest.mark.slow
def test_served_model_answers_like_kuai_predict(sample_runs: dict[str, SampleRun], tmp_path: Path) -> None:
    home, out = sample_runs["customer_churn.csv"].home, sample_runs["customer_churn.csv"].out  # trained once
    env = dict(os.environ, KUAI_HOME=str(home))
    uri = resolve_model_uri(str(out))  # waits for the side process that logs to MLflow
    assert uri.startswith("models:/kuai-customer_churn-churn/")

    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{home / 'mlflow.db'}")
    try:
        version = mlflow.MlflowClient().get_model_version("kuai-customer_churn-churn", uri.rsplit("/", 1)[1])
        model_info = mlflow.models.get_model_info(uri)
        folder = Path(mlflow.artifacts.download_artifacts(uri, dst_path=str(tmp_path / "registered")))
    finally:  # None, not the previous URI: MLflow puts the URI in MLFLOW_TRACKING_URI, and later tests' `kuai`
        mlflow.set_tracking_uri(None)  # subprocesses would log to this test's store
    assert version.run_id and model_info.flavors.keys() >= {"python_function"}
    assert "contract" in model_info.signature.inputs.input_names()
    assert model_info.signature.outputs.input_names() == ["prediction", "proba_no", "proba_yes"]
    assert model_info.saved_input_example_info is None  # MLflow did not load the model a second time to check one
    explained = out / "explanation.json"  # the example rows are the explanation's first three
    explanation = json.loads(explained.read_text()) if explained.exists() else None  # null: SHAP was skipped
    sample = explanation.get("sample_data") if explanation else None
    example_file = folder / "artifacts" / "input_example.json"
    assert example_file.exists() == bool(sample)
    if sample:
        example = json.loads(example_file.read_text())
        assert len(example) == 3 and set(example[0]) <= set(model_info.signature.inputs.input_names())

    rows = pd.read_csv(CHURN).head(40).drop(columns=["churn"])
    rows.loc[0, "contract"] = "a contract never seen"  # unseen category, missing values: handled as at training
    rows.loc[1, ["tenure_months", "region"]] = [np.nan, None]
    rows.loc[2, "signup_date"] = "not a date"  # scored as missing: the note goes to the server's stderr
    empty = pd.DataFrame([[None] * rows.shape[1]], columns=rows.columns)  # a row with no value: one answer each
    rows = pd.concat([empty, empty, rows.iloc[:20], empty, rows.iloc[20:], empty], ignore_index=True)
    data = tmp_path / "rows.csv"
    rows.to_csv(data, index=False)
    subprocess.run([*KUAI, "predict", str(out), str(data), "--out", str(tmp_path / "p.csv")], env=env, check=True,
                   capture_output=True, timeout=60)
    expected = pd.read_csv(tmp_path / "p.csv")

    port = free_port()
    server = subprocess.Popen([*KUAI, "serve", str(out), "--port", str(port)], env=env, cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/ping", server, timeout_s=120)
        answer = invoke_served_model(port, rows)
        listening = subprocess.run(["ss", "-ltn"], capture_output=True, text=True).stdout
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    output = server.stdout.read().decode("utf-8", "replace") if server.stdout else ""
    assert "note: Some values were not used as given" in output
    assert "'signup_date': 1 value is not a date Kuai can read" in output
    assert "note: 4 rows of the request have no value at all (rows 1, 2, 23, 44)" in output
    assert len(answer) == len(expected) == len(rows) == 44  # in the same order: the same answers as kuai predict
    assert list(answer["prediction"]) == list(expected["prediction"])
    for column in ("proba_no", "proba_yes"):
        np.testing.assert_allclose(answer[column], expected[column], atol=1e-6)
    assert f"127.0.0.1:{port}" in listening and f"0.0.0.0:{port}" not in listening


def test_a_broken_model_is_refused_before_mlflow_starts(tmp_path: Path, reliability: Any) -> None:
    from kuai.app.services.serving import check_served_model
    from tests.services import hostile_models as hostile

    hostile.save(hostile.classifier(), tmp_path / "model.onnx", hostile.schema("multiclass", ["a", "b", "c"]))
    with pytest.raises(SchemaError) as caught:
        check_served_model(str(tmp_path))
    reliability.bad_input("coded" if caught.value.code == "BAD_MODEL" else "crash")
    assert caught.value.code == "BAD_MODEL" and "3 classes" in str(caught.value)


def test_the_served_code_scores_in_the_sandbox_and_prints_its_notes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str],
                                                                   reliability: Any) -> None:
    """The registered model's code (kuai.storage.tracking.MODEL_CODE), as MLflow's server runs it: its notes on stderr,
    a model stopped in the sandbox a coded BAD_REQUEST."""
    from types import SimpleNamespace

    from mlflow.exceptions import MlflowException

    from kuai.storage.tracking import MODEL_CODE
    from tests.services import hostile_models as hostile

    namespace: dict[str, Any] = {}
    exec(compile(MODEL_CODE, "kuai_model.py", "exec"), namespace)  # noqa: S102 — our own generated code
    served = namespace["KuaiOnnxModel"]()
    monkeypatch.setenv("KUAI_SCORING_TIMEOUT_S", "1")
    loop = hostile.save(hostile.endless_loop(only_when_positive=True), tmp_path / "model.onnx", hostile.schema())
    served.load_context(SimpleNamespace(artifacts={"model": str(loop)}))
    try:
        rows = pd.DataFrame({"x": [-1.0, "abc", None], "when": ["2024-01-02", "2024-01-03", None],
                             "colour": ["red", "red", None]})
        predicted = served.predict(None, rows)  # x <= 0 or missing: no loop
        assert predicted["prediction"].tolist() == [-1.0, 0.0, 0.0]  # x, 0 when missing (not read: "abc")
        err = capsys.readouterr().err
        assert "note: Some values were not used as given" in err
        assert "note: 1 row of the request has no value at all (row 3)" in err  # scored, and said
        reliability.guess(told=True)
        with pytest.raises(MlflowException) as caught:
            served.predict(None, rows.assign(x=[1.0, 2.0, 3.0]))  # x > 0: 10^15 steps
    finally:
        served.model.close()
    reliability.bad_input("coded" if "[SCORING_TIMEOUT]" in caught.value.message else "crash")
    assert "[SCORING_TIMEOUT]" in caught.value.message and caught.value.error_code == "BAD_REQUEST"
