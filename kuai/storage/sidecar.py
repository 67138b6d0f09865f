"""The MLflow side process, seen from the training: started beside it, told when the export is done, joined for
its receipt (``kuai.storage.tracking_sidecar`` is the process itself; ``kuai.storage.tracking`` logs the spool)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from kuai.storage import tracking_status
from kuai.storage.home import home_dir
from kuai.storage.spool import read_spool
from kuai.storage.tracking_status import read_receipt

HTTP_LIMITS = {"MLFLOW_HTTP_REQUEST_TIMEOUT": "10", "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1"}


def tracking_environment() -> dict[str, str]:
    """This process's environment with MLflow's HTTP limits where the user set none."""
    return {**HTTP_LIMITS, **os.environ}


class TrackingSidecar:
    """A side process that waits beside the training, imports MLflow when told the export is done (so that the
    import overlaps the last files, not the export's ONNX Runtime sessions) and logs the spool when it appears."""

    def __init__(self, spool: Path, *, wait_s: float) -> None:
        self.spool = spool.resolve()  # the side process runs in the project folder
        set_aside_earlier(spool)
        log = tracking_status.log_path(spool).open("w")
        self.process: subprocess.Popen[bytes] | None = subprocess.Popen(
            [sys.executable, "-P", "-m", "kuai.storage.tracking_sidecar", str(self.spool), "--wait",
             str(wait_s)],
            stdout=log, stderr=log, env=tracking_environment(), start_new_session=True,
            cwd=str(Path(__file__).resolve().parents[2]),  # the folder holding kuai/ (-P: not on the path)
        )
        self.pid = self.process.pid

    @classmethod
    def attach(cls, spool: Path, pid: int) -> TrackingSidecar:
        """The side process that this process started before an ``exec`` (its child still, without the handle)."""
        sidecar = cls.__new__(cls)
        sidecar.spool, sidecar.process, sidecar.pid = spool.resolve(), None, pid
        return sidecar

    def stop(self) -> None:
        """End the side process without logging anything more (a training refused before it began)."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)  # its own session: the group it leads
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)

    def export_done(self) -> None:
        """Tell the side process to import MLflow now (the export is done): the spool will follow shortly."""
        self.spool.with_suffix(".soon").touch()

    def join(self, timeout_s: float) -> dict[str, Any] | None:
        """Wait for the logging's receipt (the side process may go on logging earlier runs); None if there is none
        by then (still logging, or it ended without one: ``outcome`` tells which)."""
        deadline = time.monotonic() + max(0.1, timeout_s)
        while not self._ended():
            receipt = read_receipt(self.spool)
            if receipt is not None or time.monotonic() >= deadline:
                return receipt
            time.sleep(0.05)
        return read_receipt(self.spool)

    def outcome(self) -> dict[str, Any]:
        """The run's tracking field (``kuai.storage.tracking_status.outcome``) as it stands now."""
        receipt_or_end = read_receipt(self.spool) is not None or self._ended()
        return tracking_status.outcome(self.spool, running=not receipt_or_end, pid=self.pid)

    def _ended(self) -> bool:
        if self.process is not None:
            return self.process.poll() is not None
        try:  # attached: still this process's child, reaped by its id
            return os.waitpid(self.pid, os.WNOHANG)[0] == self.pid
        except ChildProcessError:  # reaped already, or not a child
            return True


def set_aside_earlier(spool: Path) -> None:
    """Clear an earlier training's spool from a folder a new training (or a resume) writes to: one already logged
    goes; one not logged yet is kept, under another name, for a replay. Left in place, it would be logged again
    in the new training's stead and its receipt taken for the new one."""
    if spool.exists():
        receipt = read_receipt(spool)
        if receipt and receipt.get("ok"):
            spool.unlink()
        else:
            kept = spool.rename(spool.with_name(f"{spool.stem}.earlier-{time.time_ns()}{spool.suffix}"))
            tracking_status.forget_pending(home_dir(), spool)
            try:
                uri = read_spool(kept).tracking_uri
            except (OSError, ValueError):  # cut short: `kuai track` still finds it in the folder
                uri = ""
            tracking_status.remember_pending(home_dir(), kept, uri)
    for suffix in (".done", ".tmp", ".soon"):
        spool.with_suffix(suffix).unlink(missing_ok=True)
