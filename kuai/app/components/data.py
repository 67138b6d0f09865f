"""Cached reading and profiling of stored datasets (one read per dataset per server)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pandas as pd
import streamlit as st

from kuai import engine
from kuai.app.components.state import choices
from kuai.app.services.isolated import read_untrusted
from kuai.engine import CheckFix, ColumnType, DatasetProfile, Dialect, TaskSpec, TaskType
from kuai.storage import DatasetRecord, get_dataset

Fixes = Sequence[dict[str, Any]]  # CheckFix as JSON, as the stored choices and the job config hold them


@st.cache_resource(max_entries=4, show_spinner="Reading the data…")
def _read(path: str, dataset_id: str, reading_json: str = "{}") -> tuple[pd.DataFrame, Dialect | None]:
    options = engine.ReadingOptions.from_dict(json.loads(reading_json))
    if options.is_default():
        return read_untrusted(path)  # parsed in a child process: a hostile file cannot take the server down
    return read_untrusted(path, options=options)


def reading_choice(dataset_id: str) -> dict[str, Any]:
    """How the user set this dataset to be read (header rows, skip rows, delimiter, encoding; {}: Kuai's guesses)."""
    return dict(choices(dataset_id).reading)  # a damaged choices file is told once (``state.choices``)


def _read_dataset(dataset_id: str) -> tuple[DatasetRecord, tuple[pd.DataFrame, Dialect | None]]:
    record = get_dataset(dataset_id)
    return record, _read(record.path, dataset_id, json.dumps(reading_choice(dataset_id), sort_keys=True))


@st.cache_data(max_entries=32, show_spinner="Looking at each column…")
def _profile(path: str, dataset_id: str, target: str | None, overrides: tuple[tuple[str, str], ...],
             fixes_json: str, reading_json: str = "{}") -> DatasetProfile:
    frame, _ = _read(path, dataset_id, reading_json)
    fixes = [CheckFix.from_dict(fix) for fix in json.loads(fixes_json)]
    plan = engine.fix_plan(fixes)
    if plan.row_fixes:
        frame, _ = engine.apply_row_fixes(frame, plan.row_fixes, target=target)
    profile = engine.profile_dataset(frame, target=target,
                                     type_overrides={name: ColumnType(kind) for name, kind in overrides})
    applied = {_fix_key(engine.to_jsonable(fix)) for fix in fixes}
    open_checks = tuple(w for w in profile.warnings
                        if w.fix is None or _fix_key(engine.to_jsonable(w.fix)) not in applied)
    open_checks = tuple(w for w in open_checks if not (set(w.columns or (w.column,)) & set(plan.excluded)
                                                         and w.column != target))
    return replace(profile, warnings=open_checks)


def _fix_key(fix: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in fix.items() if k not in ("label", "for_target")}, sort_keys=True,
                      default=str)


def fixes_for(fixes: Fixes, target: str | None) -> list[dict[str, Any]]:
    """The fixes that apply with this target: a fix made for another target's rows is set aside."""
    return [fix for fix in fixes if fix.get("for_target") in (None, target)]


def load_frame(dataset_id: str) -> tuple[DatasetRecord, pd.DataFrame]:
    """The stored dataset and its table; raises ``engine.EngineError`` when it cannot be read.

    The table is shared between sessions: never modify it in place.
    """
    record, (frame, _) = _read_dataset(dataset_id)
    return record, frame


def reading_notes(dataset_id: str) -> tuple[str, ...]:
    """What the reader found and did (delimiter and encoding, the sheet read, title lines skipped, ...)."""
    return engine.describe_reading(_read_dataset(dataset_id)[1][1])


def reading_found(dataset_id: str) -> Dialect | None:
    """What the reader found (the delimiter, the encoding, the header rows and the lines above them)."""
    return _read_dataset(dataset_id)[1][1]


def load_profile(dataset_id: str, *, target: str | None = None, overrides: dict[str, str] | None = None,
                 fixes: Fixes = ()) -> DatasetProfile:
    """The profile of the dataset after the chosen fixes; checks already fixed are left out."""
    record = get_dataset(dataset_id)
    return _profile(record.path, dataset_id, target, tuple(sorted((overrides or {}).items())),
                    json.dumps(fixes_for(fixes, target), sort_keys=True, default=str),
                    json.dumps(reading_choice(dataset_id), sort_keys=True))


def task_spec(dataset_id: str, *, target: str, task: str | None, metric: str | None,
              overrides: dict[str, str], fixes: Fixes = (), group: str | None = None,
              time: str | None = None) -> TaskSpec:
    """What training would learn; raises ``engine.EngineError`` when the choice cannot work. ``group``: as
    ``engine.build_task_spec`` takes it (None: Kuai's choice)."""
    record, frame = load_frame(dataset_id)
    fixes = fixes_for(fixes, target)
    plan = engine.fix_plan(CheckFix.from_dict(fix) for fix in fixes)
    if plan.row_fixes:
        frame, _ = engine.apply_row_fixes(frame, plan.row_fixes, target=target)
    profile = load_profile(dataset_id, target=target, overrides=overrides, fixes=fixes)
    return engine.build_task_spec(frame, profile.columns, target=target,
                                  task=TaskType(task) if task else None, metric=metric,
                                  type_overrides={name: ColumnType(kind) for name, kind in overrides.items()},
                                  excluded=plan.excluded, n_folds=plan.n_folds, group=group,
                                  time=time)


def dataset_label(record: DatasetRecord) -> str:
    size = record.n_bytes / 1024
    shown = f"{size:,.0f} KB" if size < 1024 else f"{size / 1024:,.1f} MB"
    return f"{record.display_name} ({shown})"
