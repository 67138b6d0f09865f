"""Rows of the parsed table that are not data: rows with no value at all, and copies of the header row.

Reading to train drops them and says how many. Reading to score keeps every row, so that each input row gets its
prediction in input order (docs/product.md): a row with no value is scored as a row of missing values, and so is a
copy of the header row (its cells are names, not values); a note names the rows, by their number among the data rows,
which is also the number of their prediction.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kuai.engine.read._columns import PLAIN_NA_VALUES, SPACES, as_parsed_type
from kuai.engine.read._header import value_shape

_SHOWN_ROWS = 8
_BLANKS_AMONG_FOOTER = 10


def tidy_rows(table: pa.Table, header: tuple[str, ...], *, decimal: str, scoring: bool,
              codes: tuple[int, ...] = ()) -> tuple[pa.Table, list[str]]:
    """Drop (training) or keep as missing values (scoring) empty rows and copies of the header, with notes
    (``codes``: the positions of digit codes, kept as text)."""
    notes = []
    no_value = [_has_no_value(column) for column in table.columns]
    empty = None
    for mask in no_value:
        empty = mask if empty is None else pc.and_(empty, mask)
    n_empty = int(pc.sum(empty).as_py() or 0) if empty is not None else 0
    if n_empty and scoring:
        notes.append(empty_rows_note(n_empty, _rows(empty)))
    elif n_empty:
        notes.append(f"dropped {n_empty:,} empty row(s)")
        table = table.filter(pc.invert(empty))
    stray = None if scoring or n_empty else _lines_of_text(table, no_value)
    stray = _lines_of_text(table) if not scoring and n_empty else stray  # the masks were of the rows before
    n_stray = int(pc.sum(stray).as_py() or 0) if stray is not None else 0
    if n_stray:
        example = " ".join(str(next(value for column in table.columns for value in column.filter(stray).to_pylist()
                                     if value)).split())
        notes.append(f"dropped {n_stray:,} line(s) of text inside the table, such as '{example[:50]}': "
                     "one value in a column that is otherwise empty, as a page or section title is, not a row")
        table = retype(table.filter(pc.invert(stray)), decimal=decimal, codes=codes)
    repeated = _header_copies(table, header)
    n_repeated = int(pc.sum(repeated).as_py() or 0) if repeated is not None else 0
    if n_repeated and scoring:
        one = n_repeated == 1
        notes.append(f"{n_repeated:,} row{'' if one else 's'} repeat{'s' if one else ''} the header row "
                     f"({_rows(repeated)}): scored as {'a row' if one else 'rows'} of missing values, so that every "
                     "row keeps its prediction")
        table = retype(pa.table([pc.if_else(repeated, pa.scalar(None, column.type), column)
                                  for column in table.columns], names=table.column_names), decimal=decimal,
                       codes=codes)
    elif n_repeated:
        notes.append(f"dropped {n_repeated:,} copies of the header row inside the data")
        table = retype(table.filter(pc.invert(repeated)), decimal=decimal, codes=codes)
    return table, notes


def empty_rows_note(n_empty: int, where: str) -> str:
    """What a reading to score says of rows with no value."""
    one = n_empty == 1
    return (f"{n_empty:,} row{'' if one else 's'} {'has' if one else 'have'} no value at all ({where}): scored as "
            f"{'a row' if one else 'rows'} of missing values, so that every row keeps its prediction")


def row_numbers(positions: np.ndarray) -> str:
    """'row 5 of the data' or 'rows 5, 12 and 3 more of the data' (1-based, as the predictions are numbered)."""
    positions = positions + 1
    shown = ", ".join(f"{n:,}" for n in positions[:_SHOWN_ROWS])
    more = f" and {len(positions) - _SHOWN_ROWS:,} more" if len(positions) > _SHOWN_ROWS else ""
    return f"row{'' if len(positions) == 1 else 's'} {shown}{more} of the data"


def drop_trailing_rows(table: pa.Table, n_rows: int, *, decimal: str = ".", blank_rows: bool = True,
                       codes: tuple[int, ...] = ()) -> pa.Table:
    """Drop footer rows as wide as the table ('Total;;;1.234'), and the rows of empty cells among them (a line of
    delimiters between the table and its notes; ``blank_rows=False`` when scoring: such a row is a row of the file,
    which gets its prediction); columns they made text become numbers."""
    if n_rows <= 0 or n_rows >= table.num_rows:
        return table
    tail = table.slice(max(0, table.num_rows - n_rows - _BLANKS_AMONG_FOOTER))
    empty = _all_columns(tail, _has_no_value) if blank_rows else None
    blank = empty.to_pylist() if empty is not None else [False] * tail.num_rows
    cut, left = 0, n_rows
    while cut < len(blank) and (left or blank[-1 - cut]):  # the footer's rows, and blank rows above them
        left -= not blank[-1 - cut]
        cut += 1
    if cut >= table.num_rows:
        return table
    footer = table.slice(table.num_rows - cut)
    table = table.slice(0, table.num_rows - cut)
    touched = [i for i, column in enumerate(footer.columns)
               if pa.types.is_string(column.type) and column.null_count < len(column)]
    return retype(table, touched, decimal=decimal, codes=codes)


def drop_sum_row(table: pa.Table, keep_text: frozenset[str] = frozenset()) -> tuple[pa.Table, list[str]]:
    """A last or first row whose numbers are the sums of the other rows' numbers, in two columns or more, or in one
    when half its cells are empty ('All districts', 'All ages', '*' as well as 'Total'; rounded as a report rounds
    them): a total a report added, not a row; dropped and said (``keep_text``: columns of codes, left as text)."""
    if table.num_rows < _MIN_ROWS_UNDER_SUM + 1:
        return table, []
    for position, where in ((table.num_rows - 1, "last"), (0, "first")):
        others = table.slice(0, position) if position else table.slice(1)
        row = table.slice(position, 1)
        summed = _summed_columns(row, others)
        if len(summed) >= 2 or (summed and others.num_rows >= _MIN_ROWS_UNDER_ONE_SUM and _mostly_blank(row)):
            shown = ", ".join(f"'{name}'" for name in summed[:3]) + (", ..." if len(summed) > 3 else "")
            retyped = [i for i, name in enumerate(others.column_names) if name not in keep_text]
            return retype(others, retyped), [f"dropped the {where} row: its numbers are the sums of the other rows "
                                     f"({shown}), a total the report added"]
    return table, []


def _mostly_blank(row: pa.Table) -> bool:
    """Half the cells or more, two at least, without a value: a total leaves the columns that describe a row
    empty."""
    blank = sum(bool(_has_no_value(column)[0].as_py()) for column in row.columns)
    return blank >= 2 and blank * 2 >= row.num_columns


def _summed_columns(row: pa.Table, others: pa.Table) -> list[str]:
    """The columns where the row holds the sum of the others' numbers; none when a number of it is not one (a
    column with missing numbers in the other rows cannot tell: a value suppressed is still in the total)."""
    summed = []
    for position, column in enumerate(row.columns):
        value = column[0].as_py()
        if value is None or not (pa.types.is_integer(column.type) or pa.types.is_floating(column.type)) \
                or others.column(position).null_count:
            continue
        total = pc.sum(others.column(position)).as_py()
        if total is None or value == 0 or not math.isclose(value, total, rel_tol=SUM_ROUNDING, abs_tol=0.01):
            return []
        summed.append(row.column_names[position])
    return summed


SUM_ROUNDING = 0.005  # a total of rounded numbers (percentages that add to 99.8 or 100.1)
_MIN_ROWS_UNDER_SUM = 3
_MIN_ROWS_UNDER_ONE_SUM = 5  # a total of one column: a sum of a few rows can be a coincidence
_MISSING = pa.array(PLAIN_NA_VALUES)


def _has_no_value(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Null, or text that is blank or a missing-value marker once trimmed (as ``tidy_column`` reads it)."""
    if not pa.types.is_string(column.type):
        return column.is_null()
    marker = pc.fill_null(pc.is_in(pc.utf8_trim(column, characters=SPACES), value_set=_MISSING), False)
    return pc.or_(column.is_null(), marker)


def _lines_of_text(table: pa.Table, no_value: list[pa.ChunkedArray] | None = None) -> pa.ChunkedArray | None:
    """Rows with one value, in a table of three columns or more, where that value's column is otherwise empty (at
    most a tenth of its rows filled) or holds values of another shape ('Page 2 of 3' among SKUs '019610'): a page
    title or a section heading inside a report, not a row (``no_value``: each column's cells without a value)."""
    if table.num_columns < 3 or table.num_rows < _MIN_ROWS_AROUND_TEXT:
        return None
    masks = no_value if no_value is not None else [_has_no_value(column) for column in table.columns]

    def filled(mask: pa.ChunkedArray) -> np.ndarray:  # one column at a time: never a rows-by-columns copy
        return ~np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool)

    n_values = np.zeros(table.num_rows, dtype=np.int32)
    for mask in masks:
        n_values += filled(mask)
    alone = n_values == 1
    if not alone.any():
        return None
    stray = np.zeros(table.num_rows, dtype=bool)
    for position, mask in enumerate(masks):
        column_filled = filled(mask)
        here = column_filled & alone
        if not here.any():
            continue
        if column_filled.sum() > _SPARSE_SHARE * table.num_rows:
            here = np.asarray(_other_shape(table.column(position), pa.chunked_array([pa.array(here)])).to_numpy(
                zero_copy_only=False), dtype=bool)
        stray |= here
    return pa.chunked_array([pa.array(stray)])


def _other_shape(column: pa.ChunkedArray, candidates: pa.ChunkedArray) -> pa.ChunkedArray:
    """Those of the candidate cells whose shape differs from the one nearly all of the column's values have."""
    none = pc.and_(candidates, pa.scalar(False))
    if not pa.types.is_string(column.type):
        return none
    shapes = [value_shape(value) for value in column.drop_null().slice(0, _SHAPE_PROBE).to_pylist() if value.strip()]
    common, count = Counter(shapes).most_common(1)[0] if shapes else ("", 0)
    if count < _SHAPE_SHARE * len(shapes):
        return none
    rows = np.flatnonzero(candidates.to_numpy(zero_copy_only=False))
    other = np.zeros(len(column), dtype=bool)
    other[rows] = [value_shape(value or "") != common for value in column.take(pa.array(rows)).to_pylist()]
    return pa.chunked_array([pa.array(other)])


_SHAPE_PROBE = 1000
_SHAPE_SHARE = 0.8  # of the column's values with the one shape (a report repeats its page lines)
_MIN_ROWS_AROUND_TEXT = 5
_SPARSE_SHARE = 0.1


def _header_copies(table: pa.Table, header: tuple[str, ...]) -> pa.ChunkedArray | None:
    """Rows whose every cell is the header's name for its column, spaces aside, and empty under a column with no
    name (a file pasted under another, a report's header repeated on each page)."""
    if not header or len(header) != table.num_columns or not any(name.strip() for name in header):
        return None
    mask = None
    for column, name in zip(table.columns, header, strict=True):
        if not name.strip():
            same = _has_no_value(column)
        elif pa.types.is_string(column.type):
            same = pc.fill_null(pc.equal(pc.utf8_trim(column, characters=SPACES), name.strip(SPACES)), False)
        else:
            return None  # a column of numbers or dates holds no name
        mask = same if mask is None else pc.and_(mask, same)
    return mask


def _rows(mask: pa.ChunkedArray) -> str:
    return row_numbers(np.flatnonzero(mask.to_numpy(zero_copy_only=False)))


def _all_columns(table: pa.Table, test: Callable[[pa.ChunkedArray], Any]) -> pa.ChunkedArray | None:
    mask = None
    for column in table.columns:
        result = test(column)
        mask = result if mask is None else pc.and_(mask, result)
    return mask


def retype(table: pa.Table, positions: list[int] | None = None, *, decimal: str = ".",
           codes: tuple[int, ...] = ()) -> pa.Table:
    """Text columns that hold only numbers (or booleans, dates) once stray header or footer rows are gone take that
    type."""
    for position in range(table.num_columns) if positions is None else positions:
        if position in codes:
            continue  # digit codes kept as text ('0042')
        column = table.column(position)
        if not pa.types.is_string(column.type):
            continue
        typed = as_parsed_type(column, decimal=decimal)
        if typed is not None:
            table = table.set_column(position, table.column_names[position], typed)
    return table
