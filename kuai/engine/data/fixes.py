"""Apply the fixes the pre-flight checks propose (``CheckResult.fix``).

Row-level fixes change the rows (``apply_row_fixes``); the others change what is learned
(``fix_plan`` → ``build_task_spec(excluded=..., n_folds=...)`` and the target). Both are pure:
the input frame is never modified.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kuai.engine.data.numbers import numeric_values
from kuai.engine.data.target_rows import target_rows
from kuai.engine.data.task import class_label
from kuai.engine.errors import TargetError
from kuai.engine.types import CheckFix, FixAction, TaskType

__all__ = ["OTHER_CLASS", "FixPlan", "apply_row_fixes", "fix_plan"]

OTHER_CLASS = "other"
_ROW_ORDER = (FixAction.DROP_MISSING_TARGET_ROWS, FixAction.DROP_DUPLICATE_ROWS, FixAction.MERGE_RARE_CLASSES,
              FixAction.DROP_RARE_CLASS_ROWS, FixAction.SAMPLE_ROWS)


@dataclass(frozen=True)
class FixPlan:
    """What the chosen fixes change: build_task_spec's options, the target, and the row fixes."""

    excluded: tuple[str, ...] = ()
    n_folds: int | None = None
    target: str | None = None
    row_fixes: tuple[CheckFix, ...] = ()


def fix_plan(fixes: Iterable[CheckFix]) -> FixPlan:
    """Sort fixes by what they act on: excluded columns, folds, target, rows."""
    excluded: list[str] = []
    n_folds: int | None = None
    target: str | None = None
    rows: list[CheckFix] = []
    for fix in fixes:
        if fix.action is FixAction.EXCLUDE_COLUMN:
            excluded.extend(c for c in fix.columns if c not in excluded)
        elif fix.action is FixAction.SET_FOLDS and fix.amount is not None:
            n_folds = fix.amount if n_folds is None else min(n_folds, fix.amount)
        elif fix.action is FixAction.CHANGE_TARGET and fix.columns:
            target = fix.columns[0]
        elif fix.action.is_row_fix:
            rows.append(fix)
    return FixPlan(tuple(excluded), n_folds, target, tuple(rows))


def apply_row_fixes(frame: pd.DataFrame, fixes: Iterable[CheckFix], *, target: str | None,
                    seed: int = 0) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """A new frame with the row-level fixes applied, and one plain note per fix ("Removed 12 repeated rows.").

    Order: rows without a target, repeated rows, rare classes (merged, then dropped), sampling.
    Fixes that act on columns, folds or the target are ignored here (see ``fix_plan``).
    """
    by_action = {fix.action: fix for fix in fixes if fix.action.is_row_fix}
    needs_target = set(by_action) - {FixAction.DROP_DUPLICATE_ROWS, FixAction.SAMPLE_ROWS}
    if needs_target and (target is None or target not in frame.columns):
        raise TargetError(f"These fixes need the target column, and '{target}' is not in the data.",
                          code="UNKNOWN_TARGET")
    notes: list[str] = []
    for action in _ROW_ORDER:
        if action in by_action:
            frame, note = _apply(frame, by_action[action], target=target, seed=seed)
            notes.append(note)
    return frame, tuple(notes)


def _apply(frame: pd.DataFrame, fix: CheckFix, *, target: str | None, seed: int) -> tuple[pd.DataFrame, str]:
    before = len(frame)
    if fix.action is FixAction.DROP_MISSING_TARGET_ROWS:  # values: the task, whose unusable targets go too
        task = TaskType(fix.values[0]) if fix.values and fix.values[0] in {str(t) for t in TaskType} else None
        frame = frame[target_rows(frame[target], task).usable]
        usable = "a usable value" if task is TaskType.REGRESSION else "a value"
        return frame, f"Removed {before - len(frame):,} rows without {usable} in '{target}'."
    if fix.action is FixAction.DROP_DUPLICATE_ROWS:
        frame = frame[~frame.duplicated()]
        return frame, f"Removed {before - len(frame):,} repeated rows."
    if fix.action is FixAction.DROP_RARE_CLASS_ROWS:
        frame = frame[~frame[target].map(_label).isin(set(fix.values))]
        return frame, f"Removed {before - len(frame):,} rows of the rare classes {_quoted(fix.values)}."
    if fix.action is FixAction.MERGE_RARE_CLASSES:
        return _merge(frame, str(target), fix.values)
    keep = min(int(fix.amount or before), before)
    frame = frame.sample(keep, random_state=seed).sort_index() if keep < before else frame
    return frame, f"Kept a random sample of {len(frame):,} of {before:,} rows."


def _merge(frame: pd.DataFrame, target: str, rare: tuple[str, ...]) -> tuple[pd.DataFrame, str]:
    """Numbers join the nearest frequent class (3 → 4); labels join 'other'."""
    values = frame[target]
    labels = values.map(_label)
    frequent = [c for c in labels.dropna().unique() if c not in rare]
    numbers = numeric_values(pd.Series(frequent, dtype=object))
    is_numeric = pd.api.types.is_numeric_dtype(values) and len(frequent) > 0 and bool(numbers.notna().all())
    mapping: dict[str, object] = {}
    for label in rare:
        if is_numeric and np.isfinite(pd.to_numeric(label, errors="coerce")):
            nearest = int(np.argmin(np.abs(numbers.to_numpy() - float(label))))
            mapping[label] = values[labels == frequent[nearest]].iloc[0]
        else:
            mapping[label] = OTHER_CLASS
    merged = values.where(~labels.isin(set(mapping)), labels.map(mapping))
    merged = pd.to_numeric(merged) if is_numeric else merged.where(merged.isna(), merged.map(_label))
    shown = ", ".join(f"'{label}' → '{_label(into)}'" for label, into in mapping.items())
    return frame.assign(**{target: merged}), f"Merged rare classes of '{target}': {shown}."


def _label(value: object) -> object:
    return value if pd.isna(value) else class_label(value)  # type: ignore[call-overload]


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)
