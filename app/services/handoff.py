"""The end of ``kuai train``: its process becomes a bare waiter (``exec``) while MLflow's side process logs the run.

Once the model is exported and the run spooled, all the training's process has left to do is wait, within the
budget, for the side process (``storage.tracking.TrackingSidecar``) to log it, and then print its last lines. But
it still holds 400-600 MB that nothing can give back — imports, allocator arenas, JIT code — and the side process
peaks at ~250 MB while it logs, beside it. Replaced by this file run in a bare interpreter (``python -S``: the
standard library only), the wait holds ~10 MB, and the command's peak is the export's instead of the sum. The
process keeps its id, its output streams and its child, the side process, which it reaps.

Run as a file, it imports nothing of Kuai but ``app.console``, after its last wait.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
POLL_S = 0.05


def exec_waiter(*, sidecar_pid: int, started: float, deadline: float, summary: dict[str, Any]) -> None:
    """Replace this process by the waiter; returns only if that failed (the caller then waits itself).

    ``started`` and ``deadline`` are ``time.monotonic()`` values (the clock is the system's, so they hold across
    ``exec``); ``summary``: ``app.console.summary_line``'s arguments but the wall time, which the waiter measures."""
    payload = json.dumps({"pid": sidecar_pid, "started": started, "deadline": deadline, "summary": summary})
    for handler in logging.getLogger().handlers:  # exec ends the process without flushing anything
        handler.flush()
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execv(sys.executable, [sys.executable, "-S", str(Path(__file__).resolve()), payload])
    except OSError as exc:  # no interpreter to exec (removed, or not executable): nothing is lost but memory
        logging.getLogger(__name__).warning("could not hand the wait off (%s); waiting in this process", exc)


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


def main(argv: list[str]) -> int:
    payload = json.loads(argv[1])
    try:
        wait_for_child(int(payload["pid"]), float(payload["deadline"]))
    except KeyboardInterrupt:  # as the CLI answers it; the side process, in a session of its own, goes on logging
        print("kuai: interrupted", file=sys.stderr)
        return 130
    sys.path[0] = str(ROOT)  # run as a file, the path starts with this folder instead of the project's
    from app.console import progress_line, summary_line

    wall = time.monotonic() - float(payload["started"])
    print(progress_line(wall, "done", "Finished"))
    print(summary_line(**payload["summary"], wall_time_s=wall))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
