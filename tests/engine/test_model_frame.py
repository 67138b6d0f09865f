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


@pytest.mark.parametrize("encoding", ["ordinal", "onehot"])
def test_shared_labels_encode_as_the_strings_do_without_a_string_a_row(mixed_frame: pd.DataFrame,
                                                                        encoding: str) -> None:
    import numpy as np

    from kuai.engine import build_input_schema, build_task_spec, profile_dataset
    from kuai.engine.models.preprocessing import build_preprocessor, shared_labels

    frame = mixed_frame.assign(member=np.where(np.arange(len(mixed_frame)) % 3 == 0, "yes", "no"))
    spec = build_task_spec(frame, profile_dataset(frame).columns, target="outcome")
    schema = build_input_schema(frame, spec)
    X = to_model_frame(frame, schema)
    shared = shared_labels(X, schema)
    coded = [c.safe_name for c in schema if c.is_string and not c.is_text]
    assert len(coded) >= 2 and all(isinstance(shared[name].dtype, pd.CategoricalDtype) for name in coded)
    values = np.asarray(shared[coded[0]], dtype=object)  # as an encoder reads it: one object per label
    assert len({id(v) for v in values}) == len(set(values)) < len(values)
    numeric = next(c.safe_name for c in schema if not c.is_string)
    assert np.shares_memory(shared[numeric].to_numpy(), X[numeric].to_numpy())  # not copied
    assert (shared[coded[0]].astype(str) == X[coded[0]]).all()
    rows = np.arange(0, len(X), 2)
    made = [build_preprocessor(schema, encoding=encoding, scale=False).fit(data.iloc[rows]) for data in (X, shared)]
    np.testing.assert_array_equal(made[0].transform(X), made[1].transform(shared))
    np.testing.assert_array_equal(made[1].transform(X), made[0].transform(shared))  # either fitted reads either
