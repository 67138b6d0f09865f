"""A full disk during training: a coded error, the stores intact (SQLite integrity), and a resume that loses nothing.

The output folder lives on a real, small tmpfs (mounted by the test, as root), so the writes
fail with the kernel's own ENOSPC: in the trial store, in Optuna's SQLite file, or in the outputs.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SAMPLES

KUAI = str(Path(sys.executable).parent / "kuai")


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root: the disk-full test did NOT run")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount)], capture_output=True,
                             text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip()}): the disk-full test did NOT run")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def _fill(folder: Path, leave_kb: int) -> Path:
    """Take all the free space of the disk holding ``folder`` but ``leave_kb``."""
    stats = os.statvfs(folder)
    free = stats.f_bavail * stats.f_frsize
    filler = folder / f"filler-{uuid.uuid4().hex}"
    filler.write_bytes(b"\0" * max(0, free - leave_kb * 1024))
    return filler


def _complete_trials(database: Path) -> dict[int, float]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(study_name="kuai", storage=f"sqlite:///{database}")
    return {t.number: float(t.user_attrs["score"]) for t in study.trials if t.state.name == "COMPLETE"}


@pytest.mark.slow
def test_a_full_disk_stops_training_cleanly_and_it_resumes(small_disk: Path, tmp_path: Path) -> None:
    env = dict(os.environ, KUAI_HOME=str(tmp_path / "home"))
    out = small_disk / "run"
    out.mkdir()
    filler = _fill(small_disk, leave_kb=600)  # room for a few dozen trials, not for the whole run
    result = subprocess.run([KUAI, "train", str(SAMPLES / "customer_churn.csv"), "--time-budget", "20", "--out",
                             str(out)], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    assert "[DISK_FULL]" in result.stderr and "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1  # one readable line
    database = out / "optuna.db"
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    before = _complete_trials(database)
    assert len(before) >= 1  # one on a slow machine (the disk filled as its second trial was written)
    assert all((out / "trials" / f"trial-{n:06d}.npy").is_file() for n in before)  # their predictions too

    filler.unlink()  # the user frees some space
    resumed = subprocess.run([KUAI, "train", "--resume", str(out)], env=env, capture_output=True, text=True,
                             timeout=120)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    trials = {t["number"]: t for t in json.loads((out / "trials.json").read_text())}
    lost = [n for n in before if n not in trials or trials[n]["state"] != "complete"]
    assert lost == [] and (out / "model.onnx").is_file()
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.slow
def test_the_home_store_half_made_by_a_full_disk_is_set_aside_by_the_next_training(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reliability) -> None:
    """The blind tester's case: MLflow's set-up of the home folder's store ran out of disk, and every later training
    failed to log ('table … already exists'), even after space was freed. Now the next training moves the store
    aside (kept), makes a new one, logs itself, says so once, and logs the run that waited meanwhile."""
    from kuai.storage import Spool, write_spool
    from kuai.storage.tracking_status import remember_pending
    from kuai.storage.tracking_store import StoreState, store_state
    from tests.storage.mlflow_faults import head_revision, make_store

    home, out = tmp_path / "home", tmp_path / "run"
    monkeypatch.setenv("KUAI_HOME", str(home))
    home.mkdir()
    make_store(home / "mlflow.db", disk_full=True)
    content = (home / "mlflow.db").read_bytes()
    waited = tmp_path / "earlier" / "mlflow_spool.json"  # a run whose logging failed on the full disk
    waited.parent.mkdir()
    write_spool(waited, Spool(run_name="earlier", status="finished", params={"seed": 0}))
    remember_pending(home, waited, json.loads(waited.read_text())["tracking_uri"])

    result = subprocess.run([KUAI, "train", str(SAMPLES / "customer_churn.csv"), "--time-budget", "10", "--out",
                             str(out)], env=dict(os.environ), capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    assert all((out / name).is_file() for name in ("model.onnx", "model_card.json", "leaderboard.csv"))
    receipt = _wait_for_json(out / "mlflow_spool.done", within_s=120)
    assert receipt["ok"] and receipt["mlflow_run_id"], receipt
    [moved] = home.glob("mlflow.db.broken-*")
    assert moved.read_bytes() == content and any(str(moved) in note for note in receipt["notes"])
    assert ("kuai: note: Kuai's MLflow store was incomplete" in result.stderr  # said once, on stderr
            or "still logging the run, in the background" in result.stderr), result.stderr  # (a slow machine)
    assert "warning" not in result.stderr and "Traceback" not in result.stderr
    assert _wait_for_json(waited.with_suffix(".done"), within_s=60)["ok"]  # the run that waited is logged now
    assert store_state(home / "mlflow.db", head_revision=head_revision()) is StoreState.COMPLETE
    reliability.bad_input("coded")
    reliability.guess(told=any("moved aside" in note for note in receipt["notes"]))
    reliability.user_files_checked(lost=int(moved.read_bytes() != content))


def _wait_for_json(path: Path, *, within_s: float) -> dict:  # type: ignore[type-arg]
    deadline = time.monotonic() + within_s
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    return json.loads(path.read_text())
