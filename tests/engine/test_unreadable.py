"""engine.unreadable_values: what the model frame could not read, counted against the raw column."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine import ColumnType, InputColumn, to_model_frame, unreadable_values

SCHEMA = (InputColumn("amount", "c00000", ColumnType.NUMERIC, ("c00000",)),
          InputColumn("visited", "c00001", ColumnType.DATETIME,
                      tuple(f"c00001__{p}" for p in ("year", "month", "day", "day_of_week", "hour"))),
          InputColumn("colour", "c00002", ColumnType.CATEGORICAL, ("c00002",), ("red",)))


def test_values_present_but_not_read_are_counted_per_column() -> None:
    frame = pd.DataFrame({"amount": [1.5, np.inf, -np.inf, np.nan, 3.0],  # real infinities, not text
                          "visited": ["2024-01-02", "soon", "n/a", "", None],
                          "colour": ["red", "green", "", None, "blue"]})
    found = {entry.column: entry for entry in unreadable_values(frame, SCHEMA, to_model_frame(frame, SCHEMA))}
    assert set(found) == {"amount", "visited"}  # categories are never unreadable (unseen ones are another note)
    assert found["amount"].n_rows == 2 and found["amount"].examples == ("inf", "-inf")
    assert found["visited"].n_rows == 1 and found["visited"].examples == ("soon",)  # 'n/a', '' and None: missing


def test_typed_columns_and_numbers_written_as_text_are_read() -> None:
    frame = pd.DataFrame({"amount": ["1,200", "35 kg", "7"],
                          "visited": pd.to_datetime(["2024-01-02", None, "2023-05-06"]), "colour": "red"})
    assert unreadable_values(frame, SCHEMA, to_model_frame(frame, SCHEMA)) == ()
