"""The app's run worker: one training of the web app, in a process of its own that outlives the page and the tab.

Started by: the app (``kuai.app.services.jobs``: the Train page's button, ``start_job``; the Runs page's resume,
``resume_job``), as ``python -m kuai.app.processes.run_worker RUN_ID [--resume]`` in a session of its own, in Kuai's
folder, stdin closed, stdout and stderr appended to the run's ``worker.log``.

Holds: a whole training in this one process (``kuai.app.services.training.run_training``: read, search, refit,
export, explain, then waiting for the MLflow side process it starts), under Kuai's memory limit
(``kuai.app.services.limits.prepare_training_process``); its inputs come from storage by run id (the run's config,
its dataset). Waits as ``queued`` while another run is running (one at a time on a 2-core machine).

Hands back: everything in the run's folder (``kuai.storage.runs``), which any tab polls: its status (``running``,
then ``finished`` with the summary, ``failed`` or ``cancelled`` with the error), its pid, a heartbeat every
``HEARTBEAT_S`` seconds, and the progress events; the outputs in its ``outputs/`` folder; the trials in the home
folder's Optuna study (a resume starts from them). Exit codes: 0 finished or cancelled, 1 failed, 2 when the home
folder is unusable (one ``kuai: error`` line in ``worker.log``).

Ends: when the training ends. Cancelled through the ``cancel`` file the search checks between folds
(``jobs.cancel_job``; a worker still queued gets SIGTERM on its process group). A worker that is killed or crashes
leaves its heartbeat to go stale: ``kuai.storage.refresh_status`` marks the run failed, and ``--resume`` continues its
study with the budget it had left.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import traceback
import warnings
from dataclasses import replace
from pathlib import Path

from kuai.app.services.jobs import outputs_dir, wait_for_slot
from kuai.app.services.limits import prepare_training_process
from kuai.app.services.options import resume_options
from kuai.app.services.scaleout import configured_scale_out
from kuai.app.services.training import TrainOptions, run_training
from kuai.engine import (
    DISK_FULL_MESSAGE,
    CheckFix,
    ColumnType,
    EngineError,
    Limits,
    ProgressEvent,
    ReadingOptions,
    TaskType,
    is_disk_full,
    shown_text,
    to_jsonable,
)
from kuai.storage import (
    RunConfig,
    RunSummary,
    append_event,
    get_dataset,
    home_dir,
    load_run,
    optuna_storage_url,
    run_dir,
    update_run,
)

HEARTBEAT_S = 5.0
logger = logging.getLogger(__name__)


def _heartbeat(run_id: str, stop: threading.Event) -> None:
    while not stop.wait(HEARTBEAT_S):
        try:
            update_run(run_id, heartbeat_at=time.time())
        except OSError:  # a full disk: the next beat may succeed; the training must not die of it
            logger.warning("missed a heartbeat", exc_info=True)


def _event(run_id: str, event: ProgressEvent) -> None:
    payload = to_jsonable(event)
    append_event(run_id, payload)


def options_for_run(run_id: str, config: RunConfig) -> TrainOptions:
    """What the training of a run does: the choices its record kept when the Train page started it."""
    dataset = get_dataset(config.dataset_id)
    return TrainOptions(
        data_path=Path(dataset.path), target=config.target,
        task=TaskType(config.task) if config.task else None, metric=config.metric or None,
        time_budget_s=float(config.time_budget_s), seed=int(config.seed),
        type_overrides={k: ColumnType(v) for k, v in config.type_overrides.items()},
        fixes=tuple(CheckFix.from_dict(fix) for fix in config.fixes),
        excluded=config.excluded,
        display_name=dataset.display_name, optuna_storage=optuna_storage_url(), study_name=f"run-{run_id}",
        limits=Limits(config.max_latency_ms, config.max_size_mb),
        class_weight=config.class_weight, families=config.families, group=config.group, time=config.time or None,
        holdout=float(config.holdout or 0.0),
        target_is_column=True,
        reading=ReadingOptions.from_dict(dict(config.reading)))


def run(run_id: str, *, resume: bool = False) -> int:
    wait_for_slot(run_id)
    record = update_run(run_id, status="running", heartbeat_at=time.time(), pid=os.getpid())
    config = record.config
    options = options_for_run(run_id, config)
    if config.shared:
        scale = configured_scale_out()
        if scale is None:
            return _fail_early(run_id, "This run was meant for the shared storage, but KUAI_STORAGE is not set.")
        options = replace(options, scale_out=scale)
    if resume:  # the same study, the budget it had left; the options it was started with
        options = replace(resume_options(outputs_dir(run_id), storage_url=options.optuna_storage,
                                         study_name=options.study_name), display_name=options.display_name)
        append_event(run_id, {"stage": "search", "message": f"Resuming with {options.time_budget_s:.0f} s left",
                              "fraction": 0.0, "elapsed_s": 0.0, "data": {}})
    cancel_file = run_dir(run_id) / "cancel"
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(run_id, stop), daemon=True)
    beat.start()
    try:
        summary = run_training(options, outputs_dir(run_id), progress=lambda e: _event(run_id, e),
                               should_stop=cancel_file.exists)
    except EngineError as exc:
        status, error = ("cancelled", "Cancelled by the user.") if cancel_file.exists() else ("failed", str(exc))
        return _finish(run_id, stop, beat, status, error)
    except Exception as exc:
        logger.error("worker failed\n%s", traceback.format_exc())
        if is_disk_full(exc):
            return _finish(run_id, stop, beat, "failed", f"[DISK_FULL] {DISK_FULL_MESSAGE}")
        return _finish(run_id, stop, beat, "failed", f"Internal error: {shown_text(exc)}")
    if cancel_file.exists():
        return _finish(run_id, stop, beat, "cancelled", "Cancelled by the user.")
    _stop_heartbeat(stop, beat)
    update_run(run_id, status="finished", finished_at=time.time(), tracking=summary.tracking or {},
               summary=RunSummary(**to_jsonable({
                   "model": summary.model_name, "score": summary.score, "score_std": summary.score_std,
                   "metric": summary.metric, "parity_max_diff": summary.parity_max_diff,
                   "mlflow_run_id": summary.mlflow_run_id, "wall_time_s": summary.wall_time_s})))
    return 0


def _fail_early(run_id: str, error: str) -> int:
    append_event(run_id, {"stage": "failed", "message": error, "fraction": 1.0, "elapsed_s": 0.0, "data": {}})
    update_run(run_id, status="failed", finished_at=time.time(), error=error)
    return 1


def _stop_heartbeat(stop: threading.Event, beat: threading.Thread) -> None:
    """Stop and join the heartbeat, so that no late beat overwrites the final status."""
    stop.set()
    beat.join()


def _finish(run_id: str, stop: threading.Event, beat: threading.Thread, status: str, error: str) -> int:
    _stop_heartbeat(stop, beat)
    try:
        append_event(run_id, {"stage": status, "message": error, "fraction": 1.0, "elapsed_s": 0.0, "data": {}})
    except OSError:  # a full disk: the status below is small and rewrites one file; it is what the page reads
        logger.warning("could not append the final event", exc_info=True)
    update_run(run_id, status=status, finished_at=time.time(), error=error)
    return 0 if status == "cancelled" else 1


def main(argv: list[str] | None = None) -> int:
    """``RUN_ID [--resume]``: the run's training, its outcome recorded on the run; the exit code."""
    arguments = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=logging.INFO)
    warnings.filterwarnings("ignore")
    try:
        home_dir()  # the run's record, events and outputs live there
    except EngineError as unusable:  # BAD_HOME: one coded line (in worker.log, if it can be written at all)
        print(f"kuai: error {unusable}", file=sys.stderr)
        return 2
    run_id = arguments[0]
    if load_run(run_id).status == "cancelled":
        return 0
    prepare_training_process()  # a model that would not fit fails its trial, instead of waking the OOM killer
    return run(run_id, resume="--resume" in arguments[1:])


if __name__ == "__main__":
    sys.exit(main())
