"""Rows a report adds to its table: subtotals inside it and statistics under it.

- A subtotal row names a total in its label ('North Total', 'Total for Checking', 'Grand Total', 'Zwischensumme')
  and holds the sum of the rows above it: of its own group (since the previous subtotal) or of all the rows.
- Rows of statistics end the table: each of their numbers is the same statistic of the rows above (their mean,
  standard deviation, relative standard deviation in percent, or sum), as an instrument's software appends 'Mean',
  'SD' and 'Rel.Std.Dev' under a batch.

Both are dropped when reading to train, with a note; reading to score keeps every row.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import numpy as np
import pyarrow as pa

from kuai.engine.read._footer import TOTAL_ALTERNATIVES
from kuai.engine.read._rows import retype

_TOTAL_IN_LABEL = re.compile(rf"(?:^|[\W_])(?:{TOTAL_ALTERNATIVES})(?:[\W_]|$)", re.I)
ROUNDING = 0.005  # a sum or a statistic as a report rounds it
MAX_STATISTICS = 4  # rows of statistics under a table
MIN_ROWS = 5  # rows above, for statistics to mean something


def drop_summary_rows(table: pa.Table, keep_text: frozenset[str] = frozenset()) -> tuple[pa.Table, list[str]]:
    """The table without its subtotal rows and the rows of statistics at its end, and a note for each kind."""
    numbers = _numeric_columns(table)
    if not numbers or table.num_rows < MIN_ROWS + 1:
        return table, []
    notes = []
    with np.errstate(all="ignore"):  # infinities and empty columns match nothing
        subtotals = _subtotal_rows(table, numbers)
        statistics = _statistic_rows(table, numbers, set(subtotals))
    if subtotals:
        labels = ", ".join(f"'{label}'" for label in list(dict.fromkeys(subtotals.values()))[:3])
        notes.append(f"dropped {len(subtotals):,} subtotal row(s) ({labels}): each names a total and holds the sums "
                     "of the rows above it")
    if statistics:
        kinds = ", ".join(statistics.values())
        notes.append(f"dropped the last {len(statistics)} row(s), summary rows under the table: their numbers are the "
                     f"{kinds} of the rows above")
    dropped = set(subtotals) | set(statistics)
    if not dropped:
        return table, []
    table = table.filter(pa.array([i not in dropped for i in range(table.num_rows)]))
    return retype(table, [i for i, name in enumerate(table.column_names) if name not in keep_text]), notes


def _numeric_columns(table: pa.Table) -> list[int]:
    return [i for i, column in enumerate(table.columns)
            if pa.types.is_integer(column.type) or pa.types.is_floating(column.type)]


def _values(table: pa.Table, position: int) -> np.ndarray:
    return np.asarray(table.column(position).to_numpy(zero_copy_only=False), dtype=float)


def _label(table: pa.Table, row: int) -> str:
    """The row's first text value."""
    for column in table.columns:
        if pa.types.is_string(column.type) and column[row].is_valid and str(column[row].as_py()).strip():
            return str(column[row].as_py()).strip()
    return ""


def _close(value: float, target: float) -> bool:
    return bool(np.isfinite(target)) and value != 0 and math.isclose(value, target, rel_tol=ROUNDING, abs_tol=1e-9)


def _subtotal_rows(table: pa.Table, numbers: list[int]) -> dict[int, str]:
    """Rows whose label names a total and whose numbers (most of them, one at least) are the sum of their group or of
    every row above that is not a total."""
    labels = {row: label for row in range(table.num_rows) if _TOTAL_IN_LABEL.search(label := _label(table, row))}
    if not labels or len(labels) * 2 > table.num_rows:
        return {}
    columns = {position: _values(table, position) for position in numbers}
    found: dict[int, str] = {}
    start = 0
    for row in sorted(labels):
        data = [r for r in range(row) if r not in labels]
        group = [r for r in range(start, row) if r not in labels]
        matched = tried = 0
        for values in columns.values():
            if np.isnan(values[row]):
                continue
            tried += 1
            matched += any(_close(values[row], float(np.nansum(values[rows]))) for rows in (group, data) if rows)
        if matched and matched * 2 >= tried:
            found[row] = labels[row]
        start = row + 1
    return found


_STATISTICS: dict[str, Callable[[np.ndarray], float]] = {
    "sums": lambda v: float(np.sum(v)),
    "means": lambda v: float(np.mean(v)),
    "standard deviations": lambda v: float(np.std(v, ddof=1)),
    "standard deviations (n)": lambda v: float(np.std(v)),
    "relative standard deviations": lambda v: float(100 * np.std(v, ddof=1) / np.mean(v)) if np.mean(v) else math.nan,
    "relative standard deviations (n)": lambda v: float(100 * np.std(v) / np.mean(v)) if np.mean(v) else math.nan,
}


def _statistic_rows(table: pa.Table, numbers: list[int], skipped: set[int]) -> dict[int, str]:
    """The last rows (up to four) each of whose numbers, two at least, are one statistic of the rows above them."""
    columns = {position: _values(table, position) for position in numbers}
    rows = [r for r in range(table.num_rows) if r not in skipped]
    for count in range(min(MAX_STATISTICS, len(rows) - MIN_ROWS), 0, -1):
        body, tail = rows[:-count], rows[-count:]
        kinds = {row: _statistic_of(row, body, columns) for row in tail}
        if all(kinds.values()):
            return {row: kind for row, kind in kinds.items() if kind}
    return {}


def _statistic_of(row: int, body: list[int], columns: dict[int, np.ndarray]) -> str:
    cells = {position: values[row] for position, values in columns.items() if not np.isnan(values[row])}
    if len(cells) < min(2, len(columns)):
        return ""
    above = {position: columns[position][body] for position in cells}
    above = {position: values[np.isfinite(values)] for position, values in above.items()}
    if any(len(values) < 2 for values in above.values()):
        return ""
    for kind, statistic in _STATISTICS.items():
        if all(_close(value, statistic(above[position])) for position, value in cells.items()):
            return kind.replace(" (n)", "")
    return ""
