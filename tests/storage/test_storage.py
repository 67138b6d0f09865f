"""Home folder, datasets under server-chosen names, runs and their status machine."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from kuai import storage
from kuai.storage.datasets import _safe_display


@pytest.mark.parametrize("name", ["../x.csv", "..\\x.csv", "%2e%2e%2fx.csv", "/etc/passwd", "a\x00b.csv",
                                  "....//....//x.csv", "C:\\Windows\\x.csv"])
def test_uploads_never_use_the_user_name_as_a_path(kuai_home: Path, name: str, reliability: Any) -> None:
    outside_before = _files_near(kuai_home)
    record = storage.store_dataset(b"a,b\n1,2\n", name)
    reliability.home_checked(len(_files_near(kuai_home) - outside_before))
    path = Path(record.path).resolve()
    assert path.is_relative_to(kuai_home.resolve() / "datasets")
    assert path.name == f"{record.dataset_id}.csv"
    assert "/" not in record.display_name and "\\" not in record.display_name and "\x00" not in record.display_name
    assert all(p.resolve().is_relative_to(kuai_home.resolve()) for p in kuai_home.rglob("*"))


def _files_near(home: Path) -> set[Path]:
    """Files beside and above the home folder (where a traversal name would land), home itself excluded."""
    found = set()
    for folder in (home.parent, home.parent.parent):
        found |= {p for p in folder.iterdir() if p.is_file()} if folder.is_dir() else set()
    return found


def test_same_content_is_stored_once(kuai_home: Path) -> None:
    first = storage.store_dataset(b"a,b\n1,2\n", "one.csv")
    second = storage.store_dataset(b"a,b\n1,2\n", "two.csv")
    assert first.dataset_id == second.dataset_id
    assert len(list((kuai_home / "datasets").glob("*.csv"))) == 1
    assert storage.get_dataset(first.dataset_id).path == first.path
    with pytest.raises(KeyError):
        storage.get_dataset("../../etc/passwd")


def test_display_names_are_cleaned() -> None:
    assert _safe_display("../../evil<script>.csv") == "evil_script_.csv"
    assert _safe_display("") == "dataset"


def test_run_status_and_events(kuai_home: Path) -> None:
    record = storage.create_run(storage.RunConfig.from_dict({"target": "y"}))
    assert record.status == "queued"
    storage.update_run(record.run_id, status="running", pid=os.getpid(), heartbeat_at=time.time())
    storage.append_event(record.run_id, {"stage": "trial", "message": "one"})
    with (storage.run_dir(record.run_id) / "events.jsonl").open("a") as handle:
        handle.write('{"stage": "cut by a cra')  # a torn last line must not break reading
    assert [e["message"] for e in storage.read_events(record.run_id)] == ["one"]
    assert storage.list_runs()[0].status == "running"
    with pytest.raises(KeyError):
        storage.run_dir("../../x")


def test_a_run_whose_worker_died_is_marked_failed(kuai_home: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    record = storage.create_run(storage.RunConfig.from_dict({}))
    storage.update_run(record.run_id, status="running", pid=dead.pid, heartbeat_at=time.time())
    refreshed = storage.list_runs()[0]
    assert refreshed.status == "failed" and "stopped without finishing" in refreshed.error


def test_mlflow_keys_are_made_safe() -> None:
    assert storage.safe_key("leaderboard.lightgbm_0") == "leaderboard.lightgbm_0"
    assert storage.safe_key('a,b{c}[d]"e') == "a_b_c__d__e"
    assert len(storage.safe_key("x" * 400)) == 250


def test_a_table_stored_by_two_users_at_once_is_stored_once_and_whole(kuai_home: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Each writer has a file of its own until the table is named: one shared temporary name let the second
    writer's rename fail once the first had moved it. Every writer gets back the same record."""
    import io
    from concurrent.futures import ThreadPoolExecutor

    from kuai.storage import datasets

    monkeypatch.setattr(datasets, "BLOCK", 4096)  # many blocks
    content = b"a,b\n" + b"".join(b"%d,%d\n" % (i, i * 7) for i in range(40_000))
    with ThreadPoolExecutor(max_workers=4) as pool:
        records = list(pool.map(lambda i: storage.store_dataset(io.BytesIO(content), f"user{i}.csv"), range(4)))
    assert all(r == records[0] for r in records) and storage.get_dataset(records[0].dataset_id) == records[0]
    assert Path(records[0].path).read_bytes() == content and records[0].n_bytes == len(content) > 40 * 4096
    assert sorted(p.name for p in (kuai_home / "datasets").iterdir()) == [f"{records[0].dataset_id}.csv",
                                                                          f"{records[0].dataset_id}.json"]
    assert storage.store_dataset(content, "again.csv") == records[0]  # bytes or a stream: the same table


def test_a_store_killed_midway_leaves_a_file_the_next_store_removes_a_day_later(kuai_home: Path) -> None:
    folder = kuai_home / "datasets"
    folder.mkdir(parents=True, exist_ok=True)
    old, recent = folder / "upload-old.part", folder / "upload-recent.part"
    old.write_bytes(b"half a table")
    recent.write_bytes(b"a table being stored")  # another store in progress
    os.utime(old, (time.time() - 2 * 86_400, time.time() - 2 * 86_400))
    storage.store_dataset(b"a,b\n1,2\n", "t.csv")
    assert not old.exists() and recent.exists()


def test_a_new_study_database_gets_its_tables_ahead_and_anything_else_is_left_alone(tmp_path: Path) -> None:
    import sqlite3

    import optuna

    url = f"sqlite:///{tmp_path / 'optuna.db'}"
    storage.schema_in_background(url).wait()
    with sqlite3.connect(tmp_path / "optuna.db") as db:
        tables = {name for (name,) in db.execute("select name from sqlite_master where type = 'table'")}
    assert {"studies", "trials", "alembic_version"} <= tables
    optuna.create_study(study_name="s", storage=url)  # Optuna opens it as its own
    (tmp_path / "user.db").write_bytes(b"not a database")  # a file there: not touched
    storage.schema_in_background(f"sqlite:///{tmp_path / 'user.db'}").discard()  # not made here: not removed
    assert (tmp_path / "user.db").read_bytes() == b"not a database"
    storage.schema_in_background("postgresql://nobody@127.0.0.1:1/none").wait()  # a server's: left to the study
    storage.schema_in_background(f"sqlite:///{tmp_path / 'no-folder' / 'optuna.db'}").wait()  # an error: not here
    assert not (tmp_path / "no-folder").exists()
    made = storage.schema_in_background(f"sqlite:///{tmp_path / 'refused.db'}")
    made.discard()  # a training refused for its input: the database it made goes
    assert not (tmp_path / "refused.db").exists() and (tmp_path / "optuna.db").exists()
