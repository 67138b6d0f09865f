"""Rows a report adds to its table: subtotals inside it and statistics under it.

- A subtotal row names a total in its label ('North Total', 'Total for Checking', 'Grand Total', 'Zwischensumme')
  and holds the sum of the rows above it: of its own group (since the previous subtotal) or of all the rows.
- Rows of statistics end the table: each of their numbers is the same statistic of the rows above (their mean,
  standard deviation, relative standard deviation in percent, or sum), as an instrument's software appends 'Mean',
  'SD' and 'Rel.Std.Dev' under a batch.

Both are dropped when reading to train, with a note; reading to score keeps every row.
"""

from __future__ import annotations

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
_FIRST_COLUMNS = 20


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


def _labels(table: pa.Table) -> list[str]:
    """Each row's first text value ('' when none)."""
    labels = [""] * table.num_rows
    for column in table.columns:
        if not pa.types.is_string(column.type):
            continue
        for row, value in enumerate(column.to_pylist()):
            if not labels[row] and value is not None and value.strip():
                labels[row] = value.strip()
        if all(labels):
            break
    return labels


def _matrix(table: pa.Table, numbers: list[int]) -> np.ndarray:
    """The numeric columns as one array of rows by columns (NaN where missing)."""
    return np.column_stack([np.asarray(table.column(i).to_numpy(zero_copy_only=False), dtype=float) for i in numbers])


def _close(values: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Where each value is its target as a report rounds it (never 0, never against a target that is not finite)."""
    close: np.ndarray = np.isfinite(targets) & (values != 0) & (np.abs(values - targets) <= ROUNDING * np.abs(targets)
                                                                 + 1e-9)
    return close


def _subtotal_rows(table: pa.Table, numbers: list[int]) -> dict[int, str]:
    """Rows whose label names a total and whose numbers (most of them, one at least) are the sum of their group or of
    every row above that is not a total."""
    labels = {row: label for row, label in enumerate(_labels(table)) if _TOTAL_IN_LABEL.search(label)}
    if not labels or len(labels) * 2 > table.num_rows:
        return {}
    matrix = _matrix(table, numbers)
    found: dict[int, str] = {}
    start = 0
    for row in sorted(labels):
        data = [r for r in range(row) if r not in labels]
        group = [r for r in range(start, row) if r not in labels]
        present = ~np.isnan(matrix[row])
        matched = np.zeros(len(numbers), dtype=bool)
        for rows in (group, data):
            if rows:
                matched |= _close(matrix[row], np.nansum(matrix[rows], axis=0))
        tried, hits = int(present.sum()), int((matched & present).sum())
        if hits and hits * 2 >= tried:
            found[row] = labels[row]
        start = row + 1
    return found


_STATISTICS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sums": lambda m: np.nansum(m, axis=0),
    "means": lambda m: np.nanmean(m, axis=0),
    "standard deviations": lambda m: np.nanstd(m, axis=0, ddof=1),
    "standard deviations (n)": lambda m: np.nanstd(m, axis=0),
    "relative standard deviations": lambda m: 100 * np.nanstd(m, axis=0, ddof=1) / np.nanmean(m, axis=0),
    "relative standard deviations (n)": lambda m: 100 * np.nanstd(m, axis=0) / np.nanmean(m, axis=0),
}


def _statistic_rows(table: pa.Table, numbers: list[int], skipped: set[int]) -> dict[int, str]:
    """The last rows (up to four) each of whose numbers, two at least, are one statistic of the rows above them
    (judged on the first columns first: on a wide table, most rows are ruled out there)."""
    if len(numbers) > _FIRST_COLUMNS and not _statistic_rows(table, numbers[:_FIRST_COLUMNS], skipped):
        return {}
    matrix = _matrix(table, numbers)
    rows = [r for r in range(table.num_rows) if r not in skipped]
    for count in range(min(MAX_STATISTICS, len(rows) - MIN_ROWS), 0, -1):
        body, tail = matrix[rows[:-count]], rows[-count:]
        body = np.where(np.isfinite(body), body, np.nan)
        enough = np.sum(~np.isnan(body), axis=0) >= 2
        kinds = {row: _statistic_of(matrix[row], body, enough) for row in tail}
        if all(kinds.values()):
            return kinds
    return {}


def _statistic_of(values: np.ndarray, body: np.ndarray, enough: np.ndarray) -> str:
    cells = ~np.isnan(values)
    if cells.sum() < min(2, len(values)) or not np.all(enough[cells]):
        return ""
    for kind, statistic in _STATISTICS.items():
        if np.all(_close(values[cells], statistic(body[:, cells]))):
            return kind.replace(" (n)", "")
    return ""
