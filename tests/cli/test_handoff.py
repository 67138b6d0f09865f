"""The end of `kuai train`: its process becomes a bare waiter while MLflow's side process logs the run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.services.handoff import wait_for_child
from tests.conftest import SAMPLES

KUAI = str(Path(sys.executable).parent / "kuai")
NUMPY_LIBRARY = "_multiarray_umath"  # mapped in any process that imported numpy, pandas, the engine or MLflow


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def test_wait_for_child_reaps_a_child_that_ends_and_gives_up_on_one_that_does_not() -> None:
    quick = subprocess.Popen(["true"])
    assert wait_for_child(quick.pid, time.monotonic() + 30)
    with pytest.raises(ChildProcessError):  # reaped by the wait: no zombie left
        os.waitpid(quick.pid, os.WNOHANG)
    slow = subprocess.Popen(["sleep", "30"])
    try:
        started = time.monotonic()
        assert not wait_for_child(slow.pid, started + 0.3)
        assert 0.3 <= time.monotonic() - started < 5 and slow.poll() is None
    finally:
        slow.kill()
        slow.wait()


@pytest.mark.slow
def test_train_waits_for_mlflow_in_a_bare_process(tmp_path: Path) -> None:
    home, out = tmp_path / "home", tmp_path / "out"
    env = dict(os.environ, KUAI_HOME=str(home))
    process = subprocess.Popen([KUAI, "train", str(SAMPLES / "customer_churn.csv"), "--time-budget", "10", "--out",
                                str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    seen: list[tuple[float, bool, bool]] = []  # RSS, numpy mapped, the side process still logging
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        try:
            command = Path(f"/proc/{process.pid}/cmdline").read_bytes()
            if b"handoff.py" in command:
                logging = not (out / "mlflow_spool.done").exists()
                seen.append((_rss_mb(process.pid),
                             NUMPY_LIBRARY in Path(f"/proc/{process.pid}/maps").read_text(), logging))
        except (FileNotFoundError, ProcessLookupError):  # it ended between the poll and the read
            break
        time.sleep(0.01)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr[-2000:]
    assert seen, "the training's process never became the waiter"
    assert any(logging for _, _, logging in seen), "the waiter must be there while the side process logs"
    assert max(rss for rss, _, _ in seen) < 60, seen  # the training's process held hundreds of MB
    assert not any(numpy for _, numpy, _ in seen)
    lines = stdout.strip().splitlines()
    assert "done" in lines[-2] and lines[-2].endswith("Finished")
    assert lines[-1].startswith("model: ") and lines[-1].endswith(f"-> {out}") and "roc_auc" in lines[-1]
    receipt = json.loads((out / "mlflow_spool.done").read_text())  # logged before the command returned
    assert receipt["ok"] and receipt["mlflow_run_id"]
