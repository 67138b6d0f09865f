"""Faults of an MLflow SQLite store, for the tests: a full disk while MLflow sets the store up.

The full disk is SQLite's own: ``PRAGMA max_page_count`` on every connection to one file, so MLflow's set-up of the
store stops halfway with "database or disk is full", as on a full disk, and leaves the same half-made file (its
tables made, its migration record behind: every later open fails with 'table … already exists')."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def full_disk(store: Path, *, pages: int = 40) -> Iterator[None]:
    """Every new SQLAlchemy connection to ``store`` may grow it to ``pages`` pages, then fails as on a full disk."""
    import sqlalchemy
    from sqlalchemy import event

    def limit(connection: Any, _record: Any) -> None:
        if Path(connection.execute("PRAGMA database_list").fetchone()[2]) == store:
            connection.execute(f"PRAGMA max_page_count = {pages}")

    event.listen(sqlalchemy.engine.Engine, "connect", limit)
    try:
        yield
    finally:
        event.remove(sqlalchemy.engine.Engine, "connect", limit)


def make_store(store: Path, *, disk_full: bool) -> None:
    """An MLflow store at ``store``: complete, or left half-made by a full disk."""
    import pytest
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    artifacts = str(store.parent / "artifacts")
    if disk_full:
        with full_disk(store), pytest.raises(Exception, match="database or disk is full"):
            SqlAlchemyStore(f"sqlite:///{store}", artifacts)
    else:
        SqlAlchemyStore(f"sqlite:///{store}", artifacts)
    for uri in [uri for uri in SqlAlchemyStore._engine_map if uri.endswith(str(store))]:
        SqlAlchemyStore._engine_map.pop(uri).dispose()  # no connection left open on the file the tests copy


def head_revision() -> str:
    from mlflow.store.db.utils import _get_latest_schema_revision

    return str(_get_latest_schema_revision())
