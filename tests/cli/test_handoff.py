"""The end of `kuai train`: its process exports in a fresh interpreter, then becomes a bare waiter while MLflow's
side process logs the run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kuai.app.services.handoff import wait_for_child
from tests.conftest import ROOT, SAMPLES

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
    quick.returncode = 0  # reaped behind Popen's back: it must not wait for the pid again
    assert wait_for_child(os.getpid(), time.monotonic() + 30)  # not a child (or reaped elsewhere): nothing to wait for
    slow = subprocess.Popen(["sleep", "30"])
    try:
        started = time.monotonic()
        assert not wait_for_child(slow.pid, started + 0.3)
        assert 0.3 <= time.monotonic() - started < 5 and slow.poll() is None
        assert not wait_for_child(slow.pid, time.monotonic() - 1)  # a deadline already past: no wait at all
    finally:
        slow.kill()
        slow.wait()


WAITER = """
import subprocess, sys, time
sys.path.insert(0, sys.argv[1])
from kuai.app.services.handoff import exec_waiter
child = subprocess.Popen([sys.executable, "-c", sys.argv[4]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print("before the exec")  # buffered (a pipe): the hand-off must flush it
exec_waiter(sidecar_pid=child.pid, spool=sys.argv[3], started=time.monotonic() - 12.5, deadline=time.monotonic() + 1.0,
            summary={"model_name": "lightgbm_3", "metric": "rmse", "score": 1.5, "score_std": 0.25,
                     "parity_max_diff": 1e-7, "out_dir": "/some/out"})
"""
FAILED_RECEIPT = {"ok": False, "state": "failed", "code": "TRACKING_FAILED", "cause": "unreachable",
                  "reason": "the tracking server at http://127.0.0.1:9 could not be reached",
                  "action": "Check that the tracking server runs.", "notes": []}
SIDE_PROCESSES = {  # what the side process does: (its code, what the waiter must say on stderr)
    "logged": ("import json, sys; open(sys.argv[1], 'w').write(json.dumps({'ok': True, 'state': 'logged', "
               "'mlflow_run_id': 'r1', 'notes': ['Kuai repaired its store.']}))", "kuai: note: Kuai repaired"),
    "failed": (f"import sys; open(sys.argv[1], 'w').write({json.dumps(json.dumps(FAILED_RECEIPT))})",
               "kuai: warning [TRACKING_FAILED] The run was not logged to MLflow (the tracking server at "
               "http://127.0.0.1:9 could not be reached); the outputs in /some/out are complete. Check that"),
    "ended without a word": ("pass", "kuai: warning [TRACKING_FAILED] The run was not logged to MLflow (its "
                                     "logging process ended without writing what happened"),
    "still logging": ("import time; time.sleep(30)", "kuai: note: MLflow is still logging the run, in the "
                                                     "background"),
}


@pytest.mark.parametrize("side", list(SIDE_PROCESSES))
def test_the_waiter_prints_the_last_lines_and_what_became_of_the_logging(side: str, tmp_path: Path) -> None:
    """A process that execs the waiter as the training does; its child, the side process, logs the run, fails,
    ends without a receipt, or is still logging at the deadline. The exit code is 0 in every case."""
    spool = tmp_path / "mlflow_spool.json"
    code, expected = SIDE_PROCESSES[side]
    code = code.replace("sys.argv[1]", repr(str(spool.with_suffix(".done"))))
    started = time.monotonic()
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    result = subprocess.run([sys.executable, "-c", WAITER, str(ROOT), "", str(spool), code],
                            capture_output=True, text=True, timeout=60, env=buffered)
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 15  # it gave up on the long child at its deadline
    lines = result.stdout.splitlines()
    assert lines[0] == "before the exec" and lines[1].endswith("done      Finished") and lines[1].startswith("[  1")
    assert lines[2].startswith("model: lightgbm_3  rmse 1.5000 ± 0.2500  ONNX parity 1.0e-07  wall 1")
    assert lines[2].endswith("-> /some/out")
    said = result.stderr.strip().splitlines()
    assert len(said) == 1 and said[0].startswith(expected), result.stderr  # one line, no traceback
    if side == "still logging":
        assert str(spool.with_suffix(".done")) in said[0]  # where its outcome will be written


@pytest.mark.slow
def test_train_waits_for_mlflow_in_a_bare_process(tmp_path: Path) -> None:
    home, out = tmp_path / "home", tmp_path / "out"
    env = dict(os.environ, KUAI_HOME=str(home))
    # a relative --out, as a user types it: the side process runs in another folder and must still find the spool
    process = subprocess.Popen([KUAI, "train", str(SAMPLES / "customer_churn.csv"), "--time-budget", "15", "--out",
                                "out"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                               cwd=tmp_path)
    seen: list[tuple[float, bool, bool]] = []  # RSS, numpy mapped, the side process still logging
    exporting: list[bool] = []  # seen as the fresh process that exports, then explains
    searching: list[bool] = []  # in the training's process, which leaves SHAP to the fresh one: SHAP's numba mapped
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        try:
            command = Path(f"/proc/{process.pid}/cmdline").read_bytes()
            arguments = command.split(b"\0")
            if b"_tail" in arguments:
                exporting.append(True)
            elif b"train" in arguments:
                searching.append("numba" in Path(f"/proc/{process.pid}/maps").read_text())
            elif b"handoff.py" in command:
                logging = not (out / "mlflow_spool.done").exists()
                seen.append((_rss_mb(process.pid),
                             NUMPY_LIBRARY in Path(f"/proc/{process.pid}/maps").read_text(), logging))
        except (FileNotFoundError, ProcessLookupError):  # it ended between the poll and the read
            break
        time.sleep(0.01)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr[-2000:]
    assert exporting, "the training's process never became the fresh process that exports"
    assert searching and not any(searching)  # SHAP's imports (numba) never sat on top of the search's memory
    assert not list(out.glob(".kuai-tail-*"))  # the hand-over file is read once and deleted
    assert seen, "the training's process never became the waiter"
    assert any(logging for _, _, logging in seen), "the waiter must be there while the side process logs"
    assert max(rss for rss, _, _ in seen) < 60, seen  # the training's process held hundreds of MB
    assert not any(numpy for _, numpy, _ in seen)
    lines = stdout.strip().splitlines()
    stages = [line.split()[2] for line in lines if line.startswith("[")]
    assert stages.index("export") < len(stages) - 1 - stages[::-1].index("explain")  # SHAP after the export
    explained = json.loads((out / "explanation.json").read_text())
    assert explained["importance"] and explained["permutation_importance"]  # both parts reached the outputs
    card = json.loads((out / "model_card.json").read_text())
    assert card["explanation"]["importance"] == explained["importance"] and card["timings_s"]["explain_s"] > 0
    assert "done" in lines[-2] and lines[-2].endswith("Finished")
    assert lines[-1].startswith("model: ") and lines[-1].endswith(f"-> {out}") and "roc_auc" in lines[-1]
    done = out / "mlflow_spool.done"  # written before the command returns, unless the logging outran the budget
    waited_until = time.monotonic() + 60
    while not done.exists() and time.monotonic() < waited_until:
        time.sleep(0.2)
    receipt = json.loads(done.read_text())
    assert receipt["ok"] and receipt["mlflow_run_id"]
