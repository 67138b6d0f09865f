"""Values present in data to score that the model's input frame could not read, counted per column.

``to_model_frame`` turns what it cannot read as a column's type into a missing value: text in a numeric column
(``abc``), ``inf``, a date it cannot parse. The model then scores those rows as it scores missing values — a guess
the user must be told about. This compares the raw column with what the model frame made of it, whatever the
parsing rules are: a value present in the input (not empty, not a missing-value marker of the reader) whose model
input is missing was not read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from engine.io import NA_VALUES
from engine.types import InputColumn

MAX_EXAMPLES = 3


@dataclass(frozen=True)
class UnreadableValues:
    column: str
    type: str  # the column's type: numeric, datetime
    n_rows: int
    examples: tuple[str, ...]  # up to MAX_EXAMPLES distinct values, as given


def unreadable_values(frame: pd.DataFrame, schema: tuple[InputColumn, ...],
                      model_frame: pd.DataFrame) -> tuple[UnreadableValues, ...]:
    """Per numeric or date column of ``schema``, the values of ``frame`` that ``model_frame`` (from
    ``to_model_frame(frame, schema)``) holds as missing; columns with none are left out."""
    found = []
    for column in schema:
        if column.is_string or column.name not in frame.columns or column.model_inputs[0] not in model_frame:
            continue
        read = pd.to_numeric(model_frame[column.model_inputs[0]], errors="coerce").to_numpy(dtype=float)
        candidates = frame[column.name].to_numpy(dtype=object)[np.isnan(read)]
        lost = [value for value in candidates if _present(value)]
        if lost:
            examples = tuple(dict.fromkeys(_shown(value) for value in lost))[:MAX_EXAMPLES]
            found.append(UnreadableValues(column.name, str(column.type), len(lost), examples))
    return tuple(found)


def _present(value: object) -> bool:
    """A value the file holds: not missing, not blank, not one of the reader's missing-value markers."""
    if value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(cast(Any, value)))):
        return False
    text = str(value).strip()
    return bool(text) and text not in _MARKERS


def _shown(value: object) -> str:
    text = str(value)
    return text if len(text) <= 30 else text[:27] + "..."


_MARKERS = frozenset(NA_VALUES)
