"""A test of every cell of a text column, made once per distinct value.

Reading a large table runs several searches over each text column (spreadsheet errors, missing-value markers,
padding, totals). Categories repeat: a million rows of a column with 50 labels hold 50 values to search, not a
million. ``cell_matches`` searches the distinct values and marks the cells that hold a match; a column whose values
are mostly distinct in its first rows (identifiers, free text) is searched cell by cell, as before.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["cell_matches"]

_REPEATED = 2  # a column is searched by its distinct values when each repeats this many times on average ...
_FIRST_ROWS = 10_000  # ... in its first rows (an identifier's million values are not hashed first, to no use)


def cell_matches(column: pa.ChunkedArray, test: Callable[[pa.Array | pa.ChunkedArray], pa.Array | pa.ChunkedArray],
                 ) -> pa.ChunkedArray:
    """Where ``test`` (a boolean per value; missing counts as false) holds, for every cell of ``column``."""
    first = column.slice(0, _FIRST_ROWS)
    if len(pc.unique(first)) * _REPEATED > len(first):
        return _chunked(pc.fill_null(test(column), False))
    distinct = pc.unique(column)
    hits = distinct.filter(pc.fill_null(test(distinct), False))
    if len(hits) == 0:
        return pa.chunked_array([pa.array(np.zeros(len(column), dtype=bool))], type=pa.bool_())
    return _chunked(pc.fill_null(pc.is_in(column, value_set=hits), False))


def _chunked(mask: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray:
    return mask if isinstance(mask, pa.ChunkedArray) else pa.chunked_array([mask], type=pa.bool_())
