"""Values present in the data that the model's input frame cannot use as given, counted per column and reason.

``to_model_frame`` turns what it cannot use into a missing value: text in a numeric column (``abc``), an infinity
(``inf``, ``1e400``), a number beyond the range of the model's float32 inputs (``1e308``), a date it cannot parse.
The model then treats those rows as it treats missing values. A date that does not fit its column's format (the one
recorded at training, ``InputColumn.date_format``) is read by a fallback (ISO 8601, else on its own): a reading
that may be wrong (``05.03.2024`` read month-first in a column of ISO dates). Both are guesses the user must be
told about, at training (a progress line and a note on the model card per column) as at prediction.

This compares the raw column with what the model frame made of it, whatever the parsing rules are: a value present
in the input (not empty, not a missing-value marker of the reader) whose model input is missing was not used; why
is then read from the value itself.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from kuai.engine.data.column_facts import BLOCK_CELLS
from kuai.engine.data.numbers import numbers_as_written
from kuai.engine.models.preprocessing import to_model_frame
from kuai.engine.read import NA_VALUES
from kuai.engine.read.cells import clip
from kuai.engine.read.dates import ISO_8601, format_in_words, off_format_reads
from kuai.engine.types import ColumnType, InputColumn

__all__ = ["MAX_EXAMPLES", "Unusable", "UnreadableValues", "unreadable_values", "unusable_numbers"]

MAX_EXAMPLES = 3


class Unusable(enum.StrEnum):
    """Why a value present in the data is not used as given."""

    NOT_READ = "not_read"  # not a number (numeric column), not a date (date column)
    INFINITE = "infinite"  # inf, -Infinity, 1e400 (beyond any float)
    BEYOND_FLOAT32 = "beyond_float32"  # a finite number the model's float32 inputs cannot hold (|x| > 3.4e38)
    OTHER_DATE_FORMAT = "other_date_format"  # a date the column's format does not fit, read by a fallback


@dataclass(frozen=True)
class UnreadableValues:
    column: str
    type: str  # the column's type: numeric, datetime
    n_rows: int
    examples: tuple[str, ...]  # up to MAX_EXAMPLES distinct values, as given
    reason: Unusable = Unusable.NOT_READ
    n_present: int = 0  # values present in the column (n_rows == n_present: every one of them)
    date_format: str = ""  # OTHER_DATE_FORMAT: the column's format ...
    read_with: str = ""  # ... and the fallback that read these values (kuai.engine.read.dates)

    @property
    def as_missing(self) -> bool:
        """Whether the model treats these values as missing (else they were read another way: a fallback)."""
        return self.reason is not Unusable.OTHER_DATE_FORMAT

    @property
    def text(self) -> str:
        """"'v': 30 values are infinite (e.g. 'inf', '-inf'); treated as missing"."""
        count = (f"all {self.n_rows:,} values" if self.n_rows == self.n_present and self.n_rows > 1
                 else f"{self.n_rows:,} value{'s' if self.n_rows != 1 else ''}")
        plural = self.n_rows != 1
        are = "are" if plural else "is"
        shown = ", ".join(f"'{value}'" for value in self.examples)
        what = {
            Unusable.NOT_READ: (f"{are} not {'numbers' if plural else 'a number'}"
                                if self.type == ColumnType.NUMERIC else f"{are} not {'dates' if plural else 'a date'}"
                                " Kuai can read"),
            Unusable.INFINITE: f"{are} infinite",
            Unusable.BEYOND_FLOAT32: f"{are} beyond ±3.4e38, the range of the model's float32 inputs",
            Unusable.OTHER_DATE_FORMAT: f"{'do' if plural else 'does'} not fit the column's date format "
                                        f"({format_in_words(self.date_format)})",
        }[self.reason]
        done = "treated as missing" if self.as_missing else _fallback_words(self.read_with)
        return f"'{clip(self.column, 60)}': {count} {what} (e.g. {shown}); {done}"


def unreadable_values(frame: pd.DataFrame, schema: tuple[InputColumn, ...],
                      model_frame: pd.DataFrame) -> tuple[UnreadableValues, ...]:
    """Per numeric or date column of ``schema`` and per reason, the values of ``frame`` that ``model_frame`` (from
    ``to_model_frame(frame, schema)``) holds as missing, or (dates) read with a fallback; columns with none are left
    out."""
    found: list[UnreadableValues] = []
    complete = _numbers_all_read(frame, schema, model_frame)
    for column in schema:
        if (column.is_string or column.name in complete or column.name not in frame.columns
                or column.model_inputs[0] not in model_frame):
            continue
        raw = frame[column.name].reset_index(drop=True)
        is_read = ~np.isnan(pd.to_numeric(model_frame[column.model_inputs[0]], errors="coerce").to_numpy(dtype=float))
        lost = raw.notna().to_numpy() & ~is_read
        lost[lost] = _present(raw[lost])
        n_present = int(is_read.sum() + lost.sum())
        if lost.any():
            found += _lost(column, raw[lost], n_present)
        if column.type is ColumnType.DATETIME and is_read.any():
            found += _off_format(column, raw[is_read], n_present)
    return tuple(found)


def _numbers_all_read(frame: pd.DataFrame, schema: tuple[InputColumn, ...],
                      model_frame: pd.DataFrame) -> set[str]:
    """The numeric columns stored as numbers whose every value the model frame holds: none to count (one pass over
    all of them, for tables of thousands of columns)."""
    if not frame.columns.is_unique:
        return set()
    numeric = [column for column in schema if column.type is ColumnType.NUMERIC and column.name in frame.columns
               and column.safe_name in model_frame and pd.api.types.is_numeric_dtype(frame[column.name])
               and not pd.api.types.is_bool_dtype(frame[column.name])]
    if not numeric:
        return set()
    complete: set[str] = set()
    width = max(1, BLOCK_CELLS // max(1, len(frame)))  # a tall table's columns a few at a time: no copy of them all
    for start in range(0, len(numeric), width):
        block = numeric[start:start + width]
        raw = frame[[column.name for column in block]].to_numpy(dtype=np.float64, na_value=np.nan)
        read = model_frame[[column.safe_name for column in block]].to_numpy(dtype=np.float64)
        lost = (~np.isnan(raw) & np.isnan(read)).any(axis=0)
        complete |= {column.name for column, any_lost in zip(block, lost, strict=True) if not any_lost}
    return complete


def unusable_numbers(values: pd.Series) -> tuple[UnreadableValues, ...]:
    """What training and prediction will count in ``values`` as a numeric feature, found before either (the
    profile's check): the values present that the model reads as missing, by reason."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):  # fast: wide tables
        numbers = np.asarray(values, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            if not (np.abs(numbers) > np.finfo(np.float32).max).any():  # NaN compares False: missing, not lost
                return ()
    column = InputColumn(str(values.name), "c00000", ColumnType.NUMERIC, ("c00000",))
    frame = values.reset_index(drop=True).to_frame(column.name)
    return unreadable_values(frame, (column,), to_model_frame(frame, (column,)))


def _lost(column: InputColumn, values: pd.Series, n_present: int) -> list[UnreadableValues]:
    """The values the model frame holds as missing, by why: not read, infinite or beyond float32."""
    reasons = np.full(len(values), Unusable.NOT_READ, dtype=object)
    if column.type is ColumnType.NUMERIC:
        numbers = numbers_as_written(values).to_numpy(dtype=float)
        reasons[np.isinf(numbers)] = Unusable.INFINITE
        reasons[np.isfinite(numbers)] = Unusable.BEYOND_FLOAT32  # to_model_frame reads every other finite number
    return [_entry(column, values[reasons == reason], n_present, reason=reason)
            for reason in Unusable if (reasons == reason).any()]


def _off_format(column: InputColumn, values: pd.Series, n_present: int) -> list[UnreadableValues]:
    """The dates read by a fallback because the column's format does not fit them, by fallback."""
    how = off_format_reads(values, column.date_format).to_numpy(dtype=object)
    return [_entry(column, values[how == step], n_present, reason=Unusable.OTHER_DATE_FORMAT, read_with=str(step))
            for step in dict.fromkeys(how) if step]


def _entry(column: InputColumn, values: pd.Series, n_present: int, *, reason: Unusable,
           read_with: str = "") -> UnreadableValues:
    examples = tuple(dict.fromkeys(_shown(value) for value in values.iloc[:1000]))[:MAX_EXAMPLES]
    return UnreadableValues(column.name, str(column.type), len(values), examples, reason=reason, n_present=n_present,
                            date_format=(column.date_format or ISO_8601) if reason is Unusable.OTHER_DATE_FORMAT
                            else "",  # no format recorded: the model's dates were stored ones, read as ISO 8601
                            read_with=read_with)


def _fallback_words(step: str) -> str:
    if step == ISO_8601:
        return "read as ISO 8601 dates (YYYY-MM-DD)"
    return (f"each read on its own ({format_in_words(step).removeprefix('each value on its own, ')}): "
            "check them, as the day and the month may be swapped")


def _present(values: pd.Series) -> np.ndarray:
    """Where the data holds a value: not missing, not blank, not one of the reader's missing-value markers."""
    text = values.map(_text)
    return ((text != "") & ~text.isin(_MARKERS)).to_numpy(dtype=bool)


def _text(value: object) -> str:
    if value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(cast(Any, value)))):
        return ""
    return str(value).strip()


def _shown(value: object) -> str:
    if isinstance(value, pd.Timestamp) and value == value.normalize():  # a date the reader read: as the file wrote it
        return value.strftime("%Y-%m-%d")
    text = str(value)
    return text if len(text) <= 30 else text[:27] + "..."


_MARKERS = frozenset(NA_VALUES)
