"""Tidy the parsed columns: names, stray bytes, padded text, numbers written with separators."""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

from kuai.engine.read._encoding import decode_utf8_or_cp1252
from kuai.engine.read._marked import unmark_numbers
from kuai.engine.read._markers import (
    NA_VALUES,
    SPREADSHEET_ERRORS,
    errors_as_missing,
    infinities_as_text_numbers,
    infinity_note,
    markers_as_missing,
    nan_note,
)
from kuai.engine.read._matches import cell_matches
from kuai.engine.read._values import CURRENCY_AFTER, CURRENCY_BEFORE, LETTER_WORD

PLAIN_NA_VALUES = [value for value in NA_VALUES if value not in SPREADSHEET_ERRORS]  # missing-value markers
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


def tidy_column(column: pa.ChunkedArray, *, decimal: str, thousands: str | None, keep_text: bool = False,
                scoring: bool = False) -> tuple[pa.ChunkedArray, list[str]]:
    """The column with text trimmed, spreadsheet errors read as missing and numbers parsed; a note for each thing
    that was repaired. ``scoring``: words among numbers are kept, for the model's input schema to judge (a category
    '=cmd()' among categories '1', '2' stays a category)."""
    notes: list[str] = []
    if pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type):
        column, note = _decode_invalid_utf8(column)
        notes.append(note)
    if pa.types.is_date(column.type):
        return column.cast(pa.timestamp("s")), notes
    if pa.types.is_floating(column.type):  # 'nan' the parser read as a number: missing, and counted
        notes += [note for note in [nan_note(column)] if note]
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return column, notes
    padded = pc.any(cell_matches(column, lambda values: pc.match_substring_regex(values, pattern=r"^\s|\s$"))).as_py()
    if padded:
        column, merged_note = _trimmed(column)
        notes += [merged_note] if merged_note else []
    column, n_errors, error_note = errors_as_missing(column)
    notes += [error_note] if error_note else []
    column, marker_notes = markers_as_missing(column)
    notes += marker_notes
    if keep_text:
        return column, notes
    typed = _as_typed(column, decimal=decimal, thousands=thousands, reparse=bool(padded or n_errors or marker_notes))
    if typed is None:
        written, infinities = infinities_as_text_numbers(column)
        typed = _as_typed(written, decimal=decimal, thousands=thousands, reparse=True) if infinities else None
        notes += [infinity_note(infinities)] if typed is not None else []
    if typed is None:
        unmarked, marked_notes = unmark_numbers(column, _number_pattern(decimal, thousands), words=not scoring)
        typed = _as_typed(unmarked, decimal=decimal, thousands=thousands, reparse=True) if unmarked else None
        notes += marked_notes if typed is not None else []
    return (typed if typed is not None else column), notes


def _trimmed(column: pa.ChunkedArray) -> tuple[pa.ChunkedArray, str]:
    """The values without the spaces and tabs around them, and a note that shows them ("spaces and tabs around 3
    values were removed ('yes\\t', ' no'); 2 of them became the same as a value written without: 'yes'")."""
    trimmed = pc.utf8_trim(column, characters=SPACES)
    changed = pc.fill_null(pc.not_equal(trimmed, column), False)
    n_changed = int(pc.sum(changed).as_py() or 0)
    if not n_changed:
        return trimmed, ""
    spellings = pc.unique(column.filter(changed)).to_pylist()
    note = (f"spaces and tabs around {n_changed:,} value{'' if n_changed == 1 else 's'} were removed "
            f"({_listed(spellings)})")
    unchanged = pc.unique(column.filter(pc.invert(changed)).drop_null())
    merged = pc.and_(changed, pc.fill_null(pc.is_in(trimmed, value_set=unchanged), False))
    n_merged = int(pc.sum(merged).as_py() or 0)
    if n_merged:
        into = pc.unique(trimmed.filter(merged)).to_pylist()
        note += (f"; {n_merged:,} of them became the same as a value written without them: {_listed(into)}")
    return trimmed, note


def _listed(values: list[str]) -> str:
    return ", ".join(_shown(value) for value in values[:_SHOWN_SPELLINGS]) + (
        ", ..." if len(values) > _SHOWN_SPELLINGS else "")


_SHOWN_SPELLINGS = 4
_SHOWN_CHARS = 40


def _shown(text: str) -> str:
    """'yes\\t': the text quoted, with tabs and unusual spaces escaped so that they can be seen; a long text by its
    two ends (where the spaces were), not whole (a blind test's note held a 21,000-character review)."""
    if len(text) > _SHOWN_CHARS:
        text = text[:_SHOWN_CHARS // 2] + "…" + text[-_SHOWN_CHARS // 4:]
    return "'" + "".join(char if char == " " or not char.isspace() else repr(char)[1:-1] if char.isascii()
                         else f"\\u{ord(char):04x}" for char in text) + "'"


def _as_typed(column: pa.ChunkedArray, *, decimal: str, thousands: str | None,
              reparse: bool) -> pa.ChunkedArray | None:
    """The column as numbers, booleans or dates when all its values are (``reparse``: try the parser's types first,
    for text the parser saw with cells now missing); None when it is text."""
    typed = as_parsed_type(column, decimal=decimal) if reparse else None
    return typed if typed is not None else _as_numbers(column, decimal=decimal, thousands=thousands)


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


def drop_running_index(table: pa.Table, raw_names: list[str]) -> tuple[pa.Table, list[str]]:
    """A first column with no name that counts the rows (0, 1, 2, … or 1, 2, 3, …), as ``DataFrame.to_csv`` writes
    its index, is dropped, and named in a note: it says where a row was, nothing about it."""
    if table.num_columns < 2 or table.num_rows < 2 or not _unnamed(raw_names[0]):
        return table, []
    column = table.column(0)
    if not pa.types.is_integer(column.type) or column.null_count:
        return table, []
    start = column[0].as_py()
    if start not in (0, 1) or not pc.all(pc.equal(column, pa.array(range(start, start + table.num_rows)))).as_py():
        return table, []
    return table.remove_column(0), [f"dropped the first column: it has no name and counts the rows ({start}, "
                                    f"{start + 1}, {start + 2}, …), as a program writes its row index"]


def _unnamed(name: str) -> bool:
    stripped = name.strip().lstrip("\ufeff")
    return not stripped or stripped.startswith("Unnamed: ")


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


_FULL_WIDTH = re.compile("[\uff01-\uffee]")


def _number_pattern(decimal: str, thousands: str | None) -> re.Pattern[str]:
    """A number in this file's format, optionally signed, bracketed, with a currency or a percent sign."""
    mark = re.escape(decimal)
    digits = rf"\d+(?:{mark}\d+)?"
    if thousands is not None:
        group = f"[{re.escape(_SPACES)}]" if thousands in _SPACES else re.escape(thousands)
        digits = rf"(?:\d{{1,3}}(?:{group}\d{{3}})+(?:{mark}\d+)?|{digits})"
    body = rf"[-+]?\s*(?:{CURRENCY_BEFORE})?\s*[-+]?{digits}\s*(?:%|{CURRENCY_AFTER})?"
    return re.compile(rf"^(?:{body}|\(\s*{body}\s*\)|[-+]?inf)$")  # 'inf': infinity, as ``tidy_column`` writes it


def _as_numbers(column: pa.ChunkedArray, *, decimal: str, thousands: str | None) -> pa.ChunkedArray | None:
    """Numbers written with separators, brackets, currency or percent signs; None when not all numbers."""
    probe = column.drop_null().slice(0, _PROBE).to_pylist()
    if not probe or not any(ch.isdigit() for ch in probe[0] if probe[0] not in ("inf", "-inf")):
        return None
    if any(_FULL_WIDTH.search(v) for v in probe):  # '￥448,000', '１２３': full-width forms, as East Asian
        column = pc.utf8_normalize(column, "NFKC")  # spreadsheets write them
        probe = column.drop_null().slice(0, _PROBE).to_pylist()
    pattern = _number_pattern(decimal, thousands)
    if not all(pattern.match(v) for v in probe):
        return None
    if len({word for v in probe for word in LETTER_WORD.findall(v)} - {"inf"}) > 1:
        return None  # 'm' and 'km', 'EUR' and 'USD': values of different units are not one column of numbers
    # what is left once every character but digits, signs, brackets and the separators is taken off
    kept = re.escape(decimal) + (re.escape(thousands) if thousands and thousands not in _SPACES else "")
    text = pc.replace_substring_regex(column, pattern=rf"[^0-9+\-({kept}]|^inf$", replacement="")
    text = pc.if_else(pc.fill_null(pc.match_substring_regex(column, pattern=r"^[-+]?inf$"), False), column, text)
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
