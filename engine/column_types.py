"""A type per column, with a plain-language reason.

Rules run on the whole column (cheap vectorised checks) and on a capped sample
for the costly parses (dates). Each rule that fires returns the reason the UI
shows beside the type.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

from engine.types import ColumnProfile, ColumnType

SAMPLE_ROWS = 2000
_BOOL_TOKENS = {"true", "false", "yes", "no", "y", "n", "t", "f", "0", "1", "on", "off"}
_ID_NAME = re.compile(r"(^id$|_id$|^id_|\bid\b|uuid|guid|^key$|_key$|identifier|^index$|_no$|number$)", re.I)
_NUMBER_JUNK = re.compile(r"[,\s$€£¥%]")


def detect_column_type(series: pd.Series) -> tuple[ColumnType, str]:
    """Return the column's type and the reason for it."""
    name = str(series.name)
    values = series.dropna()
    n_rows, n_values = len(series), len(values)
    if n_values == 0:
        return ColumnType.CONSTANT, "every value is missing"
    n_unique = int(values.nunique())
    if n_unique == 1:
        return ColumnType.CONSTANT, f"one distinct value ({_show(values.iloc[0])}) in {n_values:,} rows"
    if pd.api.types.is_bool_dtype(values):
        return ColumnType.BOOLEAN, "true/false values"
    if pd.api.types.is_numeric_dtype(values):
        return _numeric_kind(name, values, n_unique, n_rows)
    if pd.api.types.is_datetime64_any_dtype(values):
        return ColumnType.DATETIME, "stored as dates"
    text = values.astype(str).str.strip()
    if n_unique == 2 and set(text.str.lower().unique()) <= _BOOL_TOKENS:
        pair = "/".join(sorted(text.unique()))
        return ColumnType.BOOLEAN, f"two values ({pair})"
    sample = text.iloc[:SAMPLE_ROWS]
    if parse_numbers(sample).notna().mean() >= 0.97:
        return ColumnType.NUMERIC, "text that holds numbers (e.g. '1,200' or '35%'), read as numbers"
    if _looks_like_dates(sample):
        return ColumnType.DATETIME, f"values such as '{sample.iloc[0]}' read as dates"
    unique_share = n_unique / n_values
    mean_words = float(sample.str.count(r"\S+").mean())
    if unique_share > 0.5 and (mean_words >= 4 or sample.str.len().mean() >= 40):
        return ColumnType.TEXT, f"free text, about {mean_words:.0f} words a value, mostly distinct"
    if n_unique == n_values and (_ID_NAME.search(name) or n_values >= 20):
        return ColumnType.ID, f"every one of the {n_values:,} values is distinct: an identifier"
    if unique_share > 0.9 and n_values >= 50:
        return ColumnType.ID, f"{unique_share:.0%} of values are distinct: behaves like an identifier"
    return ColumnType.CATEGORICAL, f"{n_unique:,} distinct labels in {n_values:,} rows, repeated"


def _numeric_kind(name: str, values: pd.Series, n_unique: int, n_rows: int) -> tuple[ColumnType, str]:
    numbers = values.astype(float)
    is_integer = bool(np.all(np.isfinite(numbers)) and np.all(numbers == np.round(numbers)))
    if n_unique == 2 and is_integer and set(numbers.unique()) <= {0.0, 1.0}:
        return ColumnType.BOOLEAN, "two values (0/1)"
    if is_integer and n_unique == len(values) and len(values) >= 20:
        increasing = bool(numbers.is_monotonic_increasing)
        if _ID_NAME.search(name) or increasing:
            why = "named like an identifier" if _ID_NAME.search(name) else "increasing by row"
            return ColumnType.ID, f"distinct integers in every row, {why}: an identifier"
    low, high = float(numbers.min()), float(numbers.max())
    kind = "integer" if is_integer else "decimal"
    return ColumnType.NUMERIC, f"{n_unique:,} distinct {kind} values from {_num(low)} to {_num(high)}"


def parse_numbers(values: pd.Series) -> pd.Series:
    """Numbers written as text ('1,200', '$35', '12 %') to floats; NaN where not a number."""
    cleaned = values.astype("string").str.replace(_NUMBER_JUNK, "", regex=True)
    return pd.to_numeric(cleaned, errors="coerce").astype(float)


def parse_datetimes(values: pd.Series) -> pd.Series:
    """Text to naive UTC timestamps (NaT where unparseable); mixed time zones are normalised."""
    if pd.api.types.is_datetime64_any_dtype(values):
        stamps = pd.to_datetime(values, utc=True)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                stamps = pd.to_datetime(values, errors="coerce", format="mixed", utc=True)
            except (ValueError, TypeError, OverflowError):
                stamps = pd.to_datetime(values.astype(str), errors="coerce", format="mixed", utc=True)
    return stamps.dt.tz_convert(None)


def numeric_values(values: pd.Series) -> pd.Series:
    """Numbers from a numeric column or from text that holds numbers; NaN for the rest and for inf."""
    numbers = (pd.to_numeric(values, errors="coerce") if pd.api.types.is_numeric_dtype(values)
               else parse_numbers(values)).astype(float)
    return numbers.where(np.isfinite(numbers))


def _looks_like_dates(sample: pd.Series) -> bool:
    has_separator = sample.str.contains(r"\d[-/.:]\d|\d{4}", regex=True).mean() > 0.9
    if not has_separator or sample.str.len().max() > 40:
        return False
    return bool(parse_datetimes(sample.iloc[:500]).notna().mean() >= 0.95)


def profile_column(series: pd.Series) -> ColumnProfile:
    column_type, reason = detect_column_type(series)
    values = series.dropna()
    numbers: pd.Series | None = None
    if column_type is ColumnType.NUMERIC:
        numbers = values if pd.api.types.is_numeric_dtype(values) else parse_numbers(values).dropna()
    examples = tuple(_show(v) for v in values.drop_duplicates().iloc[:5])
    return ColumnProfile(
        name=str(series.name),
        type=column_type,
        reason=reason,
        missing_fraction=float(series.isna().mean()) if len(series) else 0.0,
        n_unique=int(values.nunique()),
        examples=examples,
        minimum=float(numbers.min()) if numbers is not None and len(numbers) else None,
        maximum=float(numbers.max()) if numbers is not None and len(numbers) else None,
        mean=float(numbers.mean()) if numbers is not None and len(numbers) else None,
    )


def _show(value: object) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _num(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 or value == round(value) else f"{value:,.3g}"
