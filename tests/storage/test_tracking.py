"""The MLflow side process: it waits beside the training holding next to nothing, and logs the run once told."""

from __future__ import annotations

import time
from pathlib import Path

from storage import TrackingSidecar, write_spool

NUMPY_LIBRARY = "_multiarray_umath"  # mapped once numpy is imported: so are pandas, the engine and MLflow


def _has_loaded(pid: int, library: str) -> bool:
    return library in Path(f"/proc/{pid}/maps").read_text()


def test_the_side_process_waits_without_the_engine_then_logs_the_run(kuai_home: Path, tmp_path: Path) -> None:
    spool = tmp_path / "mlflow_spool.json"
    spool.with_suffix(".soon").touch()  # left by an earlier training in the same folder: not a signal
    sidecar = TrackingSidecar(spool, wait_s=120)
    watched_until = time.monotonic() + 3.0  # importing the storage package (and the engine) took ~2 s of a core
    while time.monotonic() < watched_until:
        assert sidecar.process.poll() is None
        assert not _has_loaded(sidecar.process.pid, NUMPY_LIBRARY)
        time.sleep(0.2)
    sidecar.tail_started()
    deadline = time.monotonic() + 60
    while not _has_loaded(sidecar.process.pid, NUMPY_LIBRARY) and time.monotonic() < deadline:
        time.sleep(0.2)  # it imports MLflow now, before the spool exists
    assert _has_loaded(sidecar.process.pid, NUMPY_LIBRARY)
    write_spool(spool, {"run_name": "sidecar test", "status": "finished", "params": {"seed": 0},
                        "metrics": {"cv_score": 0.5}, "tags": {}, "artifacts": []})
    receipt = sidecar.join(timeout_s=120)
    assert receipt is not None and receipt["ok"] and receipt["mlflow_run_id"]
    assert not spool.with_suffix(".soon").exists()


def test_the_side_process_ends_when_no_tail_ever_comes(kuai_home: Path, tmp_path: Path) -> None:
    sidecar = TrackingSidecar(tmp_path / "mlflow_spool.json", wait_s=1.0)
    assert sidecar.process.wait(timeout=30) == 3
    assert sidecar.join(timeout_s=1) is None  # no receipt: nothing was logged
