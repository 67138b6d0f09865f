"""Tidy the parsed columns: names, stray bytes, padded text, numbers written with separators."""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

NA_VALUES = ["", "NA", "N/A", "n/a", "na", "N.A.", "n.a.", "NaN", "nan", "NAN", "-nan", "-NaN", "null", "NULL",
             "Null", "nil", "<NA>", "#NA", "#N/A", "#N/A N/A", "#DIV/0!", "#VALUE!", "?", "-", "--"]
_SPACES = " \u00a0\u202f"
_PROBE = 200


def clean_names(names: list[str]) -> list[str]:
    """Strip blanks, name empty headers, and make duplicates unique (a, a.1)."""
    cleaned: list[str] = []
    seen: set[str] = set()
    for position, name in enumerate(names):
        name = name.strip().lstrip("\ufeff")
        if not name or name.startswith("Unnamed: "):
            name = f"column_{position + 1}"
        base, suffix = name, 1
        while name in seen:
            name = f"{base}.{suffix}"
            suffix += 1
        seen.add(name)
        cleaned.append(name)
    return cleaned


def tidy_column(column: pa.ChunkedArray, *, decimal: str, thousands: str | None) -> tuple[pa.ChunkedArray, str]:
    """The column with text trimmed and numbers parsed; a note when something was repaired."""
    note = ""
    if pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type):
        column, note = _decode_invalid_utf8(column)
    if pa.types.is_date(column.type):
        return column.cast(pa.timestamp("s")), note
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return column, note
    column = pc.utf8_trim(column, characters=_SPACES + "\t")
    column = pc.if_else(pc.is_in(column, value_set=pa.array(NA_VALUES)), pa.scalar(None, column.type), column)
    numbers = _as_numbers(column, decimal=decimal, thousands=thousands)
    return (numbers if numbers is not None else column), note


def _decode_invalid_utf8(column: pa.ChunkedArray) -> tuple[pa.ChunkedArray, str]:
    values = [None if v is None else v.decode("utf-8", errors="replace") for v in column.to_pylist()]
    n_bad = sum(1 for v in values if v is not None and "\ufffd" in v)
    return pa.chunked_array([pa.array(values, pa.string())]), f"{n_bad:,} values held bytes that are not valid text"


def _number_pattern(decimal: str, thousands: str | None) -> re.Pattern[str]:
    mark = re.escape(decimal)
    plain = rf"[-+]?\d+(?:{mark}\d+)?"
    if thousands is None:
        return re.compile(rf"^{plain}$")
    group = f"[{re.escape(_SPACES)}]" if thousands in _SPACES else re.escape(thousands)
    return re.compile(rf"^(?:[-+]?\d{{1,3}}(?:{group}\d{{3}})+(?:{mark}\d+)?|{plain})$")


def _as_numbers(column: pa.ChunkedArray, *, decimal: str, thousands: str | None) -> pa.ChunkedArray | None:
    """Numbers written with thousands separators or padded; None when the column is not all numbers."""
    if thousands is None and decimal == ".":
        return None
    probe = [v for v in column.drop_null().slice(0, _PROBE).to_pylist()]
    pattern = _number_pattern(decimal, thousands)
    if not probe or not all(pattern.match(v) for v in probe):
        return None
    text = column
    if thousands is not None:
        separators = f"[{re.escape(_SPACES)}]" if thousands in _SPACES else re.escape(thousands)
        text = pc.replace_substring_regex(text, pattern=separators, replacement="")
    if decimal != ".":
        text = pc.replace_substring(text, pattern=decimal, replacement=".")
    try:
        return text.cast(pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
