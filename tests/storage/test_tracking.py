"""The MLflow side process: it waits beside the training holding next to nothing, and logs the run once told."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from kuai.storage import Spool, TrackingSidecar, write_spool
from kuai.storage.tracking import replay_pending

NUMPY_LIBRARY = "_multiarray_umath"  # mapped once numpy is imported: so are pandas, the engine and MLflow
ENGINE_LIBRARY = "lib_lightgbm"  # mapped once the engine is imported (MLflow and the tracking need none of it)
MLFLOW_LIBRARY = "google/_upb/_message"  # protobuf's, mapped as MLflow imports (pandas and numpy do not)
FINISHED = Spool(run_name="sidecar test", status="finished", params={"seed": 0}, metrics={"cv_score": 0.5})


def _has_loaded(pid: int, library: str) -> bool:
    return library in Path(f"/proc/{pid}/maps").read_text()


@pytest.fixture
def sidecars() -> Iterator[list[TrackingSidecar]]:
    started: list[TrackingSidecar] = []
    yield started
    for sidecar in started:  # a failed test leaves no side process waiting
        if sidecar.process.poll() is None:
            sidecar.process.kill()
            sidecar.process.wait()


@pytest.mark.slow
def test_the_side_process_waits_without_the_engine_then_logs_the_run(kuai_home: Path, tmp_path: Path,
                                                                     sidecars: list[TrackingSidecar]) -> None:
    spool = tmp_path / "mlflow_spool.json"
    spool.with_suffix(".soon").touch()  # left by an earlier training in the same folder: not a signal
    sidecars.append(sidecar := TrackingSidecar(spool, wait_s=120))
    while not Path(f"/proc/{sidecar.process.pid}/cmdline").read_bytes().count(b"tracking_sidecar"):
        time.sleep(0.05)  # the interpreter runs the script
    watched_until = time.monotonic() + 3.0  # importing the storage package (and the engine) took ~2 s of a core
    while time.monotonic() < watched_until:
        assert sidecar.process.poll() is None
        assert not _has_loaded(sidecar.process.pid, NUMPY_LIBRARY)
        time.sleep(0.2)
    sidecar.export_done()
    deadline = time.monotonic() + 60
    while not _has_loaded(sidecar.process.pid, MLFLOW_LIBRARY) and time.monotonic() < deadline:
        assert not _has_loaded(sidecar.process.pid, ENGINE_LIBRARY)
        time.sleep(0.05)  # it imports MLflow now, before the spool exists, and never the engine
    assert _has_loaded(sidecar.process.pid, MLFLOW_LIBRARY) and not _has_loaded(sidecar.process.pid, ENGINE_LIBRARY)
    write_spool(spool, FINISHED)
    receipt = sidecar.join(timeout_s=120)
    assert receipt is not None and receipt["ok"] and receipt["mlflow_run_id"]
    assert not spool.with_suffix(".soon").exists()


@pytest.mark.slow
def test_a_new_training_in_the_same_folder_logs_its_own_run(kuai_home: Path, tmp_path: Path,
                                                            sidecars: list[TrackingSidecar]) -> None:
    """An earlier training's spool is not logged again in the new one's stead, nor its receipt taken for the new
    run's; one that was never logged (the tracking server was down) is kept for a replay."""
    spool = tmp_path / "mlflow_spool.json"
    write_spool(spool, replace(FINISHED, run_name="earlier, logged"))
    spool.with_suffix(".done").write_text(json.dumps({"ok": True, "mlflow_run_id": "earlier"}))
    sidecars.append(sidecar := TrackingSidecar(spool, wait_s=120))
    assert not spool.exists() and not spool.with_suffix(".done").exists()
    sidecar.export_done()
    write_spool(spool, replace(FINISHED, run_name="new"))
    receipt = sidecar.join(timeout_s=120)
    assert receipt is not None and receipt["ok"] and receipt["mlflow_run_id"] not in ("earlier", None)
    write_spool(spool, replace(FINISHED, run_name="earlier, never logged"))
    spool.with_suffix(".done").write_text(json.dumps({"ok": False, "error": "ConnectionError"}))
    sidecars.append(TrackingSidecar(spool, wait_s=1.0))
    kept = list(tmp_path.glob("mlflow_spool.earlier-*.json"))
    assert len(kept) == 1 and json.loads(kept[0].read_text())["run_name"] == "earlier, never logged"
    assert len(replay_pending(tmp_path)) == 1  # the set-aside spool is replayed; nothing else is pending


def test_the_side_process_ends_when_no_tail_ever_comes(kuai_home: Path, tmp_path: Path,
                                                       sidecars: list[TrackingSidecar]) -> None:
    sidecars.append(sidecar := TrackingSidecar(tmp_path / "mlflow_spool.json", wait_s=1.0))
    assert sidecar.process.wait(timeout=30) == 3
    assert sidecar.join(timeout_s=1) is None  # no receipt: nothing was logged


def test_a_run_whose_folder_was_removed_meanwhile_gets_nothing_written_into_a_new_one(
        kuai_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A blind tester removed a run's folder while its side process was logging, and trained again at the same
    path: the old side process wrote its failed receipt into the new run's folder, and the new run then offered to
    replay a run that was not its own."""
    import shutil

    from kuai.storage import claim_output_folder, tracking, tracking_status

    run = tmp_path / "run"
    claim_output_folder(run).release()
    spool = run / "mlflow_spool.json"
    spool.write_text("{}")

    def removed_and_made_again(path: Path, notes: list[str]) -> tuple[str, None]:  # fault injection
        shutil.rmtree(run)
        claim_output_folder(run).release()  # a new training at the same path
        raise OSError("the spool went with its folder")

    monkeypatch.setattr(tracking, "read_spool", lambda path: tracking.Spool())
    monkeypatch.setattr(tracking, "log_spool", removed_and_made_again)
    receipt = tracking.track(spool)
    assert receipt["ok"] is False and not (run / "mlflow_spool.done").exists()
    assert tracking_status.pending_spools(kuai_home) == []
    kept = tmp_path / "kept"  # the same failure in a folder that stays: its receipt and its replay are kept
    claim_output_folder(kept).release()
    (kept / "mlflow_spool.json").write_text("{}")
    monkeypatch.setattr(tracking, "log_spool", lambda path, notes: (_ for _ in ()).throw(OSError("store away")))
    assert tracking.track(kept / "mlflow_spool.json")["ok"] is False
    assert tracking_status.read_receipt(kept / "mlflow_spool.json") is not None
