"""MLflow tracking — the one module that imports ``mlflow``.

Training never waits on MLflow: it writes a *spool* (a JSON file of params,
metrics, tags and artifact paths) and a side process logs it. The side process
starts with the training but holds next to nothing until the training's tail
has exported the model and closed its ONNX Runtime sessions (the tail's memory
peak, which MLflow's ~165 MB would add to); it then imports MLflow while the
last files are written, and logs the spool when it appears. Whatever happens, it
writes a receipt beside the spool (``kuai.storage.tracking_status``: logged, or failed
with the reason and what to do), which ``kuai`` and the app read. A run that could
not be logged stays spooled and is remembered in the home folder: the next logging
that reaches the same store logs it too, and ``kuai track`` does it on demand.
Kuai's own store (the home folder's SQLite file) left half-made by a full disk or
a kill is moved aside and made anew (``kuai.storage.tracking_store``); a store the user
chose is never touched.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from kuai.storage import tracking_status
from kuai.storage.home import home_dir, mlflow_uri
from kuai.storage.spool import ModelEntry, SignatureColumn, Spool, read_spool
from kuai.storage.tracking_status import read_receipt, sqlite_path, write_receipt
from kuai.storage.tracking_store import StoreState, move_aside, remove_unfinished, store_state

EXPERIMENT = "kuai"
_KEY_BAD = re.compile(r"[^/\w.\- :]")
# A dead or hanging tracking server costs the side process seconds, not minutes (MLflow's defaults: 120 s a
# request, 7 retries with back-off). The user's own settings win.
REPLAY_LIMIT = 10  # earlier runs logged after a successful logging, at most


def safe_key(key: str) -> str:
    """MLflow keys must match ``^[/\\w.\\- :]*$`` and stay under 250 characters."""
    return _KEY_BAD.sub("_", key)[:250]


def write_spool(path: Path, spool: Spool) -> None:
    """Write ``spool`` whole (the side process waits for the file to appear), to be logged where this process
    logs: the user's MLFLOW_TRACKING_URI, else Kuai's own store."""
    spool = replace(spool, tracking_uri=mlflow_uri(), own_store=not os.environ.get("MLFLOW_TRACKING_URI"))
    tmp = path.with_suffix(".tmp")
    tmp.write_text(spool.to_json())
    os.replace(tmp, path)


def own_store(spool: Spool) -> Path | None:
    """The home folder's SQLite store when the spool was logged there by default (Kuai may repair it); None for a
    store the user chose (MLFLOW_TRACKING_URI), which Kuai never touches."""
    path = sqlite_path(spool.tracking_uri)
    if not spool.own_store or path is None:
        return None
    return path if path.resolve() == (home_dir() / "mlflow.db").resolve() else None


def log_spool(spool: Path, *, notes: list[str] | None = None) -> tuple[str, dict[str, Any] | None]:
    """Log one spooled run to MLflow; return the MLflow run id and the registered model, if any. ``notes``
    receives what the user should know even when it fails (Kuai's store repaired).

    A file lock serialises writers: MLflow's SQLite schema set-up is not safe
    for two processes at once.
    """
    import fcntl

    with (home_dir() / "mlflow.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        already = read_receipt(spool)
        if already is not None and already.get("ok"):  # replayed meanwhile by another process: not twice
            return str(already["mlflow_run_id"]), already.get("registered_model")
        run = read_spool(spool)
        store = own_store(run)
        return _log_locked(run) if store is None else _log_repairing(run, store, notes)


def _log_repairing(run: Spool, store: Path, notes: list[str] | None) -> tuple[str, dict[str, Any] | None]:
    """Log to Kuai's own store; one that MLflow's set-up left incomplete is moved aside and made anew, once."""
    began_here = store_state(store, head_revision=None) is StoreState.MISSING
    try:
        return _log_locked(run)
    except Exception as exc:
        state = store_state(store, head_revision=_head_revision())
        if state in (StoreState.COMPLETE, StoreState.MISSING):  # not the store's set-up: a full disk, a lock...
            raise
        _forget_engines(store)
        if began_here and remove_unfinished(store):  # made by this call, holding nothing: the failure is the news
            raise
        moved = move_aside(store)
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
        (notes if notes is not None else []).append(
            f"Kuai's MLflow store was {state} (its set-up or an upgrade had not finished: {first_line}); it was "
            f"moved aside to {moved} (kept, with the runs it holds) and a new store was made.")
    try:
        return _log_locked(run)
    except Exception:
        _forget_engines(store)
        if store_state(store, head_revision=_head_revision()) is not StoreState.COMPLETE:
            remove_unfinished(store)  # the new store, unfinished (the disk is still full): made anew next time
        raise


def _head_revision() -> str | None:
    """MLflow's newest schema migration (None if this MLflow does not say)."""
    try:
        from mlflow.store.db.utils import _get_latest_schema_revision

        return str(_get_latest_schema_revision())
    except Exception:  # an MLflow without it: only a store without a migration record counts as incomplete
        return None


def _forget_engines(store: Path) -> None:
    """Close MLflow's cached database connections to ``store``: renamed, the file would keep receiving them."""
    from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore as RegistryStore
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore as TrackingStore

    for store_class in (TrackingStore, RegistryStore):
        engines = getattr(store_class, "_engine_map", {})
        for uri in [uri for uri in engines if sqlite_path(uri) == store]:
            engines.pop(uri).dispose()


def _log_locked(run: Spool) -> tuple[str, dict[str, Any] | None]:
    """Log to the spool's store; this process's tracking URI is left as it was (MLflow would set it in the
    environment, where a later spool would take it for the user's choice and a child process inherit it)."""
    import mlflow

    if not run.tracking_uri:
        raise ValueError("The spool names no tracking URI.")
    before = os.environ.get("MLFLOW_TRACKING_URI")
    mlflow.set_tracking_uri(run.tracking_uri)
    try:
        return _log_run(run)
    finally:
        mlflow.set_tracking_uri(before)  # type: ignore[arg-type]  # None: back to MLflow's default, unset


def _log_run(spool: Spool) -> tuple[str, dict[str, Any] | None]:
    """The MLflow run id, and the registered model (None for a failed run)."""
    import mlflow

    experiment = mlflow.get_experiment_by_name(EXPERIMENT)
    if experiment is None:
        location = None
        if spool.tracking_uri.startswith("sqlite:"):
            location = (home_dir() / "mlartifacts").as_uri()
        experiment_id = mlflow.create_experiment(EXPERIMENT, artifact_location=location)
    else:
        experiment_id = experiment.experiment_id
    registered = None
    with mlflow.start_run(experiment_id=experiment_id, run_name=spool.run_name) as run:
        params = {safe_key(k): str(v)[:6000] for k, v in spool.params.items()}
        if params:
            mlflow.log_params(params)
        metrics = {safe_key(k): float(v) for k, v in spool.metrics.items() if v is not None}
        if metrics:
            mlflow.log_metrics(metrics)
        mlflow.set_tags({safe_key(k): str(v) for k, v in spool.tags.items()})
        for artifact in spool.artifacts:
            if Path(artifact).exists():
                mlflow.log_artifact(artifact)
        if spool.status == "failed":
            mlflow.end_run(status="FAILED")
        elif spool.model is not None:
            registered = _log_model(spool.model)
        return str(run.info.run_id), registered


# The registered model's code. MLflow loads it from the model's folder (a model from code: nothing is
# unpickled); it scores a DataFrame of the original columns with the code behind `kuai predict`, so the model
# server answers as `kuai predict` does: the ONNX file opened and scored in Kuai's scoring sandbox (a child process
# with a memory cap and a time limit), its metadata checked. It runs where Kuai is installed (`kuai serve`,
# env-manager local). MLflow's server answers {"predictions": ...} and nothing else, so the notes of a request
# (values that could not be read, categories never seen) go to the server's stderr, one `note:` line each; a coded
# error of Kuai's becomes MLflow's BAD_REQUEST with its message.
MODEL_CODE = '''"""Kuai's exported ONNX pipeline behind MLflow's pyfunc interface (kuai/storage/tracking.py)."""
import sys

import mlflow
import pandas as pd
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import BAD_REQUEST
from mlflow.pyfunc import PythonModel


class KuaiOnnxModel(PythonModel):
    def load_context(self, context):
        from kuai.app.services.scoring import load_model

        self.model = load_model(context.artifacts["model"])

    def predict(self, context, model_input, params=None):
        from kuai.app.services.scoring import no_value_note, score_table
        from kuai.engine import EngineError

        frame = pd.DataFrame(model_input)
        try:
            scored = score_table(self.model, frame)  # one prediction per row, a row with no value included
        except EngineError as error:
            raise MlflowException(str(error), error_code=BAD_REQUEST) from None
        for note in (no_value_note(frame), *scored.notes):
            if note:
                print(f"note: {note}", file=sys.stderr, flush=True)
        return scored.predictions


mlflow.models.set_model(KuaiOnnxModel())
'''


def _log_model(entry: ModelEntry) -> dict[str, Any]:
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

    def schema(columns: tuple[SignatureColumn, ...], *, required: bool) -> Schema:
        return Schema([ColSpec(c.type, c.name, required=required) for c in columns])

    signature = ModelSignature(inputs=schema(entry.inputs, required=False),
                               outputs=schema(entry.outputs, required=True))
    with tempfile.TemporaryDirectory(prefix="kuai-model-code-") as folder:
        code = Path(folder) / "kuai_model.py"
        code.write_text(MODEL_CODE)
        artifacts = {"model": entry.onnx}
        if entry.input_example:
            example = Path(folder) / "input_example.json"
            pd.DataFrame(list(entry.input_example)).to_json(example, orient="records", indent=1)  # NaN as null
            artifacts["input_example"] = str(example)
        info = mlflow.pyfunc.log_model(
            name="model", python_model=str(code), artifacts=artifacts, signature=signature,
            registered_model_name=entry.name, pip_requirements=_requirements())
    version = info.registered_model_version
    return {"name": entry.name, "version": version, "uri": f"models:/{entry.name}/{version}"}


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


def serve(spool: Path, wait_s: float) -> int:
    """The side process's body once the export is done (or the spool appeared): import MLflow, log the spool when
    it appears, write its receipt; then log the earlier runs that wait for the same store."""
    import mlflow  # noqa: F401  (imported while the training writes its last files: the point of the side process)

    deadline = time.monotonic() + wait_s
    parent = os.getppid()
    while not spool.exists():
        if time.monotonic() > deadline or os.getppid() != parent:  # the training died: nothing will come
            return 3
        time.sleep(0.1)
    folder = _folder_identity(spool.parent)
    receipt = track(spool, announce_replay=True)
    if _folder_identity(spool.parent) == folder:  # not a new training's, in a folder made again meanwhile
        spool.with_suffix(".soon").unlink(missing_ok=True)
    for waiting in receipt.get("replaying", []):  # after the receipt: the command does not wait for these
        if not track(Path(waiting))["ok"]:
            break  # the store failed again: the rest wait for the next time
    return 0 if receipt["ok"] else 1


def track(spool: Path, *, announce_replay: bool = False) -> dict[str, Any]:
    """Log one spool and write its receipt (``kuai.storage.tracking_status``); a run that failed is remembered for a
    replay. ``announce_replay``: once logged, the receipt lists the earlier runs waiting for the same store."""
    home, notes = home_dir(), list[str]()
    folder = _folder_identity(spool.parent)
    run = Spool()  # where it is logged, once read
    try:
        run = read_spool(spool)
        run_id, registered = log_spool(spool, notes=notes)
    except Exception as exc:  # the spool stays for a replay
        uri = run.tracking_uri
        receipt = tracking_status.failed(exc, uri=uri, spool=spool, own_store=own_store(run) is not None,
                                         notes=notes)
        tracking_status.remember_pending(home, spool, uri)
    else:
        receipt = tracking_status.logged(run_id, registered, notes)
        tracking_status.forget_pending(home, spool)
        if announce_replay:
            waiting = [str(s) for s in tracking_status.pending_spools(home, run.tracking_uri)
                       if s.resolve() != spool.resolve()]
            receipt["replaying"] = waiting[:REPLAY_LIMIT]
    if folder is not None and _folder_identity(spool.parent) != folder:  # the run's folder was removed meanwhile
        # (and perhaps made again by a new training): nothing is written there, and nothing of it waits for a replay
        tracking_status.forget_pending(home, spool)
        return receipt
    write_receipt(spool, receipt)
    return receipt


def _folder_identity(folder: Path) -> str | None:
    """The run a training's folder holds (its marker's run id; None: no marker, as in a folder of an earlier
    version). A folder removed and made again by a new training holds another run, though the file system may give
    it the same inode."""
    from kuai.storage.output_folder import MARKER_FILE

    try:
        run_id = json.loads((folder / MARKER_FILE).read_text())["run_id"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return str(run_id)


def spools_in(folder: Path) -> list[Path]:
    """The spools below ``folder`` (an earlier training's, set aside, too) that have no successful receipt."""
    spools = []
    for spool in sorted(folder.rglob("mlflow_spool*.json")):
        receipt = read_receipt(spool)
        if not (receipt and receipt.get("ok")):
            spools.append(spool)
    return spools


def replay_pending(folder: Path | None = None) -> list[tuple[Path, dict[str, Any]]]:
    """Log every spool below ``folder`` that has no successful receipt (every run the home folder knows to be
    waiting, when None): each spool with its new receipt."""
    spools = spools_in(folder) if folder is not None else tracking_status.pending_spools(home_dir())
    return [(spool, track(spool)) for spool in spools]
