"""Exporting another leaderboard model of a finished run, from the Export page, in a background process.

The page never refits in its own script: it starts ``kuai export`` (the CLI's
implementation, :func:`app.services.training.export_model`) detached, and polls
for the result folder. Model names come from the run's own stored list.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from app.services.jobs import outputs_dir
from app.services.training import MODELS_DIR, exportable_models

_ROOT = Path(__file__).resolve().parents[2]
LOG_NAME = "export.log"


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
    """Start ``kuai export`` for one of the run's kept models (refused for any other name)."""
    base = outputs_dir(run_id)
    if model not in exportable_models(base):
        raise ValueError(f"'{model}' is not a model this run kept")
    holder = base / MODELS_DIR
    holder.mkdir(exist_ok=True)
    log = (holder / f".{model}.{LOG_NAME}").open("w")
    process = subprocess.Popen([sys.executable, "-m", "app.cli", "export", str(base), "--model", model],
                               cwd=str(_ROOT), stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                               start_new_session=True)
    (holder / f".{model}.pid").write_text(str(process.pid))
