"""The header: whether the first row names the columns, how many rows the names take, and one name per column.

A header can take several rows: a group row above the names (``,Sensor A,,Sensor B`` over ``time,X,Y,X,Y``), a
government table's merged cells (``Region,Population,,Households,`` over ``,2010,2020,2010,2020``), or a survey tool's
description rows under the names (Qualtrics). A row under the first belongs to the header when it holds text where
the data below hold numbers, or when it continues a merged cell (blank under a name, filled under a blank, where the
data are never blank). Group rows are joined into the names ('Population 2010'); under a first row that names every
column once, the other rows describe the columns and are left out of the names.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from kuai.engine.read._values import NUMBER, is_missing, is_number, is_text, numeric_columns

MAX_HEADER_ROWS = 6
_BELOW = 50  # rows under a candidate header row that decide what the data look like
_MIN_BELOW = 3  # rows needed under a merged-cell row to tell it from a data row with a missing value
_CODE_SHARE = 0.8  # a column of codes: this share of its values below have one shape


@dataclass(frozen=True)
class Header:
    """The rows the header takes and the names they give."""

    rows: int = 0  # records (0: the first row is data)
    names: tuple[str, ...] = ()
    joined: bool = False  # names joined from group rows above the last header row
    described: int = 0  # rows under a complete first row, read as descriptions of the columns


def count_header_rows(body: list[list[str]], width: int, rows: int | None = None) -> int:
    """The rows the header takes among a table's records (``rows``: as the user said; None: found here)."""
    if not body or rows == 0:
        return 0
    if rows is not None:
        return min(rows, len(body))
    if not has_header(body, width):
        return 0
    rows = 1
    while rows < min(MAX_HEADER_ROWS, len(body) - 1) and _continues_header(body, rows, width):
        rows += 1
    return rows


def _continues_header(body: list[list[str]], position: int, width: int) -> bool:
    """Whether the row at ``position`` belongs to the header above it."""
    row, below = body[position], body[position + 1:position + 1 + _BELOW]
    if not any(is_text(cell) for cell in row) and all(cell.strip() for cell in row[:width]):
        return False  # numbers (or markers) in every cell: a row of data, decided without the columns below
    if _shaped_like_codes_below(row, below):
        return False
    numeric = _numeric_below(below, width, MAX_HEADER_ROWS - position - 1)
    cells = {i: row[i] if i < len(row) else "" for i in numeric}
    text_over_numbers = any(map(is_text, cells.values())) and not any(map(is_number, cells.values()))
    return (text_over_numbers or _continues_merged_cells(body[position - 1], row, below, width)
            or _names_the_unnamed(body[:position], row, below, width))


def _names_the_unnamed(above: list[list[str]], row: list[str], below: list[list[str]], width: int) -> bool:
    """Text in the columns the header rows above left without a name, and blank under every name they gave,
    where the data below are never blank: the header's last row, naming the first columns ('Region;Date;;;' under
    ';;Population;;' and ';;Total;Male;Female', as a statistics office's export lays it out)."""
    cells = [row[i].strip() if i < len(row) else "" for i in range(width)]
    unnamed = {i for i in range(width) if not any(i < len(upper) and upper[i].strip() for upper in above)}
    filled = {i for i, cell in enumerate(cells) if cell}
    if not filled or not unnamed or filled != unnamed or not all(is_text(cells[i]) for i in filled) \
            or len(below) < _MIN_BELOW:
        return False
    named = [i for i in range(width) if i not in unnamed]
    rows = [data for data in below if sum(bool(value.strip()) for value in data) > 1]  # not a note or a title
    return all(i < len(data) and data[i].strip() for data in rows for i in named)


def value_shape(value: str) -> str:
    """'A-104' -> 'A-9', 'P0012' -> 'A9', '2024-03-01' -> '9-9-9': letters and digits as runs."""
    return re.sub(r"\d+", "9", re.sub(r"[^\W\d_]+", "A", value.strip()))


def _shaped_like_codes_below(row: list[str], below: list[list[str]]) -> bool:
    """A value shaped like the codes of its column below ('S1' over 'S2', 'S3'; a date over dates): a row of data,
    even with text where the data hold numbers ('S1,<LOD,<LOD' over 'S2,1.5,0.3')."""
    for position, value in enumerate(row):
        shapes = [value_shape(data[position]) for data in below if position < len(data) and data[position].strip()]
        if len(shapes) < _MIN_BELOW or not value.strip():
            continue
        common, count = Counter(shapes).most_common(1)[0]
        is_code = "9" in common and common != "9"  # digits with letters or marks: 'A-9', '9-9-9' (not numbers)
        if is_code and count >= _CODE_SHARE * len(shapes) and value_shape(value) == common:
            return True
    return False


def _numeric_below(below: list[list[str]], width: int, header_rows_left: int) -> set[int]:
    """The columns of numbers under a candidate header row, judged past the rows that may still be header rows:
    a column is numbers when the rows below it are, after some of the first of them."""
    rows = [row for row in below if sum(bool(value.strip()) for value in row) > 1]  # not a note or a title
    numeric: set[int] = set()
    for skipped in range(max(0, min(header_rows_left, len(rows) - _MIN_BELOW)) + 1):
        numeric.update(numeric_columns(rows[skipped:], width))
    return numeric


def _continues_merged_cells(upper: list[str], row: list[str], below: list[list[str]], width: int) -> bool:
    """Blank under a name of the row above (a name merged downwards), filled under a blank of it (a merged group
    split into columns), and blank only where the data below always have a value."""
    if len(below) < _MIN_BELOW:
        return False
    cells = [(upper[i].strip() if i < len(upper) else "", row[i].strip() if i < len(row) else "") for i in range(width)]
    spans_down = [i for i, (top, cell) in enumerate(cells) if top and not cell]
    if not spans_down or not any(_splits_a_group(cells, i) for i in range(width)):
        return False
    return all(all(i < len(data) and not is_missing(data[i]) for data in below) for i in spans_down)


def _splits_a_group(cells: list[tuple[str, str]], position: int) -> bool:
    """Filled under a blank of the row above, as is the first column of the group the blank belongs to (a merged
    cell 'Population' over '2010', '2020'; not a blank name over a value)."""
    top, cell = cells[position]
    if top or not cell:
        return False
    start = position
    while start > 0 and not cells[start][0]:
        start -= 1
    return bool(cells[start][0]) and bool(cells[start][1])


def named_header(rows: list[list[str]], width: int) -> Header:
    """One name per column: the first row's names when it names every column once (the rows under it describe the
    columns), else the rows joined from the top, a blank cell of an upper row taking the name to its left."""
    if not rows:
        return Header()
    padded = [[*row[:width], *[""] * (width - len(row))] for row in rows]
    first = [cell.strip() for cell in padded[0]]
    if len(rows) == 1 or (all(first) and len(set(first)) == len(first)):
        return Header(rows=len(rows), names=tuple(padded[0]), described=len(rows) - 1)
    filled = [_filled_rightwards(row) for row in padded[:-1]] + [[cell.strip() for cell in padded[-1]]]
    names = []
    for position in range(width):
        parts: list[str] = []
        for row in filled:
            if row[position] and (not parts or parts[-1] != row[position]):
                parts.append(row[position])
        names.append(" ".join(parts))
    return Header(rows=len(rows), names=tuple(names), joined=True)


def _filled_rightwards(row: list[str]) -> list[str]:
    """A merged cell as a spreadsheet exports it: its value in the first cell, blanks after it. The last group spans
    no more columns than the widest group of several columns before it (a column after it is not in it)."""
    starts = [i for i, cell in enumerate(row) if cell.strip()]
    spans = [span for start, later in zip(starts, starts[1:], strict=False) if (span := later - start) > 1]
    filled = [cell.strip() for cell in row]
    for position, start in enumerate(starts):
        end = starts[position + 1] if position + 1 < len(starts) else (
            min(len(row), start + max(spans)) if spans else len(row))
        filled[start:end] = [filled[start]] * (end - start)
    return filled


def has_header(rows: list[list[str]], width: int) -> bool:
    """A header unless the first row looks like the rows under it (numbers where they hold numbers)."""
    if len(rows) < 2:
        return True
    first = rows[0]
    rest = [row for row in rows[1:51] if row != first]  # a header may be repeated inside the data
    if not rest:
        return True
    if any(not value.strip() and _has_values(rest, position) for position, value in enumerate(first)):
        return True  # data rows may have gaps, but a row of names with a gap is still a header
    if _numbered_names(first) or _year_names(first, rest):
        return True
    votes = 0
    for position, value in enumerate(first[:width]):
        column = [row[position] for row in rest if position < len(row) and row[position].strip()]
        if not column:
            continue
        numeric_share = sum(bool(NUMBER.match(v.strip())) for v in column) / len(column)
        if numeric_share >= 0.9:
            votes += 1 if not NUMBER.match(value.strip()) else -1
        elif NUMBER.match(value.strip()):
            votes += 1  # a number atop a text column: unusual for data
    if votes:
        return votes > 0
    return _header_by_length(first, rest)


def _has_values(rows: list[list[str]], position: int) -> bool:
    """Whether the column holds a value in some of the rows (a column blank in every row says nothing)."""
    return any(position < len(row) and row[position].strip() for row in rows)


def _numbered_names(first: list[str]) -> bool:
    """Columns named 0, 1, 2, … (or 1, 2, 3, …) in order, as a program writes unnamed columns: a header."""
    numbers = [value.strip() for value in first if value.strip().isdecimal()]
    if len(numbers) < 3 or len(numbers) < 0.5 * len(first):
        return False
    start = int(numbers[0])
    return start in (0, 1) and [int(v) for v in numbers] == list(range(start, start + len(numbers)))


_YEARS = range(1800, 2101)


def _year_names(first: list[str], rest: list[list[str]]) -> bool:
    """Columns named by years in order ('country,2019,2020,2021', as statistics offices export them), over values
    that are not years: a header."""
    years = [(i, int(v.strip())) for i, v in enumerate(first) if v.strip().isdecimal() and int(v.strip()) in _YEARS]
    if len(years) < 2 or [y for _, y in years] != sorted({y for _, y in years}):
        return False
    below = [row[i].strip() for row in rest for i, _ in years if i < len(row) and row[i].strip()]
    return bool(below) and not all(v.isdecimal() and int(v) in _YEARS for v in below)


def _header_by_length(first: list[str], rest: list[list[str]]) -> bool:
    """All-text tables: a header row has no repeats of its values in the column below."""
    for position, value in enumerate(first):
        below = {row[position].strip() for row in rest if position < len(row)}
        if value.strip() and value.strip() in below:
            return False
    return True
