"""Runs: one folder each, with an explicit status, a heartbeat and an event log.

Status moves queued → running → finished | failed | cancelled (``kuai.storage.run_record``). A run whose
worker process died without finishing is marked failed when runs are listed.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

from kuai.engine.atomic import write_atomically
from kuai.storage.home import home_dir
from kuai.storage.run_record import RunConfig, RunRecord, RunStatus
from kuai.storage.tracking_status import refreshed

HEARTBEAT_STALE_S = 30.0


def run_dir(run_id: str) -> Path:
    if not run_id.isalnum() or len(run_id) > 32:
        raise KeyError(run_id)
    return home_dir() / "runs" / run_id


def _write_json(path: Path, data: Any) -> None:
    write_atomically(path, json.dumps(data, default=str))


def create_run(config: RunConfig) -> RunRecord:
    run_id = uuid.uuid4().hex[:12]
    folder = run_dir(run_id)
    folder.mkdir(parents=True)
    record = RunRecord(run_id=run_id, status=RunStatus.QUEUED, config=config, created_at=time.time())
    save_run(record)
    return record


def save_run(record: RunRecord) -> None:
    _write_json(run_dir(record.run_id) / "run.json", record.to_dict())


def load_run(run_id: str) -> RunRecord:
    return RunRecord.from_dict(json.loads((run_dir(run_id) / "run.json").read_text()))


def update_run(run_id: str, **changes: Any) -> RunRecord:
    record = replace(load_run(run_id), **changes)
    save_run(record)
    return record


def append_event(run_id: str, event: dict[str, Any]) -> None:
    with (run_dir(run_id) / "events.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(event, default=str) + "\n")


def read_events(run_id: str) -> list[dict[str, Any]]:
    path = run_dir(run_id) / "events.jsonl"
    if not path.exists():
        return []
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:  # a line cut by a crash
            continue
    return events


def process_alive(pid: int | None) -> bool:
    """Whether ``pid`` runs (a zombie waiting to be reaped counts as gone)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed worker may linger as a zombie until its parent reaps it
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return True


def refresh_status(record: RunRecord) -> RunRecord:
    """Mark a running (or queued) run failed when its worker is gone or its heartbeat is stale; bring its MLflow
    logging's outcome up to date."""
    record = refresh_tracking(record)
    if record.status is RunStatus.QUEUED and record.pid and not process_alive(record.pid):
        return update_run(record.run_id, status=RunStatus.FAILED, finished_at=time.time(),
                          error="The worker process stopped before the training began.")
    if record.status is not RunStatus.RUNNING:
        return record
    stale = record.heartbeat_at is not None and time.time() - record.heartbeat_at > HEARTBEAT_STALE_S
    if not process_alive(record.pid) or stale:
        record = update_run(record.run_id, status=RunStatus.FAILED, finished_at=time.time(),
                            error="The worker process stopped without finishing (killed or crashed).")
    return record


def refresh_tracking(record: RunRecord) -> RunRecord:
    """The run with its tracking field as its status file now says (a logging that ended, a run replayed)."""
    if not record.tracking:
        return record
    tracking = refreshed(record.tracking, alive=process_alive)
    if tracking == record.tracking:
        return record
    try:
        return update_run(record.run_id, tracking=tracking)
    except OSError:  # a full disk: shown as it is now, written next time
        return replace(record, tracking=tracking)


def list_runs() -> list[RunRecord]:
    records = []
    for meta in (home_dir() / "runs").glob("*/run.json"):
        try:
            records.append(refresh_status(RunRecord.from_dict(json.loads(meta.read_text()))))
        except (KeyError, TypeError, ValueError):  # cut short, edited by hand: not a run (JSON errors are ValueErrors)
            continue
    return sorted(records, key=lambda r: -r.created_at)
