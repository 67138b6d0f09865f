"""The dataset profile: column types, suggested target, task, metric, validation, resources and checks."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from engine.checks import run_checks
from engine.column_types import profile_table
from engine.errors import TargetError
from engine.resources import estimate_resources
from engine.task import choose_metric, choose_validation, detect_task, suggest_target
from engine.types import CheckResult, ColumnProfile, ColumnType, DatasetProfile, TaskType

__all__ = ["profile_dataset"]


def profile_dataset(
    frame: pd.DataFrame, *, target: str | None = None, type_overrides: dict[str, ColumnType] | None = None,
    with_checks: bool = True, time_budget_s: float | None = None,
) -> DatasetProfile:
    """Profile every column, then suggest (or take) the target and infer the task, metric and folds.

    ``with_checks=False`` skips the pre-flight checks and the resource estimate (training has no
    use for them). ``time_budget_s`` is the budget the time estimate is checked against
    (default: 60 s, the CLI's and app's default).
    """
    columns, typing_note = profile_table(frame, read_first=[target] if target else [])
    overrides = type_overrides or {}
    profiled = tuple(_override(c, overrides[c.name]) if c.name in overrides else c for c in columns)
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
    n_folds, validation_reason = choose_validation(len(frame), task=task)
    resources = None
    checks: tuple[CheckResult, ...] = ()
    if with_checks:
        n_classes = int(frame[chosen].nunique()) if task is not None and task.is_classification and chosen else 1
        resources = estimate_resources(frame, profiled, target=chosen, n_folds=n_folds, n_classes=n_classes,
                                       time_budget_s=time_budget_s)
        checks = run_checks(frame, profiled, target=chosen, n_folds=n_folds, task=task,
                            alternatives=suggestion.candidates, resources=resources)
    return DatasetProfile(
        n_rows=len(frame), n_columns=len(frame.columns), columns=profiled, target=suggestion,
        task=task, task_reason=task_reason, metric=metric, metric_reason=metric_reason, warnings=checks,
        n_folds=n_folds, validation_reason=validation_reason, resources=resources,
        notes=(typing_note,) if typing_note else (),
    )


def _override(column: ColumnProfile, new_type: ColumnType) -> ColumnProfile:
    return replace(column, type=new_type, reason=f"set by you (detected: {column.type}, {column.reason})")
