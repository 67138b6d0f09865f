"""Cached reading and profiling of stored datasets (one read per dataset per server)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import engine
from engine import ColumnType, DatasetProfile, TaskSpec, TaskType
from storage import DatasetRecord, get_dataset


@st.cache_resource(max_entries=4, show_spinner="Reading the data…")
def _read(path: str, dataset_id: str) -> pd.DataFrame:
    return engine.read_table(path)


@st.cache_data(max_entries=32, show_spinner="Looking at each column…")
def _profile(path: str, dataset_id: str, target: str | None,
             overrides: tuple[tuple[str, str], ...]) -> DatasetProfile:
    frame = _read(path, dataset_id)
    return engine.profile_dataset(frame, target=target,
                                  type_overrides={name: ColumnType(kind) for name, kind in overrides})


def load_frame(dataset_id: str) -> tuple[DatasetRecord, pd.DataFrame]:
    """The stored dataset and its table; raises ``engine.EngineError`` when it cannot be read.

    The table is shared between sessions: never modify it in place.
    """
    record = get_dataset(dataset_id)
    return record, _read(record.path, dataset_id)


def load_profile(dataset_id: str, *, target: str | None = None,
                 overrides: dict[str, str] | None = None) -> DatasetProfile:
    record = get_dataset(dataset_id)
    return _profile(record.path, dataset_id, target, tuple(sorted((overrides or {}).items())))


def task_spec(dataset_id: str, *, target: str, task: str | None, metric: str | None,
              overrides: dict[str, str]) -> TaskSpec:
    """What training would learn; raises ``engine.EngineError`` when the choice cannot work."""
    record, frame = load_frame(dataset_id)
    profile = load_profile(dataset_id, target=target, overrides=overrides)
    return engine.build_task_spec(frame, profile.columns, target=target,
                                  task=TaskType(task) if task else None, metric=metric,
                                  type_overrides={name: ColumnType(kind) for name, kind in overrides.items()})


def dataset_label(record: DatasetRecord) -> str:
    size = record.n_bytes / 1024
    shown = f"{size:,.0f} KB" if size < 1024 else f"{size / 1024:,.1f} MB"
    return f"{record.display_name} ({shown})"
