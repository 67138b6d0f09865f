"""``kuai train``: a thin parent that runs the search, then the export, each in a child process, and waits for MLflow.

Started by: the user (the ``kuai`` console script, ``kuai.app.cli``), as ``kuai train DATA --out DIR ...`` or
``kuai train --resume DIR``.

Holds: the standard library, Kuai's console, options and storage helpers (about 20 MB; 45 MB on ``--resume``, which
reads the Optuna study to know the budget left), the output folder's lock (``.kuai-run.lock``, an ``flock`` the
kernel releases when this process ends) and the MLflow side process (``kuai.storage.tracking_sidecar``), its child.
Never the engine's models or data: the search holds 300-600 MB it cannot give back, and the export peaks on top of
its own imports, so each runs in a child that gives its memory back when it ends.

Children, one after the other (same output streams, each in a process group of its own so that a signal reaches
it once, through this process; each is killed if this process dies):

1. ``python -P -m kuai.app.processes.search OUT OPTIONS_JSON STARTED HAND_OVER SIDECAR_PID``: reads, searches,
   refits, and writes the result to the signed hand-over file ``HAND_OVER`` (``kuai.app.services.fresh_tail``;
   the key is in its environment only). If the result cannot be handed over, it exports itself.
2. ``python -P -m kuai.app.processes.tail HAND_OVER``: exports, explains, writes every output and the MLflow spool.

Hands back: the progress lines (printed by the children), then ``done``, the summary line (from the run's
``model_card.json``) and what became of the MLflow logging, as before. Exit codes: a child's (0, 1, 2 or 130;
killed by a signal: this process ends by the same signal); ``kuai: interrupted`` and 130 on Ctrl-C.

Ends: after the side process wrote its receipt, or at the budget's end (MLflow then goes on alone). SIGINT, SIGTERM
and SIGHUP are passed to the running child; a ``SIGKILL`` of this process kills the child (``PR_SET_PDEATHSIG``),
and the run stays resumable (``--resume``).
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from kuai import engine
from kuai.app.cli_arguments import EXIT_BAD_INPUT
from kuai.app.services.fresh_tail import FILE_PREFIX, KEY_ENV
from kuai.app.services.options import STATE_FILE, TrainOptions, options_dict, write_atomically
from kuai.engine.budget import plan_budget
from kuai.engine.types import ProgressEvent
from kuai.storage import STUDY_FILE, TrackingSidecar, claim_output_folder, folder_study_url

if TYPE_CHECKING:
    from kuai.app.services.summary import TrainSummary

SPOOL_FILE = "mlflow_spool.json"
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
PR_SET_PDEATHSIG = 1


def main(argv: list[str] | None = None) -> int:
    """``kuai train ...`` (the arguments after ``train``)."""
    from kuai.app.cli import main as cli_main

    return cli_main(["train", *(sys.argv[1:] if argv is None else argv)])


def train(options: TrainOptions, out_dir: Path, *, started: float, progress: Callable[[ProgressEvent], None],
          overwrite: bool = False) -> TrainSummary | int:
    """Claim the output folder, search and export in children, wait for MLflow: the summary
    (``kuai.app.services.summary.TrainSummary``), or the exit code of a child that failed (it said why)."""
    engine.check_training_options(time_budget_s=options.time_budget_s, seed=options.seed, n_folds=options.n_folds,
                                  limits=options.limits)
    if options.scale_out is not None:  # a shared study: trained and waited for in this process, as the workers do
        from kuai.app.services.limits import prepare_training_process
        from kuai.app.services.training import run_training

        prepare_training_process()
        return run_training(options, out_dir, started_at=started, progress=progress, overwrite=overwrite)
    with claim_output_folder(out_dir, resume=options.resume, overwrite=overwrite) as claimed:  # held to the end
        out = claimed.path
        if claimed.replaced:  # an earlier training's files went: said, not silent
            progress(ProgressEvent(stage="reading", message=claimed.replaced, fraction=0.0,
                                   elapsed_s=time.monotonic() - started))
        if options.optuna_storage is None:  # the folder's own study (the folder is new, emptied, or resumed)
            options = replace(options, optuna_storage=folder_study_url(out))
        if not options.resume:
            write_atomically(out / STATE_FILE, json.dumps({"started_at": time.time(),
                                                          "time_budget_s": options.time_budget_s}))
        sidecar = TrackingSidecar(out / SPOOL_FILE, wait_s=options.time_budget_s + 300)
        key = os.urandom(32).hex()  # not secrets/hashlib: OpenSSL would add 4 MB to this process
        hand_over = out / f"{FILE_PREFIX}{os.urandom(8).hex()}.pkl"
        code = run_child(["kuai.app.processes.search", str(out), json.dumps(child_options(options)), repr(started),
                          str(hand_over), str(sidecar.pid)], key=key)
        if code == 0 and hand_over.exists():  # else the search exported itself (the result was too large to hand over)
            code = run_child(["kuai.app.processes.tail", str(hand_over)], key=key)
        hand_over.unlink(missing_ok=True)
        if code == EXIT_BAD_INPUT and not options.resume and not (out / STUDY_FILE).exists():
            sidecar.stop()  # refused for its input before the search began: no run, no folder left behind
            claimed.abandon()
        if code != 0:
            return code
        return wait_for_tracking(out, options, sidecar, started=started, progress=progress)


def child_options(options: TrainOptions) -> dict[str, Any]:
    """The options as the search child reads them back (``kuai.app.processes.search.options_from_json``)."""
    return {**options_dict(options), "data_path": str(options.data_path),  # as given: its name is the run's name
            "resume": options.resume, "optuna_storage": options.optuna_storage, "study_name": options.study_name,
            "apply_suggested_fixes": options.apply_suggested_fixes, "target_is_column": options.target_is_column,
            "planned_budget_s": options.planned_budget_s}


def run_child(arguments: list[str], *, key: str) -> int:
    """Run ``python -P -m ARGUMENTS`` (``-P``: a module of the user's folder never shadows Kuai's) with this
    process's streams; its exit code. A child killed by a signal ends this process by the same signal."""
    sys.stdout.flush()
    sys.stderr.flush()
    child = subprocess.Popen([sys.executable, "-P", "-m", *arguments], env=dict(os.environ, **{KEY_ENV: key}),
                             process_group=0, preexec_fn=_die_with_parent)
    forwarded: list[int] = []
    with _forwarding(child, forwarded):
        code = _wait(child)
    if code < 0:  # killed (SIGKILL by the kernel's OOM killer, SIGTERM passed on): so is the command
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    if code == 0 and forwarded:  # told to stop as it was ending (its work done, the process exiting): the command
        # stops here all the same, before its next step (a blind tester's Ctrl-C between the search and the export
        # was lost so, and the training ran on to the end)
        if forwarded[0] == signal.SIGINT:
            raise KeyboardInterrupt
        signal.signal(forwarded[0], signal.SIG_DFL)
        os.kill(os.getpid(), forwarded[0])
    return code


def _wait(child: subprocess.Popen[bytes]) -> int:
    while True:
        try:
            return child.wait()
        except KeyboardInterrupt:  # a handler raised it: the child was told, and answers
            continue


def _die_with_parent() -> None:
    """In the child before its ``exec``: the kernel kills it when this process ends, however it ends."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


@contextmanager
def _forwarding(child: subprocess.Popen[bytes], forwarded: list[int]) -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP to this process go to ``child`` (in a group of its own: the terminal's Ctrl-C
    reaches this process alone, and the child gets it once); ``forwarded`` receives each signal that came."""
    def forward(signum: int, _: FrameType | None) -> None:
        forwarded.append(signum)
        if child.poll() is None:
            child.send_signal(signum)

    before = {number: signal.signal(number, forward) for number in FORWARDED}
    try:
        yield
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)


def wait_for_tracking(out: Path, options: TrainOptions, sidecar: TrackingSidecar, *, started: float,
                      progress: Callable[[ProgressEvent], None]) -> TrainSummary:
    """Wait (within the budget) for the side process's receipt; then the ``done`` line, and the summary read from
    the run's model card."""
    receipt = sidecar.join(timeout_s=plan_budget(options.time_budget_s, started=started).logging_until
                                     - time.monotonic())
    elapsed = time.monotonic() - started
    progress(ProgressEvent(stage="done", message="Finished", fraction=min(1.0, elapsed / options.time_budget_s),
                           elapsed_s=elapsed, data={"out_dir": str(out)}))
    from kuai.app.services.summary import summary_from_card  # the card's schema (pydantic): only once the children
    # ended, never beside the export's peak

    summary = summary_from_card(out, wall_time_s=time.monotonic() - started)
    return replace(summary, mlflow_run_id=(receipt or {}).get("mlflow_run_id"), tracking=sidecar.outcome())

if __name__ == "__main__":
    sys.exit(main())
