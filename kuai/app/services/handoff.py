"""The end of ``kuai train``: its process becomes a bare waiter (``exec``) while MLflow's side process logs the run.

Once the model is exported and the run spooled, all the training's process has left to do is wait, within the
budget, for the side process (``kuai.storage.tracking.TrackingSidecar``) to log it, and then print its last lines. But
it still holds 400-600 MB that nothing can give back — imports, allocator arenas, JIT code — and the side process
peaks at ~250 MB while it logs, beside it. Replaced by this file run in a bare interpreter (``python -S``: no
site-packages), the wait holds ~10 MB, and the command's peak is the export's instead of the sum. The process keeps
its id, its output streams and its child, the side process, which it reaps.

Run as a file, it imports the standard library and, after its last wait, ``kuai.app.console`` and
``kuai/storage/tracking_status.py`` (by its path: a module of the standard library only): nothing else of Kuai.
What became of the logging goes to stderr: a warning when the run was not logged (the exit code stays 0: the
training's outputs are complete), a note when it is still being logged and where its outcome will be written.
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":  # run as a file: this folder, first on the path, must not shadow the standard library
    _HERE = os.path.dirname(os.path.realpath(__file__))
    _ROOT = os.path.dirname(os.path.dirname(os.path.dirname(_HERE)))  # the folder holding kuai/
    if sys.path and os.path.realpath(sys.path[0] or os.curdir) == _HERE:
        sys.path[0] = _ROOT
    else:  # python -P (safe path): the folder was not added
        sys.path.insert(0, _ROOT)

import json  # noqa: E402  (after the path is set)
import time  # noqa: E402
from typing import Any  # noqa: E402

SCRIPT = os.path.realpath(__file__)
STATUS_MODULE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(SCRIPT))), "storage",
                             "tracking_status.py")
POLL_S = 0.05


def exec_waiter(*, sidecar_pid: int, spool: str, started: float, deadline: float, summary: dict[str, Any]) -> None:
    """Replace this process by the waiter; returns only if that failed (the caller then waits itself).

    ``started`` and ``deadline`` are ``time.monotonic()`` values (the clock is the system's, so they hold across
    ``exec``); ``summary``: ``kuai.app.console.summary_line``'s arguments but the wall time, which the waiter
    measures."""
    import logging

    log = logging.getLogger(__name__)
    if not os.access(SCRIPT, os.R_OK):  # the interpreter would fail on it after the exec, with no way back
        log.warning("could not hand the wait off (%s is not readable); waiting in this process", SCRIPT)
        return
    payload = json.dumps({"pid": sidecar_pid, "spool": spool, "started": started, "deadline": deadline,
                          "summary": summary})
    for handler in logging.getLogger().handlers:  # exec ends the process without flushing anything
        handler.flush()
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execv(sys.executable, [sys.executable, "-S", SCRIPT, payload])
    except OSError as exc:  # no interpreter to exec (removed, or not executable): nothing is lost but memory
        log.warning("could not hand the wait off (%s); waiting in this process", exc)


def wait_for_child(pid: int, deadline: float) -> bool:
    """Reap the child ``pid`` if it ends before ``deadline``; False if it is still going (it carries on alone)."""
    while True:
        try:
            ended, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:  # already reaped, or not ours
            return True
        if ended:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_S)


def wait_for_outcome(pid: int, receipt: str, deadline: float) -> bool:
    """Wait until the side process ``pid`` has written ``receipt`` or ended (True), or ``deadline`` (False). It may
    go on after its receipt (logging earlier runs that waited): that is not waited for."""
    while not os.path.exists(receipt):
        if wait_for_child(pid, time.monotonic()):  # ended (reaped), or not ours to wait for
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_S)
    return True


def tracking_outcome(spool: str, *, pid: int, ended: bool) -> dict[str, Any]:
    """``kuai.storage.tracking_status.outcome``, loaded by its path (it imports the standard library only)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("kuai_tracking_status", STATUS_MODULE)
    assert spec is not None and spec.loader is not None
    status = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(status)
    outcome: dict[str, Any] = status.outcome(status.Path(spool), running=not ended, pid=pid)
    return outcome


def main(argv: list[str]) -> int:
    """Wait, print the ``done`` line, the summary and what became of the MLflow logging; 0, as the training
    succeeded (130 when interrupted)."""
    payload = json.loads(argv[1])
    spool, pid = str(payload["spool"]), int(payload["pid"])
    try:
        ended = wait_for_outcome(pid, os.path.splitext(spool)[0] + ".done", float(payload["deadline"]))
    except KeyboardInterrupt:  # as the CLI answers it; the side process, in a session of its own, goes on logging
        print("kuai: interrupted", file=sys.stderr)
        return 130
    try:
        from kuai.app.console import progress_line, summary_line, tracking_lines

        wall = time.monotonic() - float(payload["started"])
        print(progress_line(wall, "done", "Finished"))
        print(summary_line(**payload["summary"], wall_time_s=wall), flush=True)
        outcome = tracking_outcome(spool, pid=pid, ended=ended)
        for line in tracking_lines(outcome, str(payload["summary"]["out_dir"])):
            print(line, file=sys.stderr)
    except Exception as exc:  # the outputs are written and the run spooled: only the last lines are missing
        try:
            print(f"kuai: note: the training finished, but its summary could not be printed ({exc})", file=sys.stderr)
        except OSError:  # nowhere left to say it
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
