"""A broken or unreachable MLflow store, by fault injection, logged through the side process's own code: the home
folder's store left half-made by a full disk is set aside (never deleted) and made anew, the runs that waited are
logged; a store the user chose is never touched; every failure leaves a receipt with the reason and what to do
(the full disk: ``tests.storage.mlflow_faults``)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from kuai.storage import Spool, write_spool
from kuai.storage.sidecar import HTTP_LIMITS
from kuai.storage.tracking import serve, track
from kuai.storage.tracking_status import pending_spools, read_receipt
from kuai.storage.tracking_store import StoreState, store_state
from tests.servers import free_port
from tests.storage.mlflow_faults import full_disk, head_revision, make_store

FINISHED = Spool(run_name="repair test", status="finished", params={"seed": 0}, metrics={"cv_score": 0.5})


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A store MLflow's set-up left half-made on a full disk, and a complete one; made once, copied by the tests."""
    folder = tmp_path_factory.mktemp("stores")
    half, complete = folder / "half.db", folder / "complete.db"
    make_store(half, disk_full=True)
    make_store(complete, disk_full=False)
    assert store_state(half, head_revision=head_revision()) is StoreState.INCOMPLETE
    assert store_state(complete, head_revision=head_revision()) is StoreState.COMPLETE
    return {"half": half, "complete": complete}


@pytest.fixture()
def http_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in HTTP_LIMITS.items():  # as the side process gets them
        monkeypatch.setenv(name, value)


def _spool(folder: Path) -> Path:
    folder.mkdir(parents=True)
    spool = folder / "mlflow_spool.json"
    write_spool(spool, FINISHED)
    return spool


def test_the_home_store_half_made_by_a_full_disk_is_set_aside_and_the_waiting_runs_logged(
        kuai_home: Path, tmp_path: Path, stores: dict[str, Path], reliability) -> None:
    """The tester's case: every later training failed with 'table … already exists', even after space was freed."""
    store = kuai_home / "mlflow.db"
    kuai_home.mkdir(parents=True)
    shutil.copy(stores["half"], store)
    content = store.read_bytes()
    waiting = _spool(tmp_path / "while-full")
    with full_disk(store):  # still full: the store is set aside, the new one cannot be made yet
        receipt = track(waiting)
    assert receipt["ok"] is False and receipt["cause"] == "disk_full", receipt
    assert "Free some space" in receipt["action"] and f"kuai track {waiting.parent}" in receipt["action"]
    [moved] = kuai_home.glob("mlflow.db.broken-*")
    assert moved.read_bytes() == content  # kept, not deleted
    assert any(str(moved) in note for note in receipt["notes"])  # said once, in this run's receipt
    assert not store.exists()  # the new store, unfinished, holds nothing: made anew next time, not set aside again
    assert pending_spools(kuai_home) == [waiting]
    reliability.bad_input("coded")
    reliability.guess(told=any("moved aside" in note for note in receipt["notes"]))

    later = _spool(tmp_path / "space-freed")
    assert serve(later, wait_s=5.0) == 0
    logged = read_receipt(later)
    assert logged is not None and logged["ok"] and logged["mlflow_run_id"] and logged["notes"] == []
    assert logged["replaying"] == [str(waiting)]  # the run that waited is logged after this one's receipt
    replayed = read_receipt(waiting)
    assert replayed is not None and replayed["ok"] and replayed["mlflow_run_id"] != logged["mlflow_run_id"]
    assert pending_spools(kuai_home) == []
    assert track(waiting)["mlflow_run_id"] == replayed["mlflow_run_id"]  # a second replay logs it not twice
    assert store_state(store, head_revision=head_revision()) is StoreState.COMPLETE
    assert list(kuai_home.glob("mlflow.db.broken-*")) == [moved]
    assert "MLFLOW_TRACKING_URI" not in os.environ  # left as it was: later spools and child processes unaffected
    reliability.user_files_checked(lost=int(moved.read_bytes() != content))


def test_a_store_that_a_full_disk_stops_kuai_making_leaves_nothing_behind(kuai_home: Path, tmp_path: Path,
                                                                        reliability) -> None:
    """No store yet and the disk full: the half-made file holds nothing and goes, so that the next training makes
    it whole (no 'table … already exists' ever after) and nothing is set aside."""
    store = kuai_home / "mlflow.db"
    spool = _spool(tmp_path / "run")
    with full_disk(store):
        receipt = track(spool)
    assert receipt["ok"] is False and receipt["cause"] == "disk_full" and receipt["notes"] == [], receipt
    assert f"Free some space on the disk holding the MLflow store {store}" in receipt["action"]
    assert not store.exists() and not list(kuai_home.glob("mlflow.db*"))
    reliability.bad_input("coded")


def test_a_broken_store_the_user_chose_is_left_as_it_is(kuai_home: Path, tmp_path: Path, stores: dict[str, Path],
                                                        monkeypatch: pytest.MonkeyPatch, reliability) -> None:
    theirs = tmp_path / "theirs.db"
    shutil.copy(stores["half"], theirs)
    content = theirs.read_bytes()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{theirs}")
    spool = _spool(tmp_path / "run")
    receipt = track(spool)
    assert receipt["ok"] is False and receipt["cause"] == "store_broken", receipt
    assert "leaves a store you chose as it is" in receipt["action"] and "mlflow db upgrade" in receipt["action"]
    assert receipt["notes"] == [] and list(tmp_path.glob("theirs.db*")) == [theirs]  # not moved, nothing beside
    assert not (kuai_home / "mlflow.db").exists()
    reliability.bad_input("coded")
    reliability.user_files_checked(lost=int(theirs.read_bytes() != content))


def test_a_read_only_store_is_reported_and_not_touched(kuai_home: Path, tmp_path: Path, stores: dict[str, Path],
                                                      monkeypatch: pytest.MonkeyPatch, reliability) -> None:
    theirs = tmp_path / "read-only.db"
    shutil.copy(stores["complete"], theirs)
    content = theirs.read_bytes()
    monkeypatch.chdir(tmp_path)  # MLflow makes the URI's "file:/…" folder relative to the working directory
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///file:{theirs}?mode=ro&uri=true")
    receipt = track(_spool(tmp_path / "run"))
    assert receipt["ok"] is False and receipt["cause"] == "read_only", receipt
    assert "cannot be written" in receipt["reason"] and "writable" in receipt["action"]
    assert theirs.read_bytes() == content
    reliability.bad_input("coded")


def test_an_unreachable_server_fails_within_seconds(kuai_home: Path, tmp_path: Path, http_limits: None,
                                                    monkeypatch: pytest.MonkeyPatch, reliability) -> None:
    uri = f"http://127.0.0.1:{free_port()}"  # closed: nothing listens there
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    spool = _spool(tmp_path / "run")
    started = time.monotonic()
    receipt = track(spool)
    assert time.monotonic() - started < 10  # MLflow's defaults retry for minutes
    assert receipt["ok"] is False and receipt["cause"] == "unreachable", receipt
    assert uri in receipt["reason"] and "Check that the tracking server runs" in receipt["action"]
    assert pending_spools(kuai_home, uri) == [spool]
    reliability.bad_input("coded")
