"""The dataset profile: column types, suggested target, task, metric, validation, resources and checks."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from kuai.engine.data.checks import run_checks
from kuai.engine.data.column_types import profile_table
from kuai.engine.data.groups import find_group, grouped_validation_reason
from kuai.engine.data.labels import LabelVariants, merge_label_variants
from kuai.engine.data.option_checks import check_date_formats, check_named_columns
from kuai.engine.data.resources import estimate_resources
from kuai.engine.data.target import resolve_target
from kuai.engine.data.target_fit import suggest_target_in
from kuai.engine.data.task import budget_folds, choose_metric, choose_validation, detect_task, suggest_target
from kuai.engine.data.time_order import time_candidate
from kuai.engine.errors import TargetError
from kuai.engine.read.dates import detect_date_format, format_in_words
from kuai.engine.types import CheckResult, ColumnProfile, ColumnType, DatasetProfile, Severity, TaskType

__all__ = ["profile_dataset"]


def profile_dataset(
    frame: pd.DataFrame, *, target: str | None = None, type_overrides: dict[str, ColumnType] | None = None,
    with_checks: bool = True, time_budget_s: float | None = None, date_formats: dict[str, str] | None = None,
    keep_label_variants: bool = False,
) -> DatasetProfile:
    """Profile every column, then suggest (or take) the target and infer the task, metric and folds.

    ``target``: an unknown or ambiguous name is a ``TargetError`` (``kuai.engine.data.target.resolve_target``).
    ``with_checks=False`` skips the pre-flight checks and the resource estimate (training has no
    use for them). ``time_budget_s`` is the budget the time estimate is checked against
    (default: 60 s, the CLI's and app's default). ``date_formats``: the user's format for date columns; a column
    it names is read as dates with it. A type or a format set for a column that is not in the data, a format that
    reads none of its column's values, is refused (``kuai.engine.data.option_checks``).
    ``keep_label_variants``: target labels that differ only by case, spaces or width stay apart
    (``kuai.engine.data.labels``).
    """
    if target is not None:
        target = resolve_target(frame, target)
    check_named_columns(frame, type_overrides=type_overrides, date_formats=date_formats)  # before any work
    check_date_formats(frame, date_formats, type_overrides)
    columns, typing_note = profile_table(frame, read_first=[target] if target else [])
    profiled = tuple(_chosen(column, frame[column.name], type_overrides or {}, date_formats or {})
                     for column in columns)
    # the data-driven check of the first candidates only when Kuai is to choose: a named target needs no suggestion
    suggestion = suggest_target(profiled, len(frame)) if target else suggest_target_in(frame, profiled)
    chosen = target or suggestion.suggested
    variants = LabelVariants()
    if chosen is not None and chosen in frame.columns and not keep_label_variants:
        frame, variants = merge_label_variants(frame, chosen)
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
    group = find_group(frame, profiled, target=chosen, n_folds=n_folds)
    if group is not None:
        classification = task is not None and task.is_classification
        validation_reason = grouped_validation_reason(n_folds, group, classification=classification)
    resources = None
    checks: tuple[CheckResult, ...] = ()
    if with_checks:
        n_classes = int(frame[chosen].nunique()) if task is not None and task.is_classification and chosen else 1
        trained_folds = n_folds if group is not None or task is None or chosen is None else \
            budget_folds(frame[chosen], task, n_folds, time_budget_s)[0]  # as the training will fold the rows
        resources = estimate_resources(frame, profiled, target=chosen, n_folds=trained_folds, n_classes=n_classes,
                                       time_budget_s=time_budget_s)
        checks = run_checks(frame, profiled, target=chosen, n_folds=n_folds, task=task,
                            alternatives=suggestion.candidates, resources=resources,
                            group=group.column if group is not None else "")
        if variants and chosen is not None:
            checks = (_merged_labels(chosen, variants), *checks)
    return DatasetProfile(
        n_rows=len(frame), n_columns=len(frame.columns), columns=profiled, target=suggestion,
        task=task, task_reason=task_reason, metric=metric, metric_reason=metric_reason, warnings=checks,
        n_folds=n_folds, validation_reason=validation_reason, resources=resources, group=group,
        time_candidate=time_candidate(frame, profiled, target=chosen),
        notes=(typing_note,) if typing_note else (),
    )


def _chosen(column: ColumnProfile, values: pd.Series, type_overrides: dict[str, ColumnType],
            date_formats: dict[str, str]) -> ColumnProfile:
    """The column as the user set it: its type, and its date format."""
    if column.name in type_overrides:
        column = _override(column, type_overrides[column.name], values)
    if column.name in date_formats:  # a format that reads the values (checked) makes a date column
        column = _set_date_format(column, date_formats[column.name])
    return column


def _override(column: ColumnProfile, new_type: ColumnType, values: pd.Series) -> ColumnProfile:
    changed = replace(column, type=new_type, reason=f"set by you (detected: {column.type}, {column.reason})")
    if new_type is ColumnType.DATETIME and column.type is not ColumnType.DATETIME:
        found = detect_date_format(values.dropna())
        if found is not None:
            changed = replace(changed, reason=f"set by you: {found.reason} (detected: {column.type})",
                              date_format=found.format, date_order_guessed=found.is_guess)
    return changed


def _set_date_format(column: ColumnProfile, date_format: str) -> ColumnProfile:
    reason = f"dates read with the format you set ({format_in_words(date_format)})"
    if column.type is not ColumnType.DATETIME:
        reason = f"set by you: {reason} (detected: {column.type}, {column.reason})"
    return replace(column, type=ColumnType.DATETIME, date_format=date_format, date_order_guessed=False, reason=reason)


def _merged_labels(target: str, variants: LabelVariants) -> CheckResult:
    return CheckResult("LABEL_VARIANTS", target, variants.note(target) + ".",
                       "Check that each group is one answer; the task, the checks and training count them as one.",
                       Severity.INFO, columns=(target,))
