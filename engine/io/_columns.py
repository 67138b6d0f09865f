"""Tidy the parsed columns: names, stray bytes, padded text, numbers written with separators."""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

from engine.io._encoding import decode_utf8_or_cp1252

# Excel's error values (English, German, French): read as missing, and counted per column in a reading note
SPREADSHEET_ERRORS = ("#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#N/A", "#SPILL!", "#CALC!",
                      "#NV", "#WERT!", "#BEZUG!", "#ZAHL!", "#VALEUR!", "#REF", "#NOM?", "#NOMBRE!", "#NUL!")
NA_VALUES = ["", "NA", "N/A", "n/a", "na", "N.A.", "n.a.", "NaN", "nan", "NAN", "-nan", "-NaN", "null", "NULL",
             "Null", "nil", "<NA>", "#NA", "#N/A N/A", "?", "-", "--", *SPREADSHEET_ERRORS,
             # German 'not available'
             "n.v.", "N.V.", "k.A.", "k. A."]
PLAIN_NA_VALUES = [value for value in NA_VALUES if value not in SPREADSHEET_ERRORS]  # what the parser nulls itself
_SPACES = " \u00a0\u202f"
SPACES = _SPACES + "\t"  # what is trimmed around a value
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
                keep_text: bool = False) -> tuple[pa.ChunkedArray, list[str]]:
    """The column with text trimmed, spreadsheet errors read as missing and numbers parsed; a note for each thing
    that was repaired."""
    notes: list[str] = []
    if pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type):
        column, note = _decode_invalid_utf8(column)
        notes.append(note)
    if pa.types.is_date(column.type):
        return column.cast(pa.timestamp("s")), notes
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return column, notes
    padded = pc.any(pc.match_substring_regex(column, pattern=r"^\s|\s$")).as_py()
    if padded:
        column = pc.utf8_trim(column, characters=_SPACES + "\t")
    column, n_errors, error_note = _errors_as_missing(column)
    notes += [error_note] if error_note else []
    if padded:
        missing = pc.is_in(column, value_set=pa.array(NA_VALUES))
        if pc.any(missing).as_py():
            column = pc.if_else(missing, pa.scalar(None, column.type), column)
    if keep_text:
        return column, notes
    if n_errors:  # the type the parser would have found, had the error values been empty cells
        typed = as_parsed_type(column, decimal=decimal)
        if typed is not None:
            return typed, notes
    numbers = _as_numbers(column, decimal=decimal, thousands=thousands)
    return (numbers if numbers is not None else column), notes


_ERROR_SET = pa.array(SPREADSHEET_ERRORS)
_SHOWN_ERRORS = 4


def _errors_as_missing(column: pa.ChunkedArray) -> tuple[pa.ChunkedArray, int, str]:
    """Spreadsheet error values ('#DIV/0!') as missing values, and a note counting them ("" when none)."""
    errors = pc.is_in(column, value_set=_ERROR_SET)
    n_errors = int(pc.sum(errors).as_py() or 0)
    if not n_errors:
        return column, 0, ""
    found = pc.value_counts(column.filter(errors)).to_pylist()
    kinds = [entry["values"] for entry in sorted(found, key=lambda entry: (-entry["counts"], entry["values"]))]
    column = pc.if_else(errors, pa.scalar(None, column.type), column)
    return column, n_errors, error_note(n_errors, kinds)


def error_note(n_errors: int, kinds: list[str]) -> str:
    """"15 spreadsheet error values (#DIV/0!, #VALUE!) read as missing", the commonest kinds first."""
    shown = ", ".join(kinds[:_SHOWN_ERRORS]) + (", ..." if len(kinds) > _SHOWN_ERRORS else "")
    return f"{n_errors:,} spreadsheet error value{'' if n_errors == 1 else 's'} ({shown}) read as missing"


def as_parsed_type(column: pa.ChunkedArray, *, decimal: str = ".") -> pa.ChunkedArray | None:
    """Text that holds only whole numbers, numbers, booleans or ISO dates as that type (as the parser infers
    types); None when it is text."""
    targets = [pa.int64(), pa.float64(), pa.bool_(), pa.timestamp("s")]
    if decimal != ".":
        targets.remove(pa.float64())  # '1,5' is parsed by _as_numbers
    if column.null_count == len(column):
        return None
    for target in targets:
        try:
            return column.cast(target)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
    return None


def drop_empty_unnamed_columns(table: pa.Table, raw_names: list[str]) -> tuple[pa.Table, list[str]]:
    """Columns with no header and no value (the used range of a spreadsheet, a delimiter at the end of every line)
    are dropped, and named in a note."""
    empty = [i for i, (name, column) in enumerate(zip(raw_names, table.columns, strict=True))
             if not name.strip() and column.null_count == len(column)]
    if not empty or len(empty) == table.num_columns:
        return table, []
    kept = table.select([i for i in range(table.num_columns) if i not in set(empty)])
    at_end = empty == list(range(table.num_columns - len(empty), table.num_columns))
    if at_end and len(empty) == 1:
        where = "the last column: each line ends with a delimiter"
    elif at_end:
        where = f"the last {len(empty)} columns"
    else:
        where = f"column{'s' if len(empty) > 1 else ''} " + _positions([i + 1 for i in empty])
    return kept, [f"dropped {len(empty):,} column{'' if len(empty) == 1 else 's'} with no name and no value "
                  f"({where})"]


def _positions(numbers: list[int], shown: int = 8) -> str:
    return ", ".join(str(n) for n in numbers[:shown]) + (f" and {len(numbers) - shown:,} more"
                                                          if len(numbers) > shown else "")


def rename_notes(raw_names: list[str], names: list[str], duplicates: dict[str, list[str]]) -> list[str]:
    """Columns whose name the reader changed (spaces trimmed, no name given), one note per kind; repeated names
    have their own notes (``duplicate_notes``)."""
    trimmed: list[tuple[str, str]] = []
    unnamed: list[tuple[str, str]] = []
    for raw, name in zip(raw_names, names, strict=True):
        key = raw.lstrip("\ufeff")
        if key.strip() in duplicates or key == name:
            continue
        (trimmed if key.strip() == name else unnamed).append((raw, name))
    notes = []
    if trimmed:
        shown = ", ".join(f"'{raw}' is read as '{name}'" for raw, name in trimmed[:_SHOWN_RENAMES])
        more = f" and {len(trimmed) - _SHOWN_RENAMES:,} more" if len(trimmed) > _SHOWN_RENAMES else ""
        notes.append(f"spaces around column names were removed: {shown}{more}")
    if unnamed:
        shown = ", ".join(f"'{raw}' is read as '{name}'" if raw.strip() else f"'{name}'"
                          for raw, name in unnamed[:_SHOWN_RENAMES])
        more = f" and {len(unnamed) - _SHOWN_RENAMES:,} more" if len(unnamed) > _SHOWN_RENAMES else ""
        notes.append(f"{len(unnamed):,} column{' has' if len(unnamed) == 1 else 's have'} no name, so Kuai "
                     f"named {'it' if len(unnamed) == 1 else 'them'}: {shown}{more}")
    return notes


_SHOWN_RENAMES = 5


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
