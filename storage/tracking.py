"""MLflow tracking — the one module that imports ``mlflow``.

Training never waits on MLflow: it writes a *spool* (a JSON file of params,
metrics, tags and artifact paths) and a side process logs it. The side process
starts with the training but holds next to nothing until the training's tail
has exported the model and closed its ONNX Runtime sessions (the tail's memory
peak, which MLflow's ~165 MB would add to); it then imports MLflow while the
last files are written, and logs the spool when it appears. If the tracking
server is down, the spool stays on disk and ``kuai`` can replay it later
(``replay_pending``).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from storage.home import home_dir, mlflow_uri

EXPERIMENT = "kuai"
_KEY_BAD = re.compile(r"[^/\w.\- :]")


def safe_key(key: str) -> str:
    """MLflow keys must match ``^[/\\w.\\- :]*$`` and stay under 250 characters."""
    return _KEY_BAD.sub("_", key)[:250]


def write_spool(path: Path, payload: dict[str, Any]) -> None:
    payload = {"tracking_uri": mlflow_uri(), **payload}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, default=str))
    os.replace(tmp, path)


def log_spool(spool: Path) -> tuple[str, dict[str, Any] | None]:
    """Log one spooled run to MLflow; return the MLflow run id and the registered model, if any.

    A file lock serialises writers: MLflow's SQLite schema set-up is not safe
    for two processes at once.
    """
    import fcntl

    with (home_dir() / "mlflow.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        payload = json.loads(spool.read_text())
        run_id = _log_locked(payload)
        return run_id, payload.get("registered")


def _log_locked(payload: dict[str, Any]) -> str:
    import mlflow

    mlflow.set_tracking_uri(payload["tracking_uri"])
    experiment = mlflow.get_experiment_by_name(EXPERIMENT)
    if experiment is None:
        location = None
        if payload["tracking_uri"].startswith("sqlite:"):
            location = (home_dir() / "mlartifacts").as_uri()
        experiment_id = mlflow.create_experiment(EXPERIMENT, artifact_location=location)
    else:
        experiment_id = experiment.experiment_id
    with mlflow.start_run(experiment_id=experiment_id, run_name=payload.get("run_name")) as run:
        params = {safe_key(k): str(v)[:6000] for k, v in payload.get("params", {}).items()}
        if params:
            mlflow.log_params(params)
        metrics = {safe_key(k): float(v) for k, v in payload.get("metrics", {}).items() if v is not None}
        if metrics:
            mlflow.log_metrics(metrics)
        mlflow.set_tags({safe_key(k): str(v) for k, v in payload.get("tags", {}).items()})
        for artifact in payload.get("artifacts", []):
            if Path(artifact).exists():
                mlflow.log_artifact(artifact)
        if payload.get("status") == "failed":
            mlflow.end_run(status="FAILED")
        elif payload.get("model"):
            payload["registered"] = _log_model(payload["model"])
        return str(run.info.run_id)


# The registered model's code. MLflow loads it from the model's folder (a model from code: nothing is
# unpickled); it scores a DataFrame of the original columns with the code behind `kuai predict`, so the model
# server answers as `kuai predict` does: the ONNX file opened and scored in Kuai's scoring sandbox (a child process
# with a memory cap and a time limit), its metadata checked. It runs where Kuai is installed (`kuai serve`,
# env-manager local). MLflow's server answers {"predictions": ...} and nothing else, so the notes of a request
# (values that could not be read, categories never seen) go to the server's stderr, one `note:` line each; a coded
# error of Kuai's becomes MLflow's BAD_REQUEST with its message.
MODEL_CODE = '''"""Kuai's exported ONNX pipeline behind MLflow's pyfunc interface (written by storage/tracking.py)."""
import sys

import mlflow
import pandas as pd
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import BAD_REQUEST
from mlflow.pyfunc import PythonModel


class KuaiOnnxModel(PythonModel):
    def load_context(self, context):
        from app.services.scoring import load_model

        self.model = load_model(context.artifacts["model"])

    def predict(self, context, model_input, params=None):
        from app.services.scoring import score_table
        from engine import EngineError

        try:
            scored = score_table(self.model, pd.DataFrame(model_input))
        except EngineError as error:
            raise MlflowException(str(error), error_code=BAD_REQUEST) from None
        for note in scored.notes:
            print(f"note: {note}", file=sys.stderr, flush=True)
        return scored.predictions


mlflow.models.set_model(KuaiOnnxModel())
'''


def _log_model(entry: dict[str, Any]) -> dict[str, Any]:
    """Log the ONNX pipeline as a pyfunc model from code (nothing pickled) and register it.

    The input example travels as one of the model's artifacts (``input_example.json``: a few rows of the original
    columns), not as MLflow's ``input_example``: MLflow would load the whole model to validate it, a second ONNX
    Runtime session of about ten times the file beside the training's (828 MB for a 300 s model of magic), and
    only warn if it failed. The training's parity check has scored the same file with ONNX Runtime already."""
    import tempfile

    import mlflow
    import pandas as pd
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, Schema

    def schema(columns: list[dict[str, str]], *, required: bool) -> Schema:
        return Schema([ColSpec(c["type"], c["name"], required=required) for c in columns])

    signature = ModelSignature(inputs=schema(entry["inputs"], required=False),
                               outputs=schema(entry["outputs"], required=True))
    with tempfile.TemporaryDirectory(prefix="kuai-model-code-") as folder:
        code = Path(folder) / "kuai_model.py"
        code.write_text(MODEL_CODE)
        artifacts = {"model": entry["onnx"]}
        if entry.get("input_example"):
            example = Path(folder) / "input_example.json"
            pd.DataFrame(entry["input_example"]).to_json(example, orient="records", indent=1)  # NaN as null
            artifacts["input_example"] = str(example)
        info = mlflow.pyfunc.log_model(
            name="model", python_model=str(code), artifacts=artifacts, signature=signature,
            registered_model_name=entry["name"], pip_requirements=_requirements())
    version = info.registered_model_version
    return {"name": entry["name"], "version": version, "uri": f"models:/{entry['name']}/{version}"}


def _requirements() -> list[str]:
    """The serving environment: Kuai itself (the model's code imports it) and ONNX Runtime."""
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for package in ("kuai", "onnxruntime", "onnx", "pandas", "numpy"):
        try:
            found.append(f"{package}=={version(package)}")
        except PackageNotFoundError:
            continue
    return found


class TrackingSidecar:
    """A side process that waits beside the training, imports MLflow when told the export is done (so that the
    import overlaps the last files, not the export's ONNX Runtime sessions) and logs the spool when it appears."""

    def __init__(self, spool: Path, *, wait_s: float) -> None:
        self.spool = spool.resolve()  # the side process runs in the project folder
        set_aside_earlier(spool)
        env = dict(os.environ, MLFLOW_HTTP_REQUEST_TIMEOUT="10", MLFLOW_HTTP_REQUEST_MAX_RETRIES="1")
        log = spool.with_suffix(".log").open("w")
        self.process: subprocess.Popen[bytes] | None = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("tracking_sidecar.py")), str(self.spool), "--wait",
             str(wait_s)],
            stdout=log, stderr=log, env=env, start_new_session=True,
            cwd=str(Path(__file__).resolve().parent.parent),
        )
        self.pid = self.process.pid

    @classmethod
    def attach(cls, spool: Path, pid: int) -> TrackingSidecar:
        """The side process that this process started before an ``exec`` (its child still, without the handle)."""
        sidecar = cls.__new__(cls)
        sidecar.spool, sidecar.process, sidecar.pid = spool.resolve(), None, pid
        return sidecar

    def export_done(self) -> None:
        """Tell the side process to import MLflow now (the export is done): the spool will follow shortly."""
        self.spool.with_suffix(".soon").touch()

    def join(self, timeout_s: float) -> dict[str, Any] | None:
        """Wait for the logging to end; None if it is still going (it carries on alone)."""
        if self.process is None:  # attached: still this process's child, reaped by its id
            deadline = time.monotonic() + max(0.1, timeout_s)
            while time.monotonic() < deadline:
                try:
                    if os.waitpid(self.pid, os.WNOHANG)[0] == self.pid:
                        break
                except ChildProcessError:  # reaped already, or not a child
                    break
                time.sleep(0.05)
            else:
                return None
            return read_receipt(self.spool)
        try:
            self.process.wait(timeout=max(0.1, timeout_s))
        except subprocess.TimeoutExpired:
            return None
        return read_receipt(self.spool)


def read_receipt(spool: Path) -> dict[str, Any] | None:
    receipt = spool.with_suffix(".done")
    try:
        return json.loads(receipt.read_text()) if receipt.exists() else None
    except (OSError, ValueError):  # cut short by a kill or a full disk: not a receipt
        return None


def set_aside_earlier(spool: Path) -> None:
    """Clear an earlier training's spool from a folder a new training (or a resume) writes to: one already logged
    goes; one not logged yet is kept, under another name, for ``replay_pending``. Left in place, it would be
    logged again in the new training's stead and its receipt taken for the new one."""
    if spool.exists():
        receipt = read_receipt(spool)
        if receipt and receipt.get("ok"):
            spool.unlink()
        else:
            spool.rename(spool.with_name(f"{spool.stem}.earlier-{time.time_ns()}{spool.suffix}"))
    for suffix in (".done", ".tmp", ".soon"):
        spool.with_suffix(suffix).unlink(missing_ok=True)


def serve(spool: Path, wait_s: float) -> int:
    """The side process's body once the export is done (or the spool appeared): import MLflow, log the spool when
    it appears."""
    import mlflow  # noqa: F401  (imported while the training writes its last files: the point of the side process)

    deadline = time.monotonic() + wait_s
    parent = os.getppid()
    while not spool.exists():
        if time.monotonic() > deadline or os.getppid() != parent:  # the training died: nothing will come
            return 3
        time.sleep(0.1)
    try:
        run_id, registered = log_spool(spool)
        receipt: dict[str, Any] = {"ok": True, "mlflow_run_id": run_id, "registered_model": registered}
    except Exception as exc:  # the spool stays for a replay
        receipt = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:1000]}
    spool.with_suffix(".done").write_text(json.dumps(receipt))
    spool.with_suffix(".soon").unlink(missing_ok=True)
    return 0 if receipt["ok"] else 1


def replay_pending(folder: Path) -> list[str]:
    """Log every spool below ``folder`` that has no successful receipt."""
    logged = []
    for spool in folder.rglob("mlflow_spool*.json"):  # an earlier training's, set aside, too
        receipt = read_receipt(spool)
        if receipt and receipt.get("ok"):
            continue
        run_id, registered = log_spool(spool)
        spool.with_suffix(".done").write_text(json.dumps({"ok": True, "mlflow_run_id": run_id,
                                                          "registered_model": registered}))
        logged.append(run_id)
    return logged

