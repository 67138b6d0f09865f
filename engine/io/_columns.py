"""Tidy the parsed columns: names, stray bytes, padded text, numbers written with separators."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from engine.io._encoding import decode_utf8_or_cp1252

NA_VALUES = ["", "NA", "N/A", "n/a", "na", "N.A.", "n.a.", "NaN", "nan", "NAN", "-nan", "-NaN", "null", "NULL",
             "Null", "nil", "<NA>", "#NA", "#N/A", "#N/A N/A", "?", "-", "--",
             # spreadsheet error values (English, German, French) and German 'not available'
             "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#NV", "#WERT!", "#BEZUG!", "#ZAHL!",
             "#VALEUR!", "#REF", "n.v.", "N.V.", "k.A.", "k. A."]
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


def duplicate_names(raw_names: list[str], names: list[str]) -> dict[str, list[str]]:
    """A header name several columns had -> the names ``clean_names`` gave them, in order ('y' -> ['y', 'y.1'])."""
    given: dict[str, list[str]] = {}
    for raw, name in zip(raw_names, names, strict=True):
        key = raw.strip().lstrip("\ufeff")
        if key and not key.startswith("Unnamed: "):
            given.setdefault(key, []).append(name)
    return {key: new for key, new in given.items() if len(new) > 1}


_COUNTS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_PLACES = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")


def duplicate_notes(duplicates: dict[str, list[str]]) -> list[str]:
    """"two columns were named 'y': the second is read as 'y.1'", one note per repeated name."""
    notes = []
    for name, given in duplicates.items():
        count = _COUNTS[len(given)] if len(given) < len(_COUNTS) else f"{len(given):,}"
        places = [_PLACES[i] if i < len(_PLACES) else f"{i + 1}th" for i in range(len(given))]
        renamed = ", ".join(f"the {place} is read as '{new}'" for place, new in zip(places, given, strict=True)
                            if new != name)
        notes.append(f"{count} columns were named '{name}': {renamed} (to predict one of them, name it: "
                     f"'{name}.0' for the first, '{given[1]}' for the second{', ...' if len(given) > 2 else ''})")
    return notes


def tidy_column(column: pa.ChunkedArray, *, decimal: str, thousands: str | None,
                keep_text: bool = False) -> tuple[pa.ChunkedArray, str]:
    """The column with text trimmed and numbers parsed; a note when something was repaired."""
    note = ""
    if pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type):
        column, note = _decode_invalid_utf8(column)
    if pa.types.is_date(column.type):
        return column.cast(pa.timestamp("s")), note
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return column, note
    if pc.any(pc.match_substring_regex(column, pattern=r"^\s|\s$")).as_py():
        column = pc.utf8_trim(column, characters=_SPACES + "\t")
        missing = pc.is_in(column, value_set=pa.array(NA_VALUES))
        if pc.any(missing).as_py():
            column = pc.if_else(missing, pa.scalar(None, column.type), column)
    if keep_text:
        return column, note
    numbers = _as_numbers(column, decimal=decimal, thousands=thousands)
    return (numbers if numbers is not None else column), note


def drop_noise_rows(table: pa.Table, header: tuple[str, ...]) -> tuple[pa.Table, list[str]]:
    """Remove rows with no value at all and copies of the header row repeated inside the data."""
    notes = []
    empty = _all_columns(table, lambda column: column.is_null())
    if empty is not None and pc.any(empty).as_py():
        notes.append(f"dropped {pc.sum(empty).as_py():,} empty row(s)")
        table = table.filter(pc.invert(empty))
    if header and len(header) == table.num_columns and all(pa.types.is_string(c.type) for c in table.columns):
        names = iter(header)
        repeated = _all_columns(table, lambda column: pc.equal(column, next(names)))
        if repeated is not None and pc.any(repeated).as_py():
            notes.append(f"dropped {pc.sum(repeated).as_py():,} copies of the header row inside the data")
            table = _retype(table.filter(pc.invert(repeated)))
    return table, notes


def drop_trailing_rows(table: pa.Table, n_rows: int) -> pa.Table:
    """Drop footer rows as wide as the table ('Total;;;1.234'); columns they made text become numbers."""
    if n_rows <= 0 or n_rows >= table.num_rows:
        return table
    footer = table.slice(table.num_rows - n_rows)
    table = table.slice(0, table.num_rows - n_rows)
    touched = [i for i, column in enumerate(footer.columns)
               if pa.types.is_string(column.type) and column.null_count < len(column)]
    return _retype(table, touched)


def _all_columns(table: pa.Table, test: Callable[[pa.ChunkedArray], Any]) -> pa.ChunkedArray | None:
    mask = None
    for column in table.columns:
        result = test(column)
        mask = result if mask is None else pc.and_(mask, result)
    return mask


def _retype(table: pa.Table, positions: list[int] | None = None) -> pa.Table:
    """Text columns that hold only numbers once stray header or footer rows are gone become numbers."""
    for position in range(table.num_columns) if positions is None else positions:
        column = table.column(position)
        if not pa.types.is_string(column.type):
            continue
        for numeric in (pa.int64(), pa.float64()):
            try:
                table = table.set_column(position, table.column_names[position], column.cast(numeric))
                break
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                continue
    return table


def drop_empty_unnamed_columns(table: pa.Table, raw_names: list[str]) -> pa.Table:
    """Columns with no header and no value: the used range of a spreadsheet, or border delimiters."""
    keep = [i for i, (name, column) in enumerate(zip(raw_names, table.columns, strict=True))
            if name.strip() or column.null_count < len(column)]
    return table.select(keep) if len(keep) < table.num_columns and keep else table


def _decode_invalid_utf8(column: pa.ChunkedArray) -> tuple[pa.ChunkedArray, str]:
    """A column of a UTF-8 file with values in another encoding: each such value read as Windows-1252."""
    values: list[str | None] = []
    n_legacy = 0
    for value in column.to_pylist():
        if value is None:
            values.append(None)
            continue
        text, is_legacy = decode_utf8_or_cp1252(value)
        values.append(text)
        n_legacy += is_legacy
    return (pa.chunked_array([pa.array(values, pa.string())]),
            f"{n_legacy:,} {'value was' if n_legacy == 1 else 'values were'} not UTF-8 and read as Windows-1252")


_CURRENCY = "$€£¥₹"


def _number_pattern(decimal: str, thousands: str | None) -> re.Pattern[str]:
    """A number in this file's format, optionally signed, bracketed, with a currency or a percent sign."""
    mark = re.escape(decimal)
    digits = rf"\d+(?:{mark}\d+)?"
    if thousands is not None:
        group = f"[{re.escape(_SPACES)}]" if thousands in _SPACES else re.escape(thousands)
        digits = rf"(?:\d{{1,3}}(?:{group}\d{{3}})+(?:{mark}\d+)?|{digits})"
    currency = f"[{_CURRENCY}]"
    body = rf"[-+]?\s*{currency}?\s*[-+]?{digits}\s*(?:%|{currency}|[A-Z]{{3}})?"
    return re.compile(rf"^(?:{body}|\(\s*{body}\s*\))$")


def _as_numbers(column: pa.ChunkedArray, *, decimal: str, thousands: str | None) -> pa.ChunkedArray | None:
    """Numbers written with separators, brackets, currency or percent signs; None when not all numbers."""
    probe = column.drop_null().slice(0, _PROBE).to_pylist()
    if not probe or not any(ch.isdigit() for ch in probe[0]):
        return None
    pattern = _number_pattern(decimal, thousands)
    if not all(pattern.match(v) for v in probe):
        return None
    text = pc.replace_substring_regex(column, pattern=rf"[\s{_SPACES}{_CURRENCY}%)]|[A-Z]{{3}}$", replacement="")
    text = pc.replace_substring(text, pattern="(", replacement="-")
    text = pc.replace_substring_regex(text, pattern="^-(-|\\+)|^\\+-", replacement="-")
    if thousands is not None and thousands not in _SPACES:
        text = pc.replace_substring(text, pattern=thousands, replacement="")
    if decimal != ".":
        text = pc.replace_substring(text, pattern=decimal, replacement=".")
    try:
        return text.cast(pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
