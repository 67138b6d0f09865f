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
    assert len(before) >= 2
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
