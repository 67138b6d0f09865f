"""``kuai serve``: MLflow's own model server over a model Kuai registered, on loopback.

No HTTP layer of our own: ``mlflow models serve`` answers ``POST /invocations``
(``{"dataframe_split": {"columns": [...], "data": [[...]]}}``) with what
``kuai predict`` writes, since the registered model is the ONNX pipeline behind
the code in ``kuai.storage.tracking.MODEL_CODE``: opened and scored in Kuai's scoring sandbox
(``kuai.app.services.sandbox``), with the same limits and checks as ``kuai predict``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from kuai.engine import SchemaError
from kuai.storage import mlflow_uri, read_receipt

RECEIPT_WAIT_S = 60.0  # MLflow logging runs in a side process that may still be finishing


def resolve_model_uri(model: str, *, wait_s: float = RECEIPT_WAIT_S) -> str:
    """``models:/NAME/VERSION`` as given, or the model a training output folder (or its model.onnx) registered."""
    if model.startswith("models:/"):
        return model
    path = Path(model)
    folder = path.parent if path.is_file() else path
    spool = folder / "mlflow_spool.json"
    if not spool.exists():
        raise SchemaError(f"'{model}' is not a folder written by 'kuai train' (no MLflow record there); give the "
                          "folder or a registered model as models:/NAME/VERSION.", code="MODEL_NOT_FOUND")
    deadline = time.monotonic() + wait_s
    receipt = read_receipt(spool)
    while receipt is None and time.monotonic() < deadline:
        time.sleep(0.5)
        receipt = read_receipt(spool)
    registered = (receipt or {}).get("registered_model")
    if not registered:
        reason = (receipt or {}).get("reason") or (receipt or {}).get("error") or "MLflow logging has not finished"
        raise SchemaError(f"The model in '{model}' is not registered in MLflow ({reason}).", code="NOT_REGISTERED")
    return str(registered["uri"])


def serve_command(uri: str, port: int) -> list[str]:
    return [sys.executable, "-m", "mlflow", "models", "serve", "-m", uri, "--env-manager", "local",
            "--host", "127.0.0.1", "--port", str(port)]


def check_served_model(model: str) -> None:
    """The checks of ``kuai predict`` (metadata, graph, a trial call in the scoring sandbox) on a training folder's
    model, before MLflow's server starts: a bad file is one coded error here, not a server that fails to start. The
    server itself opens the registered copy in the sandbox too (``kuai.storage.tracking.MODEL_CODE``)."""
    from kuai.app.services.scoring import load_model

    if not model.startswith("models:/"):
        load_model(Path(model)).close()


def serve(model: str, port: int) -> int:
    uri = resolve_model_uri(model)
    check_served_model(model)
    bin_dir = str(Path(sys.executable).parent)  # MLflow runs `uvicorn` by name: ours, even without an activated venv
    env = dict(os.environ, MLFLOW_TRACKING_URI=mlflow_uri(),
               PATH=os.pathsep.join([bin_dir, os.environ.get("PATH", "")]))
    print(f"Serving {uri} at http://127.0.0.1:{port}/invocations — POST JSON "
          '{"dataframe_split": {"columns": [...], "data": [[...]]}}; Ctrl+C stops it.', flush=True)
    return subprocess.call(serve_command(uri, port), env=env)
