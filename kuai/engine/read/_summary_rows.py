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
from collections import Counter
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kuai.engine.read._footer import TOTAL_ALTERNATIVES
from kuai.engine.read._matches import cell_matches
from kuai.engine.read._rows import SUM_ROUNDING, retype

_TOTAL_IN_LABEL = re.compile(rf"(?:^|[\W_])(?:{TOTAL_ALTERNATIVES})(?:[\W_]|$)", re.I)
MAX_STATISTICS = 4  # rows of statistics under a table
MIN_ROWS = 5  # rows above, for statistics to mean something
_TOTAL_WORD = rf"{TOTAL_ALTERNATIVES}"  # a cheap search, confirmed on the label by _TOTAL_IN_LABEL


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
    kept = np.ones(table.num_rows, dtype=bool)
    kept[sorted(dropped)] = False
    table = table.filter(pa.array(kept))
    return retype(table, [i for i, name in enumerate(table.column_names) if name not in keep_text]), notes


def _numeric_columns(table: pa.Table) -> list[int]:
    return [i for i, column in enumerate(table.columns)
            if pa.types.is_integer(column.type) or pa.types.is_floating(column.type)]


def _values(table: pa.Table, position: int) -> np.ndarray:
    """One numeric column as floats (NaN where missing, and where not finite): one column at a time, never a copy of
    the table."""
    values = np.asarray(table.column(position).to_numpy(zero_copy_only=False), dtype=float)
    return np.where(np.isfinite(values), values, np.nan)


def _total_labels(table: pa.Table) -> dict[int, str]:
    """The rows whose first text value names a total, and that value. The text columns are searched by pyarrow;
    only the rows found are read in Python."""
    texts = [column for column in table.columns if pa.types.is_string(column.type)]
    hits = None
    for column in texts:
        found = cell_matches(column, lambda values: pc.match_substring_regex(values, pattern=_TOTAL_WORD,
                                                                              ignore_case=True))
        hits = found if hits is None else pc.or_(hits, found)
    if hits is None or not pc.any(hits).as_py():
        return {}
    labels = {}
    for row in np.flatnonzero(np.asarray(hits.to_numpy(zero_copy_only=False), dtype=bool)):
        label = next((str(value).strip() for column in texts if (value := column[int(row)].as_py()) is not None
                      and str(value).strip()), "")
        if _TOTAL_IN_LABEL.search(label):
            labels[int(row)] = label
    return labels


def _close(values: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Where each value is its target as a report rounds it (never 0, never against a target that is not finite)."""
    within = np.abs(values - targets) <= SUM_ROUNDING * np.abs(targets) + 1e-9
    close: np.ndarray = np.isfinite(targets) & (values != 0) & within
    return close


def _subtotal_rows(table: pa.Table, numbers: list[int]) -> dict[int, str]:
    """Rows whose label names a total and whose numbers (most of them, one at least) are the sum of their group or of
    every row above that is not a total."""
    labels = _total_labels(table)
    if not labels or len(labels) * 2 > table.num_rows:
        return {}
    rows = sorted(labels)
    starts = [0] + [row + 1 for row in rows[:-1]]
    tried, matched = np.zeros(len(rows), dtype=int), np.zeros(len(rows), dtype=int)
    for position in numbers:
        values = _values(table, position)
        data = values.copy()
        data[rows] = 0.0  # a total is not summed into the next one
        above = np.concatenate([[0.0], np.nancumsum(data)])  # above[r]: the sum of the rows before r
        for k, (row, start) in enumerate(zip(rows, starts, strict=True)):
            if np.isnan(values[row]):
                continue
            tried[k] += 1
            sums = np.array([above[row] - above[start], above[row]])
            matched[k] += bool(_close(np.full(2, values[row]), sums).any())
    summing = {row for k, row in enumerate(rows) if matched[k] and matched[k] * 2 >= tried[k]}
    # a label is a total's when most of its rows hold sums: a category 'Total' on a quarter of a large table matched
    # a group of one row or two small counts by chance on thousands of its rows (a blind test), none of them sums
    named, summed = Counter(labels.values()), Counter(labels[row] for row in summing)
    return {row: labels[row] for row in sorted(summing) if summed[labels[row]] * 2 >= named[labels[row]]}


_STATISTICS: dict[str, Callable[[np.ndarray], float]] = {
    "sums": lambda v: float(np.nansum(v)),
    "means": lambda v: float(np.nanmean(v)),
    "standard deviations": lambda v: float(np.nanstd(v, ddof=1)),
    "standard deviations (n)": lambda v: float(np.nanstd(v)),
    "relative standard deviations": lambda v: float(100 * np.nanstd(v, ddof=1) / np.nanmean(v)),
    "relative standard deviations (n)": lambda v: float(100 * np.nanstd(v) / np.nanmean(v)),
}


def _statistic_rows(table: pa.Table, numbers: list[int], skipped: set[int]) -> dict[int, str]:
    """The last rows (up to four) each of whose numbers, two at least (or the one of a table of one numeric
    column, in a row that says it is a statistic), are one statistic of the rows above them.
    Column by column: the kinds a row can still be narrow down, and most tables are ruled out by their first
    columns."""
    rows = [r for r in range(table.num_rows) if r not in skipped]
    for count in range(min(MAX_STATISTICS, len(rows) - MIN_ROWS), 0, -1):
        tail = rows[-count:]
        body = np.zeros(table.num_rows, dtype=bool)
        body[rows[:-count]] = True
        kinds = {row: set(_STATISTICS) for row in tail}
        cells = dict.fromkeys(tail, 0)
        for position in numbers:
            values = _values(table, position)
            above = values[body]
            if np.sum(~np.isnan(above)) < 2:
                if any(not np.isnan(values[row]) for row in tail):
                    kinds = {}
                    break
                continue
            for row in tail:
                if np.isnan(values[row]):
                    continue
                cells[row] += 1
                kinds[row] = {kind for kind in kinds[row]
                              if _close(np.array([values[row]]), np.array([_STATISTICS[kind](above)]))[0]}
            if not all(kinds.get(row) for row in tail):
                kinds = {}
                break
        if kinds and all(cells[row] >= 2 or (len(numbers) == 1 and cells[row] == 1
                                                  and _says_statistic(table, row, numbers)) for row in tail):
            return {row: sorted(kinds[row], key=list(_STATISTICS).index)[0].replace(" (n)", "") for row in tail}
    return {}


_STATISTIC_WORD = re.compile(r"(?:^|[\W_])(?:mean|average|avg|sd|s\.d\.|std|st\.?\s?dev\.?|std\.?\s?dev\.?|rsd|"
                             r"rel\.?\s?std\.?\s?dev\.?|cv|median|mittelwert|durchschnitt|moyenne|promedio|media|平均|"
                             rf"{TOTAL_ALTERNATIVES})(?:[\W_]|$)", re.I)  # the total words are the footer's


def _says_statistic(table: pa.Table, row: int, numbers: list[int]) -> bool:
    """A row with one number is a statistic only when it says so ('Mean', 'SD') or holds nothing else: one number
    of a data row can equal the mean of the others by chance (a contract's 30 months, the mean of 28, 38, 15, ...;
    a blind test lost that row)."""
    texts = [table.column(i)[row].as_py() for i in range(table.num_columns) if i not in numbers]
    written = [str(v).strip() for v in texts if v is not None and str(v).strip()]
    return not written or any(len(v) <= _LABEL_CHARS and _STATISTIC_WORD.match(v) for v in written)


_LABEL_CHARS = 30  # a label that begins with the statistic ('Mean', 'Rel.Std.Dev'), not 'Social Media' or a
# sentence that holds 'total fee'
