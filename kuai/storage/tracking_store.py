"""The health of an MLflow SQLite store, read with ``sqlite3`` alone: whether MLflow's set-up of it finished.

MLflow creates its tables and then runs its schema migrations one by one; on SQLite each step is committed as it
goes. Cut short (a full disk, a kill), the file keeps the tables of the steps that ran but not the record of the
last one, and every later open re-runs that step and fails (``table … already exists``). Such a store is
*incomplete*: its migration record (``alembic_version``) is not MLflow's newest. Kuai moves its own home store
aside when it finds it so (``move_aside``: renamed, never deleted) and lets MLflow make a new one; a store the
user chose (``MLFLOW_TRACKING_URI``) is never touched.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from enum import StrEnum
from pathlib import Path

SIDE_FILES = ("-journal", "-wal", "-shm")  # SQLite's companions of a database file


class StoreState(StrEnum):
    MISSING = "missing"  # no file, or an empty one: MLflow makes it
    COMPLETE = "complete"  # MLflow's newest schema
    INCOMPLETE = "incomplete"  # tables without the record of the last migration, or an older one
    DAMAGED = "damaged"  # not an SQLite database, or one that fails its check


def store_state(path: Path, *, head_revision: str | None) -> StoreState:
    """How far MLflow's set-up of the store at ``path`` got (``head_revision``: MLflow's newest migration;
    None when unknown, then only a missing migration record counts as incomplete)."""
    if not path.exists() or path.stat().st_size == 0:
        return StoreState.MISSING
    try:
        with _read_only(path) as connection:
            if connection.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                return StoreState.DAMAGED
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if not tables:
                return StoreState.MISSING
            if "alembic_version" not in tables:
                return StoreState.INCOMPLETE
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:  # "file is not a database", "malformed"
        return StoreState.DAMAGED
    if row is None or (head_revision is not None and row[0] != head_revision):
        return StoreState.INCOMPLETE
    return StoreState.COMPLETE


def holds_runs(path: Path) -> bool:
    """Whether the store has any run (or cannot be read: then it may)."""
    try:
        with _read_only(path) as connection:
            return connection.execute("SELECT count(*) FROM runs").fetchone()[0] > 0
    except sqlite3.OperationalError as exc:  # no such table: MLflow's set-up stopped before it
        return "no such table" not in str(exc)
    except sqlite3.DatabaseError:
        return True


def move_aside(path: Path) -> Path:
    """Rename the store (and its SQLite companions) to ``NAME.broken-YYYYmmdd-HHMMSS``; the new name."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.broken-{stamp}")
    number = 1
    while target.exists():
        number += 1
        target = path.with_name(f"{path.name}.broken-{stamp}-{number}")
    path.rename(target)
    for suffix in SIDE_FILES:
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.rename(target.with_name(target.name + suffix))
    return target


def remove_unfinished(path: Path) -> bool:
    """Remove a store that this process began and could not finish (a full disk): it holds no run. False (and
    nothing removed) if it does hold one."""
    if holds_runs(path):
        return False
    for name in (path.name, *(path.name + suffix for suffix in SIDE_FILES)):
        path.with_name(name).unlink(missing_ok=True)
    return True


@contextmanager
def _read_only(path: Path) -> Iterator[sqlite3.Connection]:
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0)) as connection:
        yield connection
