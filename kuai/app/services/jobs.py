"""Training jobs in worker processes: start, poll, cancel. Never imports streamlit.

Each job is a ``python -m kuai.app.services.worker RUN_ID`` process in its own
session, so it outlives the browser tab and the page script; its state lives
in the run folder (status, heartbeat, events), so any tab can re-attach to it.
On a 2-core machine one training runs at a time; later ones wait as 'queued'.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kuai.app import PROJECT_FOLDER
from kuai.storage import (
    RunRecord,
    create_run,
    list_runs,
    load_run,
    read_events,
    refresh_status,
    run_dir,
    update_run,
)

MAX_CONCURRENT = 1


@dataclass(frozen=True)
class JobConfig:
    dataset_id: str
    dataset_name: str
    target: str
    task: str | None = None
    metric: str | None = None
    time_budget_s: float = 60.0
    seed: int = 0
    type_overrides: dict[str, str] = field(default_factory=dict)
    fixes: tuple[dict[str, Any], ...] = ()  # CheckFix as JSON
    excluded: tuple[str, ...] = ()
    shared: bool = False  # on the shared storage (KUAI_STORAGE), where other machines' workers can join
    max_latency_ms: float | None = None  # limits on the exported model (expert mode)
    max_size_mb: float | None = None
    class_weight: str = ""  # "balanced" (expert mode)
    reading: dict[str, Any] = field(default_factory=dict)  # how the file is read, where the user said (Data page)


def start_job(config: JobConfig) -> RunRecord:
    record = create_run(asdict(config))
    _spawn(record.run_id)
    return load_run(record.run_id)


def resumable(record: RunRecord) -> bool:
    """A run that stopped (killed, crashed, cancelled) after its search started: its finished trials remain."""
    if record.config.get("shared"):  # a shared study is finished by its other workers, not resumed here
        return False
    return record.status in ("failed", "cancelled") and (outputs_dir(record.run_id) / "training_options.json").is_file()


def resume_job(run_id: str) -> RunRecord:
    """Queue a stopped run again; its worker continues the study to what is left of the budget."""
    record = refresh_status(load_run(run_id))
    if not resumable(record):
        raise ValueError(f"run {run_id} cannot be resumed (status {record.status})")
    (run_dir(run_id) / "cancel").unlink(missing_ok=True)
    update_run(run_id, status="queued", error=None, finished_at=None)
    _spawn(run_id, resume=True)
    return load_run(run_id)


def _spawn(run_id: str, *, resume: bool = False) -> None:
    log = (run_dir(run_id) / "worker.log").open("a")
    command = [sys.executable, "-m", "kuai.app.services.worker", run_id, *(["--resume"] if resume else [])]
    process = subprocess.Popen(command, cwd=str(PROJECT_FOLDER),
                               stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
    update_run(run_id, pid=process.pid)


def running_count(exclude: str | None = None) -> int:
    return sum(1 for r in list_runs() if r.status == "running" and r.run_id != exclude)


def wait_for_slot(run_id: str, *, poll_s: float = 1.0) -> None:
    """Called by a worker: stay 'queued' until fewer than MAX_CONCURRENT runs are running."""
    while True:
        if load_run(run_id).status == "cancelled":
            raise SystemExit(0)
        if running_count(exclude=run_id) < MAX_CONCURRENT:
            older_queued = [r for r in list_runs() if r.status == "queued" and r.run_id != run_id
                            and r.created_at < load_run(run_id).created_at]
            if not older_queued:
                return
        time.sleep(poll_s)


def cancel_job(run_id: str) -> RunRecord:
    record = load_run(run_id)
    if record.status in ("queued", "running"):
        (run_dir(run_id) / "cancel").touch()
        if record.status == "queued" and record.pid:
            _kill(record.pid)
        record = update_run(run_id, status="cancelled", finished_at=time.time(), error="Cancelled by the user.")
    return record


def _kill(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        pass


def job_state(run_id: str) -> tuple[RunRecord, list[dict[str, Any]]]:
    return refresh_status(load_run(run_id)), read_events(run_id)


def outputs_dir(run_id: str) -> Path:
    return run_dir(run_id) / "outputs"
