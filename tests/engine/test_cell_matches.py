"""A search over a text column's distinct values marks the same cells as a search over every cell."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from kuai.engine.read._matches import cell_matches


def _errors(values):  # type: ignore[no-untyped-def]
    return pc.match_substring_regex(values, pattern=r"^#[A-Z]+!$")


@pytest.mark.parametrize("distinct", [3, 40, 5_000])  # categories, many labels, an identifier (every value new)
def test_each_cell_is_marked_as_a_search_of_every_cell_would(distinct: int) -> None:
    rng = np.random.default_rng(0)
    labels = np.array([f"v{i}" for i in range(distinct)] + ["#DIV!", "#REF!"], dtype=object)
    cells = labels[rng.integers(0, len(labels), 5_000)]
    cells[rng.random(5_000) < 0.1] = None  # missing cells are never a match
    column = pa.chunked_array([pa.array(cells[:2_000], pa.string()), pa.array(cells[2_000:], pa.string())])
    found = cell_matches(column, _errors)
    expected = pc.fill_null(_errors(column), False)
    assert isinstance(found, pa.ChunkedArray) and len(found) == len(column) and found.null_count == 0
    assert found.to_pylist() == expected.to_pylist() and pc.any(found).as_py()
    nothing = cell_matches(column, lambda values: pc.equal(values, "absent"))
    assert len(nothing) == len(column) and not pc.any(nothing).as_py()
