"""MLflow tracking server down during training: the training finishes on time, the run is spooled, and it is
replayed — metrics, artifacts and the registered model — once a real `mlflow server` answers on that address."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import SAMPLES
from tests.servers import free_port, wait_for_http

KUAI = str(Path(sys.executable).parent / "kuai")


@pytest.mark.slow
def test_a_dead_tracking_server_costs_nothing_and_the_run_is_replayed_later(tmp_path: Path) -> None:
    port = free_port()
    uri = f"http://127.0.0.1:{port}"
    env = dict(os.environ, KUAI_HOME=str(tmp_path / "home"), MLFLOW_TRACKING_URI=uri)
    out = tmp_path / "run"
    started = time.monotonic()
    result = subprocess.run([KUAI, "train", str(SAMPLES / "customer_churn.csv"), "--time-budget", "10",
                             "--out", str(out)], env=env, capture_output=True, text=True, timeout=120)
    wall = time.monotonic() - started
    assert result.returncode == 0, result.stderr[-2000:]
    assert wall < 10 + 5 + 3  # the budget's tolerance, plus interpreter start-up: no wait on the dead server
    assert (out / "model.onnx").is_file()
    warning = (f"kuai: warning [TRACKING_FAILED] The run was not logged to MLflow (the tracking server at {uri} could "
               f"not be reached); the outputs in {out} are complete. Check that the tracking server runs")
    said = result.stderr.strip().splitlines()
    assert len(said) == 1 and (said[0].startswith(warning)  # one line on stderr
                               or said[0].startswith("kuai: note: MLflow is still logging")), result.stderr  # busy
    receipt = out / "mlflow_spool.done"
    deadline = time.monotonic() + 60
    while not receipt.exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    failed = json.loads(receipt.read_text())
    assert failed["ok"] is False and failed["cause"] == "unreachable"  # spooled, not lost, and why

    server = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port),
         "--backend-store-uri", f"sqlite:///{tmp_path / 'server.db'}",
         "--artifacts-destination", str(tmp_path / "server-artifacts")],
        env=dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for_http(f"{uri}/health", server, timeout_s=90)
        replay = subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; "
                                 "from kuai.storage import replay_pending; print(replay_pending(Path(sys.argv[1])))",
                                 str(out)], env=env, capture_output=True, text=True, timeout=180,
                                cwd=str(Path(__file__).resolve().parents[2]))
        assert replay.returncode == 0, replay.stderr[-3000:]
        import mlflow

        client = mlflow.MlflowClient(tracking_uri=uri)
        logged = json.loads(receipt.read_text())
        assert logged["ok"] and logged["registered_model"]["name"] == "kuai-customer_churn-churn"
        run = client.get_run(logged["mlflow_run_id"])
        assert run.data.params["target"] == "churn" and 0.5 < run.data.metrics["cv_score"] <= 1.0
        assert "model.onnx" in {a.path for a in client.list_artifacts(run.info.run_id)}
        assert client.get_registered_model("kuai-customer_churn-churn").latest_versions
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


@pytest.mark.slow
def test_a_slow_tracking_server_costs_the_training_nothing(tmp_path: Path) -> None:
    """A server that accepts connections and never answers (fault injection): the training ends on time, the run
    is spooled with the reason, and the side process gives up within MLflow's lowered timeouts."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []

    def accept_and_hang() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            held.append(connection)  # read nothing, answer nothing

    threading.Thread(target=accept_and_hang, daemon=True).start()
    uri = f"http://127.0.0.1:{listener.getsockname()[1]}"
    env = dict(os.environ, KUAI_HOME=str(tmp_path / "home"), MLFLOW_TRACKING_URI=uri)
    out = tmp_path / "run"
    try:
        started = time.monotonic()
        result = subprocess.run([KUAI, "train", str(SAMPLES / "customer_churn.csv"), "--time-budget", "10",
                                 "--out", str(out)], env=env, capture_output=True, text=True, timeout=120)
        wall = time.monotonic() - started
        assert result.returncode == 0, result.stderr[-2000:]
        assert wall < 10 + 5 + 3 and (out / "model.onnx").is_file()
        receipt = out / "mlflow_spool.done"
        assert "kuai: note: MLflow is still logging the run, in the background" in result.stderr  # 10 s a request
        assert f"will be written to {receipt}" in result.stderr
        deadline = time.monotonic() + 120
        while not receipt.exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        logged = json.loads(receipt.read_text())
        assert logged["ok"] is False and logged["error"] and logged["cause"] == "unreachable"  # for a replay
        assert held, "the training never tried the slow server"
    finally:
        listener.close()
        for connection in held:
            connection.close()
