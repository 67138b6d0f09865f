"""What became of a run's MLflow logging, without MLflow: the receipt's words, a run record kept up to date with its
status file, the list of runs waiting for a replay, and a store's health read with sqlite3."""

from __future__ import annotations

import errno
import json
import sqlite3
import subprocess
from pathlib import Path

import pytest

from kuai.storage import RunConfig, create_run, list_runs, update_run
from kuai.storage.tracking_status import (
    classify,
    failed,
    forget_pending,
    outcome,
    pending_spools,
    redact,
    refreshed,
    remember_pending,
    write_receipt,
)
from kuai.storage.tracking_store import StoreState, holds_runs, move_aside, remove_unfinished, store_state

URI = "http://127.0.0.1:9"


def _wrapped(inner: BaseException) -> Exception:
    """``inner`` behind another error, as MLflow wraps the database's and the network's."""
    try:
        try:
            raise inner
        except BaseException as exc:
            raise RuntimeError("API request failed") from exc
    except RuntimeError as outer:
        return outer


@pytest.mark.parametrize(("error", "cause"), [
    (OSError(errno.ENOSPC, "No space left on device"), "disk_full"),
    (_wrapped(sqlite3.OperationalError("database or disk is full")), "disk_full"),
    (_wrapped(sqlite3.OperationalError("attempt to write a readonly database")), "read_only"),
    (PermissionError(errno.EACCES, "Permission denied"), "read_only"),
    (_wrapped(sqlite3.OperationalError("database is locked")), "locked"),
    (_wrapped(ConnectionError("[Errno 111] Connection refused")), "unreachable"),
    (RuntimeError("HTTPConnectionPool(host='x', port=1): Read timed out. (read timeout=10)"), "unreachable"),
    (_wrapped(sqlite3.OperationalError("table registered_models already exists")), "store_broken"),
    (RuntimeError("Detected out-of-date database schema (found version a, but expected b)"), "store_broken"),
    (ValueError("something else entirely"), "other"),
])
def test_every_failure_gets_a_plain_reason_and_what_to_do(error: Exception, cause: str, tmp_path: Path,
                                                         reliability) -> None:
    spool = tmp_path / "run" / "mlflow_spool.json"
    receipt = failed(error, uri=f"sqlite:///{tmp_path / 'mlflow.db'}", spool=spool, own_store=True, notes=[])
    assert receipt["ok"] is False and receipt["code"] == "TRACKING_FAILED" and receipt["cause"] == cause
    assert receipt["reason"] and "Traceback" not in receipt["reason"]
    assert receipt["action"].endswith(f"`kuai track {spool.parent}`.")  # how the run gets logged later
    assert receipt["error"].startswith(type(error).__name__)
    reliability.bad_input("coded")


def test_a_store_the_user_chose_is_never_offered_for_repair(tmp_path: Path) -> None:
    broken = _wrapped(sqlite3.OperationalError("table datasets already exists"))
    spool = tmp_path / "mlflow_spool.json"
    theirs = failed(broken, uri="sqlite:////data/theirs.db", spool=spool, own_store=False, notes=[])
    ours = failed(broken, uri="sqlite:////home/u/.kuai/mlflow.db", spool=spool, own_store=True, notes=[])
    assert "leaves a store you chose as it is" in theirs["action"]
    assert "mlflow db upgrade sqlite:////data/theirs.db" in theirs["action"]
    assert "rename it" in ours["action"]


@pytest.mark.parametrize("content", [b"id,note\n1,my notes\n", b"sqlite"])
def test_a_file_that_is_not_an_mlflow_store_gets_no_repair_advice(tmp_path: Path, content: bytes,
                                                                   reliability) -> None:
    """MLFLOW_TRACKING_URI=sqlite:////…/user_notes.csv was told to run `mlflow db upgrade` on the user's CSV, and the
    terminal said nothing until the side process ended; a SQLite file of the user's own (no MLflow tables) too."""
    from kuai.app.console import tracking_lines

    user_file = tmp_path / "user_notes.csv"
    if content == b"sqlite":
        with sqlite3.connect(user_file) as connection:
            connection.execute("CREATE TABLE notes (id INTEGER, note TEXT)")
    else:
        user_file.write_bytes(content)
    uri = f"sqlite:///{user_file}"
    spool = tmp_path / "mlflow_spool.json"
    broken = _wrapped(sqlite3.DatabaseError("file is not a database" if content != b"sqlite" else "no such table"))
    receipt = failed(broken, uri=uri, spool=spool, own_store=False, notes=[])
    assert receipt["cause"] == "not_a_store" and "db upgrade" not in receipt["action"]
    assert f"{user_file}, which is not an MLflow store" in receipt["reason"]
    spool.write_text(json.dumps({"tracking_uri": uri}))
    lines = tracking_lines(outcome(spool, running=True, pid=1), str(tmp_path))  # still logging: said now
    assert len(lines) == 1 and lines[0].startswith("kuai: warning [TRACKING_FAILED]") and "not an MLflow" in lines[0]
    reliability.bad_input("coded")
    mlflow_store = tmp_path / "mlflow.db"
    with sqlite3.connect(mlflow_store) as connection:
        connection.execute("CREATE TABLE experiments (id INTEGER)")
        connection.execute("CREATE TABLE runs (id INTEGER)")
    spool.write_text(json.dumps({"tracking_uri": f"sqlite:///{mlflow_store}"}))
    assert "not an MLflow" not in " ".join(tracking_lines(outcome(spool, running=True, pid=1), str(tmp_path)))
    assert "db upgrade" in failed(broken, uri=f"sqlite:///{mlflow_store}", spool=spool, own_store=False,
                                  notes=[])["action"]
    assert user_file.exists() and (content == b"sqlite" or user_file.read_bytes() == content)


def test_passwords_never_reach_a_message() -> None:
    assert redact("https://me:s3cret@mlflow.example:5000/path?token=abc&x=1") == \
        "https://***@mlflow.example:5000/path?token=***&x=1"
    _, reason = classify(ConnectionError("Connection refused"), "https://me:s3cret@host")
    assert "s3cret" not in reason and "***@host" in reason


def _dead_pid() -> int:
    ended = subprocess.Popen(["true"])
    ended.wait()
    return ended.pid


def test_the_run_record_follows_its_status_file(kuai_home: Path, tmp_path: Path) -> None:
    """Pending at the deadline, then failed (the receipt came), then logged (a replay): the record follows the one
    file that `kuai` reads too; a logging that ended without a word is a failure too, said so."""
    spool = tmp_path / "out" / "mlflow_spool.json"
    spool.parent.mkdir()
    spool.write_text("{}")
    run = create_run(RunConfig.from_dict({"dataset_name": "d.csv", "target": "y"}))
    update_run(run.run_id, status="finished", tracking=outcome(spool, running=True, pid=_dead_pid()))
    [record] = list_runs()
    assert record.tracking["state"] == "failed" and record.tracking["cause"] == "no_receipt"  # ended, no word
    assert "ended without writing" in record.tracking["reason"]

    write_receipt(spool, failed(ConnectionError("Connection refused"), uri=URI, spool=spool, own_store=False,
                                notes=[]))
    [record] = list_runs()
    assert record.tracking["state"] == "failed" and record.tracking["cause"] == "unreachable"
    assert record.tracking["status_file"] == str(spool.with_suffix(".done"))

    write_receipt(spool, {"ok": True, "state": "logged", "mlflow_run_id": "abc", "notes": []})
    [record] = list_runs()
    assert record.tracking["state"] == "logged" and record.tracking["mlflow_run_id"] == "abc"


def test_a_pending_logging_stays_pending_while_its_process_runs(tmp_path: Path) -> None:
    spool = tmp_path / "mlflow_spool.json"
    pending = outcome(spool, running=True, pid=4242)
    assert pending["state"] == "pending" and pending["status_file"].endswith("mlflow_spool.done")
    assert refreshed(pending, alive=lambda pid: True) == pending
    assert refreshed(pending, alive=lambda pid: False)["state"] == "failed"


def test_runs_waiting_for_a_store_are_remembered_until_logged(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first, second, gone = (tmp_path / name / "mlflow_spool.json" for name in ("a", "b", "c"))
    for spool in (first, second, gone):
        spool.parent.mkdir()
        spool.write_text("{}")
        remember_pending(home, spool, URI if spool != second else "sqlite:////elsewhere.db")
    gone.unlink()  # the user deleted that run's folder
    assert pending_spools(home, URI) == [first]
    assert set(pending_spools(home)) == {first, second}
    write_receipt(second, {"ok": True})  # logged by `kuai track` meanwhile
    assert pending_spools(home) == [first]
    forget_pending(home, first)
    assert pending_spools(home) == []


def _database(path: Path, statements: list[str]) -> Path:
    with sqlite3.connect(path) as connection:
        for statement in statements:
            connection.execute(statement)
    connection.close()
    return path


def test_a_store_is_judged_by_how_far_its_set_up_got(tmp_path: Path) -> None:
    runs = "CREATE TABLE runs (run_uuid TEXT)"
    assert store_state(tmp_path / "none.db", head_revision="b") is StoreState.MISSING
    (tmp_path / "empty.db").touch()
    assert store_state(tmp_path / "empty.db", head_revision="b") is StoreState.MISSING
    (tmp_path / "junk.db").write_bytes(b"not a database at all" * 100)
    assert store_state(tmp_path / "junk.db", head_revision="b") is StoreState.DAMAGED
    no_record = _database(tmp_path / "no_record.db", [runs])
    assert store_state(no_record, head_revision="b") is StoreState.INCOMPLETE
    behind = _database(tmp_path / "behind.db", [runs, "CREATE TABLE alembic_version (version_num TEXT)",
                                                "INSERT INTO alembic_version VALUES ('a')"])
    assert store_state(behind, head_revision="b") is StoreState.INCOMPLETE
    assert store_state(behind, head_revision="a") is StoreState.COMPLETE
    assert store_state(behind, head_revision=None) is StoreState.COMPLETE  # MLflow did not say: not judged


def test_a_broken_store_is_moved_aside_and_an_unfinished_one_removed_only_if_empty(tmp_path: Path) -> None:
    store = _database(tmp_path / "mlflow.db", ["CREATE TABLE runs (run_uuid TEXT)", "INSERT INTO runs VALUES ('r')"])
    content = store.read_bytes()
    (tmp_path / "mlflow.db-journal").write_bytes(b"journal")
    assert holds_runs(store) and not remove_unfinished(store) and store.read_bytes() == content  # it holds a run
    moved = move_aside(store)
    assert not store.exists() and moved.name.startswith("mlflow.db.broken-") and moved.read_bytes() == content
    assert moved.with_name(moved.name + "-journal").read_bytes() == b"journal"
    assert move_aside(_database(store, ["CREATE TABLE x (y)"])) != moved  # a second one the same second: no clash
    unfinished = _database(store, ["CREATE TABLE experiments (name TEXT)"])
    assert not holds_runs(unfinished) and remove_unfinished(unfinished) and not store.exists()


def test_a_receipt_is_written_whole(tmp_path: Path) -> None:
    spool = tmp_path / "mlflow_spool.json"
    write_receipt(spool, {"ok": True, "state": "logged"})
    assert json.loads(spool.with_suffix(".done").read_text())["state"] == "logged"
    assert [p.name for p in tmp_path.iterdir()] == ["mlflow_spool.done"]
