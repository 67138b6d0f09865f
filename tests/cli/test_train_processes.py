"""`kuai train`'s processes: a thin parent runs the search and the export as children (each gives its memory back
when it ends), then waits for MLflow's side process and prints the last lines."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kuai.app import cli
from kuai.app.processes.train import wait_for_tracking
from kuai.app.services.options import TrainOptions
from kuai.storage import TrackingSidecar
from tests.conftest import SAMPLES

KUAI = str(Path(sys.executable).parent / "kuai")
NUMPY_LIBRARY = "_multiarray_umath"  # mapped in any process that imported numpy, pandas, the engine or MLflow
FAILED_RECEIPT = {"ok": False, "state": "failed", "code": "TRACKING_FAILED", "cause": "unreachable",
                  "reason": "the tracking server at http://127.0.0.1:9 could not be reached",
                  "action": "Check that the tracking server runs.", "notes": []}
SIDE_PROCESSES = {  # what the side process does: (its code, what the parent must say on stderr)
    "logged": ("import json, sys; open(sys.argv[1], 'w').write(json.dumps({'ok': True, 'state': 'logged', "
               "'mlflow_run_id': 'r1', 'notes': ['Kuai repaired its store.']}))", "kuai: note: Kuai repaired"),
    "failed": (f"import sys; open(sys.argv[1], 'w').write({json.dumps(json.dumps(FAILED_RECEIPT))})",
               "kuai: warning [TRACKING_FAILED] The run was not logged to MLflow (the tracking server at "
               "http://127.0.0.1:9 could not be reached); the outputs in {out} are complete. Check that"),
    "ended without a word": ("pass", "kuai: warning [TRACKING_FAILED] The run was not logged to MLflow (its "
                                     "logging process ended without writing what happened"),
    "still logging": ("import time; time.sleep(30)", "kuai: note: MLflow is still logging the run, in the "
                                                     "background"),
}
CARD = {"model": {"name": "lightgbm_3"}, "metric": {"name": "rmse"}, "cv_score": 1.5, "cv_score_std": 0.25,
        "classes": None, "parity": {"max_rel_diff": 1e-7, "max_abs_diff": 0.5}}


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@pytest.mark.parametrize("side", list(SIDE_PROCESSES))
def test_the_parent_prints_the_last_lines_and_what_became_of_the_logging(
        side: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The side process logs the run, fails, ends without a receipt, or is still logging at the deadline; the
    summary comes from the run's model card; the exit code is 0 in every case."""
    spool = tmp_path / "mlflow_spool.json"
    (tmp_path / "model_card.json").write_text(json.dumps(CARD))
    code, expected = SIDE_PROCESSES[side]
    child = subprocess.Popen([sys.executable, "-c", code.replace("sys.argv[1]", repr(str(spool.with_suffix(".done"))))])
    options = TrainOptions(data_path=tmp_path / "data.csv", time_budget_s=20.0)
    started = time.monotonic() - 19.0  # one second of the budget left
    try:
        summary = wait_for_tracking(tmp_path, options, TrackingSidecar.attach(spool, child.pid), started=started,
                                    progress=cli._progress)
        assert cli._report_training(summary) == 0
    finally:
        child.kill()
    assert time.monotonic() - started < 19.0 + 10  # it gave up on the long child at its deadline
    lines = capsys.readouterr()
    out = lines.out.splitlines()
    assert out[0].endswith("done      Finished") and out[0].startswith("[  ")
    assert out[1].startswith("model: lightgbm_3  rmse 1.5000 ± 0.2500  ONNX parity 1.0e-07  wall ")
    assert out[1].endswith(f"-> {tmp_path}")
    said = lines.err.strip().splitlines()
    assert len(said) == 1 and said[0].startswith(expected.format(out=tmp_path)), lines.err  # one line, no traceback
    if side == "still logging":
        assert str(spool.with_suffix(".done")) in said[0]  # where its outcome will be written


def _children(pid: int) -> list[tuple[int, bytes]]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append((int(entry.name), (entry / "cmdline").read_bytes()))
        except (OSError, ValueError):
            continue
    return found


@pytest.mark.slow
def test_train_searches_and_exports_in_children_while_a_small_parent_waits(tmp_path: Path) -> None:
    home, out = tmp_path / "home", tmp_path / "out"
    env = dict(os.environ, KUAI_HOME=str(home))
    # a relative --out, as a user types it: the side process runs in another folder and must still find the spool
    # 25 s: time left for SHAP after the export on a slow machine too (at 15 s its export ended too late for it)
    process = subprocess.Popen([KUAI, "train", str(SAMPLES / "customer_churn.csv"), "--time-budget", "25", "--out",
                                "out"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                               cwd=tmp_path)
    parent: list[tuple[float, bool]] = []  # RSS, numpy mapped
    searching: list[bool] = []  # the search child, which leaves SHAP to the export child: SHAP's numba never mapped
    exporting: list[bool] = []
    logging_seen = False  # the parent waited while the side process logged
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        try:
            parent.append((_rss_mb(process.pid), NUMPY_LIBRARY in Path(f"/proc/{process.pid}/maps").read_text()))
            for pid, command in _children(process.pid):
                if b"kuai.app.processes.tail" in command:
                    exporting.append(True)
                elif b"kuai.app.processes.search" in command:
                    try:
                        searching.append("numba" in Path(f"/proc/{pid}/maps").read_text())
                    except (FileNotFoundError, ProcessLookupError):  # the child ended between the listing and the read
                        continue
            logging_seen |= (out / "mlflow_spool.json").exists() and not (out / "mlflow_spool.done").exists()
        except (FileNotFoundError, ProcessLookupError):  # it ended between the poll and the read
            break
        time.sleep(0.01)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr[-2000:]
    assert searching and not any(searching)  # SHAP's imports (numba) never sat on top of the search's memory
    assert exporting, "the export never ran in a child of its own"
    assert not list(out.glob(".kuai-tail-*"))  # the hand-over file is read once and deleted
    assert logging_seen, "the parent must be there while the side process logs"
    assert max(rss for rss, _ in parent) < 60, parent  # the search's process held hundreds of MB
    assert not any(numpy for _, numpy in parent)
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


@pytest.mark.slow
@pytest.mark.parametrize("sent", [signal.SIGINT, signal.SIGKILL])
def test_a_signal_to_the_parent_stops_the_search_and_leaves_no_orphan(sent: signal.Signals, tmp_path: Path) -> None:
    """Ctrl-C (SIGINT to the parent alone) is passed to the search child once: `kuai: interrupted`, 130. A SIGKILL
    of the parent kills the child too. Either way the folder's lock is released.

    The command starts with SIGINT ignored, as a background job of a shell script starts (`kuai train ... &`): the
    parent forwards it all the same, and its children must act on it (they once inherited "ignored" and trained on
    to the end, exit 0)."""
    out = tmp_path / "out"
    process = subprocess.Popen([KUAI, "train", str(SAMPLES / "customer_churn.csv"), "--time-budget", "60", "--out",
                                str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=dict(os.environ, KUAI_HOME=str(tmp_path / "home")),
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    assert process.stdout is not None
    for line in process.stdout:  # the search child is running once it prints its first line
        if "] search " in line:
            break
    children = [pid for pid, command in _children(process.pid) if b"kuai.app.processes.search" in command]
    assert children, "no search child"
    process.send_signal(sent)
    _, stderr = process.communicate(timeout=60)
    if sent == signal.SIGINT:
        assert process.returncode == 130 and stderr.count("kuai: interrupted") == 1, stderr
    else:
        assert process.returncode == -signal.SIGKILL
    waited_until = time.monotonic() + 10
    while Path(f"/proc/{children[0]}").exists() and time.monotonic() < waited_until:
        time.sleep(0.1)
    assert not Path(f"/proc/{children[0]}").exists(), "the search child outlived its parent"
    with (out / ".kuai-run.lock").open("a") as lock:  # free: a resume may claim the folder
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
