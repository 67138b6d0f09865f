"""Exporting another leaderboard model of a finished run: the refit itself (``kuai export``), and the Export
page's background process around it.

The page never refits in its own script: it starts ``kuai export`` (:func:`export_model`) detached, and
polls for the result folder. Model names come from the run's own stored list.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kuai import engine
from kuai.app import PROJECT_FOLDER
from kuai.app.services.jobs import outputs_dir
from kuai.app.services.options import OPTIONS_FILE, load_options
from kuai.app.services.outputs import MODEL_OOFS_FILE, model_members, write_outputs
from kuai.app.services.training import frame_and_spec
from kuai.exporters import ModelCard
from kuai.storage import claim_output_folder

LOG_NAME = "export.log"
MODELS_DIR = "models"  # out_dir/models/<model>/: other leaderboard models, exported on request


@dataclass(frozen=True)
class ExportState:
    status: str  # ready | running | failed | none
    folder: Path
    message: str = ""


def model_folder(run_id: str, model: str, chosen: str) -> Path:
    base = outputs_dir(run_id)
    return base if model == chosen else base / MODELS_DIR / model


def export_state(run_id: str, model: str, chosen: str) -> ExportState:
    folder = model_folder(run_id, model, chosen)
    if (folder / "model_card.json").is_file():
        return ExportState("ready", folder)
    pid_file, log = folder.with_name(f".{model}.pid"), folder.with_name(f".{model}.{LOG_NAME}")
    if pid_file.is_file():
        try:
            pid = int(pid_file.read_text())
            Path(f"/proc/{pid}").stat()
            if "zombie" not in Path(f"/proc/{pid}/status").read_text().lower():
                return ExportState("running", folder)
        except (OSError, ValueError):
            pass
        lines = [line for line in (log.read_text(errors="replace").splitlines() if log.is_file() else [])
                 if line.startswith("kuai:")]
        return ExportState("failed", folder, lines[-1] if lines else "The export stopped without a message.")
    return ExportState("none", folder)


def start_export(run_id: str, model: str) -> None:
    """Start ``kuai export`` (``kuai.app.processes.export_model``) for one of the run's kept models (refused for any
    other name)."""
    base = outputs_dir(run_id)
    if model not in exportable_models(base):
        raise ValueError(f"'{model}' is not a model this run kept")
    holder = base / MODELS_DIR
    holder.mkdir(exist_ok=True)
    log = (holder / f".{model}.{LOG_NAME}").open("w")
    process = subprocess.Popen([sys.executable, "-m", "kuai.app.processes.export_model", str(base), "--model", model],
                               cwd=str(PROJECT_FOLDER), stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                               start_new_session=True)
    (holder / f".{model}.pid").write_text(str(process.pid))


def exportable_models(out_dir: Path) -> list[str]:
    """The leaderboard models a run can still export: those whose out-of-fold predictions it kept (a stack is
    exported by its training only: its fold models are not kept after it)."""
    try:
        with np.load(out_dir / MODEL_OOFS_FILE, allow_pickle=False) as stored:  # a name becomes a folder's: plain
            return [name for name in stored.files if name != engine.STACK_NAME and _is_plain_name(name)]
    except (OSError, ValueError):
        return []


def _is_plain_name(name: str) -> bool:
    return bool(name) and name not in (".", "..") and Path(name).name == name and "\\" not in name


def export_model(out_dir: Path, model_name: str, *, explain_budget_s: float = 30.0) -> Path:
    """Refit another leaderboard model of a finished run on the same rows and export it like the chosen one.

    Writes ``out_dir/models/<model>/`` (model.onnx, card, parity, report, bundle) and returns that folder.
    """
    if not (out_dir / OPTIONS_FILE).is_file():
        raise engine.SchemaError(f"'{out_dir}' is not a folder written by 'kuai train' (no {OPTIONS_FILE}).",
                                 code="MODEL_NOT_FOUND")
    with claim_output_folder(out_dir, resume=True):  # not while a training (or another export) writes there
        if model_name not in exportable_models(out_dir):
            why = (" The stack is exported by its training only: its fold models are not kept after it."
                   if model_name == engine.STACK_NAME else "")
            raise engine.SchemaError(f"'{model_name}' is not one of the models this run kept for export: "
                                     f"{', '.join(exportable_models(out_dir)) or 'none'}.{why}", code="UNKNOWN_MODEL")
        return _export_claimed(out_dir, model_name, explain_budget_s=explain_budget_s)


def _export_claimed(out_dir: Path, model_name: str, *, explain_budget_s: float) -> Path:
    from kuai.exporters.model_card import file_fingerprint

    options = load_options(out_dir / OPTIONS_FILE)
    card = ModelCard.read(out_dir)
    if not options.data_path.is_file() or \
            file_fingerprint(options.data_path) != card.data_fingerprint["sha256"]:
        raise engine.ReadError(f"The training data '{options.data_path}' is gone or has changed since training; "
                               "a refit needs the same rows.", code="DATA_CHANGED")
    evaluation = json.loads((out_dir / "evaluation.json").read_text())
    leaderboard = [engine.LeaderboardEntry(**{**e, "members": dict(e.get("members") or {})})
                   for e in evaluation["leaderboard"]]
    trials = [engine.TrialRecord.from_dict(t) for t in json.loads((out_dir / "trials.json").read_text())]
    members = model_members(leaderboard, trials, model_name)
    frame, spec, _ = frame_and_spec(engine.read_table(options.data_path, options=options.reading), options)
    prepared = engine.prepare(frame, spec, time_budget_s=options.time_budget_s)
    estimator = engine.refit_model(prepared, members)
    with np.load(out_dir / MODEL_OOFS_FILE, allow_pickle=False) as stored:
        oof = np.asarray(stored[model_name], dtype=np.float64)
    result = engine.result_for_model(prepared, estimator, model_name=model_name, leaderboard=leaderboard,
                                     trials=trials, oof=oof, explain_budget_s=explain_budget_s)
    target_dir = out_dir / MODELS_DIR / model_name  # a name from the run's own leaderboard, checked above
    target_dir.mkdir(parents=True, exist_ok=True)
    write_outputs(result, target_dir, options=options, dataset_name=options.display_name or options.data_path.name)
    return target_dir
