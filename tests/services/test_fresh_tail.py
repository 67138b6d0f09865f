"""The hand-over file from ``kuai train``'s search child to its export child: read back only under their key."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from kuai.app.services.fresh_tail import (
    DIGEST_BYTES,
    KEY_ENV,
    Tail,
    TailFileError,
    hand_over_result,
    load_tail,
    write_tail,
)
from kuai.engine.budget import EXPORT_FIXED_S


def _tail(out_dir: Path) -> Tail:
    return Tail(result={"a": [1, 2, 3]}, options=SimpleNamespace(time_budget_s=60.0),  # type: ignore[arg-type]
                out_dir=out_dir, started=time.monotonic(), sidecar_pid=4321, spool=out_dir / "mlflow_spool.json")


class _Planted:
    """Creates a file when unpickled: what a file planted in the output folder could do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.marker,))


def test_the_tail_comes_back_whole_and_its_file_goes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key, written = os.urandom(32), _tail(tmp_path)
    path = write_tail(written, key)
    assert path.parent == tmp_path and oct(path.stat().st_mode & 0o777) == "0o600"
    monkeypatch.setenv(KEY_ENV, key.hex())
    tail = load_tail(path)
    assert tail == written
    assert not path.exists() and KEY_ENV not in os.environ  # the key is not passed on to the side processes


@pytest.mark.parametrize("key_hex", ["", "not hex", os.urandom(32).hex()])
def test_a_file_under_another_key_or_none_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     key_hex: str) -> None:
    path = write_tail(_tail(tmp_path), os.urandom(32))
    monkeypatch.setenv(KEY_ENV, key_hex)
    with pytest.raises(TailFileError, match="not the one it wrote"):
        load_tail(path)
    assert not path.exists()


def test_a_planted_file_is_never_unpickled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = os.urandom(32)
    path = write_tail(_tail(tmp_path), key)
    marker = tmp_path / "unpickled"
    path.write_bytes(path.read_bytes()[:DIGEST_BYTES] + pickle.dumps(_Planted(marker)))  # the digest kept, the rest not
    monkeypatch.setenv(KEY_ENV, key.hex())
    with pytest.raises(TailFileError):
        load_tail(path)
    assert not marker.exists()


def test_a_missing_file_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, os.urandom(32).hex())
    with pytest.raises(TailFileError, match="cannot be read"):
        load_tail(tmp_path / ".kuai-tail-missing.pkl")


def test_a_full_disk_leaves_no_half_written_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kuai.app.services.fresh_tail as fresh_tail

    def half(_: Any, file: Any, **__: Any) -> None:
        file.write(b"x" * 1000)  # part of the pickle, then the disk is full
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fresh_tail.pickle, "dump", half)
    with pytest.raises(OSError):
        write_tail(_tail(tmp_path), os.urandom(32))
    assert list(tmp_path.iterdir()) == []


def test_a_file_not_named_as_a_hand_over_is_neither_read_nor_deleted(tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    data.write_text("a,b\n1,2\n")
    with pytest.raises(TailFileError, match="not a training's hand-over file"):
        load_tail(data)
    assert data.read_text() == "a,b\n1,2\n"


def _frame_tail(out_dir: Path, result: Any) -> Tail:
    return replace(_tail(out_dir), result=result)


@pytest.mark.parametrize("case", ["unpicklable", "rows too large"])
def test_when_the_hand_over_cannot_be_made_the_search_child_exports_itself(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    import kuai.app.services.fresh_tail as fresh_tail

    result = SimpleNamespace(model_frame=pd.DataFrame({"x": np.arange(1000.0)}),
                             estimator=(lambda: None) if case == "unpicklable" else None)
    if case == "rows too large":
        monkeypatch.setattr(fresh_tail, "MAX_FRAME_MB", 0.001)
    path = tmp_path / ".kuai-tail-given.pkl"
    assert not hand_over_result(_frame_tail(tmp_path, result), path, os.urandom(32))  # the caller exports itself
    assert list(tmp_path.iterdir()) == []  # no hand-over file left


@pytest.mark.parametrize("left_s", [10.0, 3.5, 2.5, -2.0])
def test_a_fresh_process_that_would_export_past_the_allowance_keeps_the_export_here(tmp_path: Path,
                                                                                    left_s: float) -> None:
    result = SimpleNamespace(model_frame=pd.DataFrame({"x": np.arange(10.0)}))
    tail = replace(_frame_tail(tmp_path, result), started=time.monotonic() + left_s - 60.0)  # a 60 s budget
    path = tmp_path / ".kuai-tail-given.pkl"
    # a 5 s start and the export's fixed 4 s end within the 6 s past the budget while 3 s or more are left
    fits = left_s + 6.0 >= 5.0 + EXPORT_FIXED_S
    assert fits == (left_s >= 3.0)
    assert hand_over_result(tail, path, os.urandom(32), fresh_start_s=5.0) == fits
    assert path.exists() == fits


def test_a_result_handed_over_comes_back_in_the_file_the_parent_named(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    key, path = os.urandom(32), tmp_path / ".kuai-tail-given.pkl"
    result = SimpleNamespace(model_frame=pd.DataFrame({"x": np.arange(10.0)}))
    assert hand_over_result(_frame_tail(tmp_path, result), path, key)
    monkeypatch.setenv(KEY_ENV, key.hex())
    assert load_tail(path).result.model_frame["x"].tolist() == list(np.arange(10.0))
    assert not path.exists()


def test_the_side_process_is_reaped_by_its_id_when_attached(tmp_path: Path) -> None:
    from kuai.storage.sidecar import TrackingSidecar

    spool = tmp_path / "mlflow_spool.json"
    done = subprocess.Popen([sys.executable, "-c", f"open({str(spool.with_suffix('.done'))!r}, 'w')"
                             ".write('{\"ok\": true, \"mlflow_run_id\": \"r1\"}')"])
    assert TrackingSidecar.attach(spool, done.pid).join(timeout_s=20) == {"ok": True, "mlflow_run_id": "r1"}
    slow = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        started = time.monotonic()
        assert TrackingSidecar.attach(tmp_path / "other.json", slow.pid).join(timeout_s=0.5) is None
        assert time.monotonic() - started < 5
    finally:
        slow.kill()
        slow.wait()
