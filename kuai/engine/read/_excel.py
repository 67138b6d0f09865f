"""An Excel workbook: the sheet that holds the table, read cell by cell with openpyxl, and said.

A workbook often opens on a cover or notes sheet; the table is the sheet with the most filled cells (the first of
them on a tie). The reading notes always name the sheet that was read and the workbook's other sheets. The cells
follow the CSV reader's rules: the same missing-value markers, spreadsheet error cells ('#DIV/0!') read as missing
and counted per column, columns with no name and no value dropped and named, names trimmed and said.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kuai.engine.data.target import DUPLICATE_NAMES
from kuai.engine.errors import ReadError, check_row_count
from kuai.engine.read._columns import clean_names, duplicate_names, duplicate_notes, rename_notes
from kuai.engine.read._markers import error_note, is_error_cell, is_missing_marker, marker_note
from kuai.engine.read._rows import empty_rows_note, row_numbers

_SHOWN_SHEETS = 5
Row = tuple[Any, ...]


def read_workbook(path: Path, *, scoring: bool = False) -> tuple[pd.DataFrame, str, tuple[str, ...]]:
    """The table of the workbook's fullest sheet, the sheet's name and the reading notes. Rows with no value are
    dropped (``scoring``: kept, to be scored as rows of missing values), and said."""
    sheets = _sheets(path)
    filled = {name: sum(_is_filled(value) for row in rows for value in row) for name, rows in sheets.items()}
    if not sheets or not max(filled.values()):
        raise ReadError("The workbook has no filled cell. Put the table on its first sheet, or save it as CSV.",
                        code="EMPTY_FILE")
    chosen = max(sheets, key=lambda name: filled[name])  # the first of the fullest on a tie
    rows = _trim(sheets[chosen])
    notes = [_sheet_note(chosen, filled)]
    leading = next(i for i, row in enumerate(rows) if any(_is_filled(value) for value in row))
    if leading:
        notes.append(f"skipped {leading} empty row(s) above the header (rows 1-{leading} of the sheet)")
    header, body = rows[leading], rows[leading + 1:]
    if not body:
        raise ReadError(f"The sheet '{chosen}' has a header but no data rows. Add rows and upload again.",
                        code="HEADER_ONLY")
    frame, column_notes = _frame(header, body)
    empty = frame.isna().all(axis=1).to_numpy()
    if scoring:
        check_row_count(len(body), len(frame), "Reading the workbook to score")
    if empty.any() and scoring:
        notes.append(empty_rows_note(int(empty.sum()), row_numbers(np.flatnonzero(empty))))
    elif empty.any():
        notes.append(f"dropped {int(empty.sum()):,} empty row(s)")
        frame = frame.loc[~empty].reset_index(drop=True)
    return frame, chosen, tuple(notes + column_notes)


def _sheets(path: Path) -> dict[str, list[Row]]:
    try:
        import openpyxl
    except ImportError as exc:
        raise ReadError(
            "This file is an Excel workbook. Save the sheet as CSV (File > Save As > CSV UTF-8), "
            "or install Excel support with `pip install openpyxl`.",
            code="EXCEL_NOT_SUPPORTED",
        ) from exc
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets}
        finally:
            workbook.close()
    except Exception as exc:  # openpyxl raises many types for damaged workbooks
        raise ReadError(f"The workbook could not be read ({type(exc).__name__}). Save the sheet as CSV.",
                        code="BAD_EXCEL") from exc


def _is_filled(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _trim(rows: list[Row]) -> list[Row]:
    """The used range: trailing rows and columns without a value (cells that were only formatted) left off."""
    while rows and not any(_is_filled(value) for value in rows[-1]):
        rows = rows[:-1]
    width = max((max((i + 1 for i, value in enumerate(row) if _is_filled(value)), default=0) for row in rows),
                default=0)
    return [tuple(row[:width]) + (None,) * (width - len(row)) for row in rows]


def _sheet_note(chosen: str, filled: dict[str, int]) -> str:
    others = [name for name in filled if name != chosen]
    if not others:
        return f"read the workbook's only sheet, '{chosen}'"
    listed = ", ".join(f"'{name}' ({filled[name]:,} filled cell{'' if filled[name] == 1 else 's'})"
                       for name in others[:_SHOWN_SHEETS])
    more = f" and {len(others) - _SHOWN_SHEETS} more" if len(others) > _SHOWN_SHEETS else ""
    return (f"read the sheet '{chosen}' ({filled[chosen]:,} filled cells, the most of the workbook's "
            f"{len(filled)} sheets); the others: {listed}{more}")


def _frame(header: Row, body: Sequence[Row]) -> tuple[pd.DataFrame, list[str]]:
    raw = ["" if value is None else str(value) for value in header]
    empty = [i for i, name in enumerate(raw) if not name.strip() and not any(_is_filled(r[i]) for r in body)]
    notes = []
    if empty:
        notes.append(f"dropped {len(empty)} column(s) with no name and no value (column(s) "
                     f"{', '.join(str(i + 1) for i in empty[:8])}{' ...' if len(empty) > 8 else ''})")
    kept = [i for i in range(len(raw)) if i not in set(empty)]
    raw = [raw[i] for i in kept]
    names = clean_names(raw)
    duplicates = duplicate_names(raw, names)
    notes += duplicate_notes(duplicates) + rename_notes(raw, names, duplicates)
    columns: dict[str, pd.Series] = {}
    for position, name in zip(kept, names, strict=True):
        values, errors, markers = _cells(row[position] for row in body)
        columns[name] = pd.Series(values, dtype=object).infer_objects()
        if errors:
            notes.append(f"'{name}': {error_note(sum(errors.values()), list(errors))}")
        if markers:
            notes.append(f"'{name}': {marker_note(markers)}")
    frame = pd.DataFrame(columns)
    if duplicates:  # for the target: a name two columns had is ambiguous (kuai.engine.data.target.resolve_target)
        frame.attrs[DUPLICATE_NAMES] = duplicates
    return frame, notes


def _cells(values: Iterable[object]) -> tuple[list[object], dict[str, int], dict[str, int]]:
    """The column's values with spreadsheet errors and missing-value markers as None; the errors and the markers
    found, with their counts, the commonest first."""
    cells: list[object] = []
    errors: dict[str, int] = {}
    markers: dict[str, int] = {}
    for value in values:
        if isinstance(value, str):
            text = value.strip()
            found = errors if is_error_cell(text) else markers if text and is_missing_marker(text) else None
            if found is not None:
                found[text] = found.get(text, 0) + 1
                value = None
            elif not text:
                value = None
        cells.append(value)
    return cells, _commonest_first(errors), _commonest_first(markers)


def _commonest_first(counts: dict[str, int]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
