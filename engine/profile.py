"""The dataset profile: column types, suggested target, task, metric and checks."""

from __future__ import annotations

import pandas as pd

from engine.checks import run_checks
from engine.column_types import profile_column
from engine.errors import TargetError
from engine.task import choose_metric, detect_task, suggest_target
from engine.types import ColumnType, DatasetProfile, TaskType


def profile_dataset(
    frame: pd.DataFrame, *, target: str | None = None, type_overrides: dict[str, ColumnType] | None = None,
    with_checks: bool = True,
) -> DatasetProfile:
    """Profile every column, then suggest (or take) the target and infer the task.

    ``with_checks=False`` skips the pre-flight checks (training has no use for them).
    """
    columns = []
    for name in frame.columns:
        column = profile_column(frame[name])
        if type_overrides and name in type_overrides:
            column = _override(column, type_overrides[name])
        columns.append(column)
    profiled = tuple(columns)
    suggestion = suggest_target(profiled, len(frame))
    chosen = target or suggestion.suggested
    task: TaskType | None = None
    task_reason = metric_reason = ""
    metric: str | None = None
    if chosen is not None and chosen in frame.columns:
        try:
            task, task_reason = detect_task(frame[chosen], next(c.type for c in profiled if c.name == chosen))
            metric, metric_reason = choose_metric(frame[chosen], task)
        except TargetError as exc:
            task_reason = str(exc)
    checks = run_checks(frame, profiled, target=chosen) if with_checks else ()
    return DatasetProfile(
        n_rows=len(frame), n_columns=len(frame.columns), columns=profiled, target=suggestion,
        task=task, task_reason=task_reason, metric=metric, metric_reason=metric_reason, warnings=checks,
    )


def _override(column, new_type: ColumnType):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    return replace(column, type=new_type, reason=f"set by you (detected: {column.type}, {column.reason})")
