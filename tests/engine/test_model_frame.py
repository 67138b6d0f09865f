"""The model frame from uploaded data: a clear, coded error for missing columns."""

from __future__ import annotations

import pandas as pd
import pytest

from kuai.engine import ColumnType, InputColumn, SchemaError, to_model_frame


def test_missing_columns_are_counted_and_the_first_ten_named() -> None:
    schema = tuple(InputColumn(f"c{i}", f"c{i}", ColumnType.NUMERIC, (f"c{i}",)) for i in range(12))
    with pytest.raises(SchemaError) as caught:
        to_model_frame(pd.DataFrame({"c0": [1.0]}), schema)
    message = str(caught.value)
    assert caught.value.code == "MISSING_COLUMNS"
    assert "lacks 11 column(s)" in message and "'c10'" in message and "'c11'" not in message
    assert "and 1 more." in message
