"""The rows a model learns from (``prepare``): those with a usable target, the holdout set apart, the folds, the
columns kept, the model frame and the encoded target, with what the user must be told about them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kuai.engine.data.column_selection import ColumnSelection, select_columns
from kuai.engine.data.groups import group_codes
from kuai.engine.data.holdout import split_holdout
from kuai.engine.data.labels import class_indexes, relabel
from kuai.engine.data.numbers import numeric_values
from kuai.engine.data.target_rows import target_rows
from kuai.engine.data.time_order import time_keys, time_note
from kuai.engine.errors import TargetError
from kuai.engine.models.preprocessing import build_input_schema, to_model_frame
from kuai.engine.read.unreadable import unreadable_values
from kuai.engine.results import Prepared
from kuai.engine.search.folds import fewer_folds_note, fit_folds_to_classes, fold_rows
from kuai.engine.types import ColumnType, InputColumn, TaskSpec

__all__ = ["encode_target", "prepare"]


def encode_target(values: pd.Series, spec: TaskSpec) -> np.ndarray:
    if not spec.task.is_classification:
        return numeric_values(values).to_numpy(dtype=float)
    y = class_indexes(values, spec.classes)
    if (y < 0).any():
        raise ValueError(f"'{spec.target}' holds a value missing or outside its classes")
    return y


def prepare(frame: pd.DataFrame, spec: TaskSpec, *, time_budget_s: float = float("inf")) -> Prepared:
    """Deterministic: the same frame, spec and budget give the same rows, schema and inputs (training and a later
    refit). On a table with far more columns than its rows or the budget can use, the search keeps the columns most
    related to the target (``kuai.engine.data.column_selection``)."""
    frame = relabel(frame.reset_index(drop=True), spec.target, spec.label_variants)  # 'Yes' and 'yes': one class
    kept = target_rows(frame[spec.target], spec.task)  # empty; for regression, not a finite float32 number
    rows = frame[kept.usable]
    notes = [kept.note(spec.target)] if kept.n_left_out else []
    holdout, holdout_how = (*split_holdout(rows, spec)[1:],) if spec.holdout else (None, "")
    if holdout is not None:  # never seen by the search, the ensemble or the refit
        rows = rows.drop(index=holdout.index)
    if spec.task.is_classification:
        asked = spec.n_folds
        spec = fit_folds_to_classes(rows[spec.target], spec)
        notes += [fewer_folds_note(rows[spec.target], spec, asked)] if spec.n_folds < asked else []
    if len(rows) < 2 * spec.n_folds:
        raise TargetError(f"Only {len(rows)} rows have a usable target; at least {2 * spec.n_folds} are needed.",
                          code="TOO_FEW_ROWS")
    y = encode_target(rows[spec.target], spec)
    groups = group_codes(rows[spec.group]) if spec.group else None
    times, untimed = time_keys(rows[spec.time], spec.date_formats.get(spec.time)) if spec.time else (None, 0)
    notes += [time_note(spec, untimed)] if untimed else []
    spec, folds, folds_notes = fold_rows(y, spec, groups=groups, times=times)
    notes += folds_notes
    selection = select_columns(rows, y, spec, folds, budget_s=time_budget_s)
    schema = build_input_schema(rows, spec, only=None if selection is None else selection.union)
    X = to_model_frame(rows, schema).reset_index(drop=True)
    notes += [found.text for found in unreadable_values(rows, schema, X)]  # inf, 1e308, text in numbers, dates
    notes += _texts_left_out(spec, schema, selection)
    return Prepared(spec=spec, index=rows.index, y=y, schema=schema, X=X, selection=selection, notes=tuple(notes),
                    folds=folds, holdout=holdout, holdout_how=holdout_how)


def _texts_left_out(spec: TaskSpec, schema: tuple[InputColumn, ...], selection: ColumnSelection | None) -> list[str]:
    """A note for each text column whose words repeat too little to learn from (``build_input_schema`` leaves it
    out)."""
    kept = {column.name for column in schema}
    offered = spec.features if selection is None else selection.union
    return [f"'{name}': free text whose words hardly repeat from row to row: not used as a feature"
            for name in spec.features
            if spec.feature_types[name] is ColumnType.TEXT and name in offered and name not in kept]
