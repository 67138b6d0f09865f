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


def test_a_preprocessing_learns_from_a_sample_and_encodes_in_blocks_what_it_encodes_at_once(
        mixed_frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    from kuai.engine import build_input_schema, build_task_spec, profile_dataset
    from kuai.engine.models import preprocessing
    from kuai.engine.models.preprocessing import build_preprocessor, encode_rows, fit_and_encode

    spec = build_task_spec(mixed_frame, profile_dataset(mixed_frame).columns, target="outcome")
    schema = build_input_schema(mixed_frame, spec)
    X = to_model_frame(mixed_frame, schema)
    rows = np.arange(1, len(X), 2)
    whole = build_preprocessor(schema, encoding="onehot", scale=True)
    expected = np.asarray(whole.fit_transform(X.iloc[rows]), np.float32)
    monkeypatch.setattr(preprocessing, "BLOCK_ROWS", 7)  # 200 rows in 29 blocks, the last one short
    blocked = build_preprocessor(schema, encoding="onehot", scale=True)
    np.testing.assert_array_equal(fit_and_encode(blocked, X, rows), expected)  # all rows fitted: the same
    np.testing.assert_array_equal(encode_rows(whole, X, np.arange(len(X))), whole.transform(X).astype(np.float32))
    monkeypatch.setattr(preprocessing, "FIT_ROWS", 50)  # more rows than that: learnt from a seeded sample of 50
    sampled = build_preprocessor(schema, encoding="onehot", scale=True)
    encoded = fit_and_encode(sampled, X, rows, seed=3)
    sample = np.sort(np.random.default_rng(3).choice(rows, 50, replace=False))
    reference = build_preprocessor(schema, encoding="onehot", scale=True).fit(X.iloc[sample])
    np.testing.assert_array_equal(encoded, reference.transform(X.iloc[rows]).astype(np.float32))
    assert not np.allclose(encoded, expected)  # the sample's scales differ from every row's


def test_text_columns_learn_their_words_from_every_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """Their words were chosen on the whole table: a sample may miss them (and fail every trial)."""
    import numpy as np

    from kuai.engine import build_input_schema, build_task_spec, profile_dataset
    from kuai.engine.models import preprocessing
    from kuai.engine.models.preprocessing import build_preprocessor, fit_and_encode

    rng = np.random.default_rng(0)
    words = np.array("the pump failed after a long run with noise heat and vibration near bearing seal".split())
    frame = pd.DataFrame({"amount": rng.normal(size=300), "note": [" ".join(rng.choice(words, 9)) for _ in range(300)],
                          "outcome": rng.choice(["yes", "no"], 300)})
    spec = build_task_spec(frame, profile_dataset(frame).columns, target="outcome")
    schema = build_input_schema(frame, spec)
    assert any(c.is_text for c in schema)
    X = to_model_frame(frame, schema)
    monkeypatch.setattr(preprocessing, "FIT_ROWS", 20)
    encoded = fit_and_encode(build_preprocessor(schema, encoding="ordinal", scale=True, grams=1.0), X, seed=1)
    every = build_preprocessor(schema, encoding="ordinal", scale=True, grams=1.0).fit(X)
    np.testing.assert_array_equal(encoded, np.asarray(every.transform(X), np.float32))


def test_encoding_a_large_fold_needs_little_beside_its_matrix() -> None:
    """The imputer's masked sort and each step's float64 output, over every row at once, took several times the
    matrix itself (a million rows: docs/search.md)."""
    import tracemalloc
    from collections.abc import Callable

    import numpy as np

    from kuai.engine.models.preprocessing import build_preprocessor, fit_and_encode

    rng = np.random.default_rng(0)
    n, width = 200_000, 40
    values = rng.normal(size=(n, width)).astype(np.float32)
    values[rng.random((n, width)) < 0.05] = np.nan
    X = pd.DataFrame(values, columns=[f"c{i:05d}" for i in range(width)])
    schema = tuple(InputColumn(name=f"x{i}", safe_name=f"c{i:05d}", type=ColumnType.NUMERIC,
                               model_inputs=(f"c{i:05d}",)) for i in range(width))
    def peak_of(encode: Callable[[], np.ndarray]) -> tuple[np.ndarray, int]:
        tracemalloc.start()
        try:
            matrix = encode()
            return matrix, tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    matrix, peak = peak_of(lambda: fit_and_encode(build_preprocessor(schema, encoding="ordinal", scale=False), X))
    at_once, peak_at_once = peak_of(lambda: np.asarray(
        build_preprocessor(schema, encoding="ordinal", scale=False).fit_transform(X), np.float32))
    assert matrix.shape == (n, width) and matrix.dtype == np.float32 and not np.isnan(matrix).any()
    assert peak < matrix.nbytes + 80 * 2**20  # the matrix, and what learning from a sample of 50,000 rows takes
    assert peak < peak_at_once / 2, (peak / 2**20, peak_at_once / 2**20)  # 64 MB against 176 MB when written
    assert np.abs(matrix - at_once).max() < 0.05  # medians of a sample: close to every row's


def test_the_model_frame_is_built_without_a_second_copy_of_its_columns() -> None:
    """Building the frame from its columns used to copy them all into one block: on a million rows of 50 columns
    the table's preparation rose 430 MB for a model frame of 270 MB, the training's peak (docs/search.md)."""
    import tracemalloc

    import numpy as np

    n, width = 200_000, 30
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({f"x{i}": rng.normal(size=n) for i in range(width)})
    schema = tuple(InputColumn(f"x{i}", f"x{i}", ColumnType.NUMERIC, (f"x{i}",)) for i in range(width))
    tracemalloc.start()
    try:
        X = to_model_frame(frame, schema)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    size = n * width * 4
    assert X.shape == (n, width) and all(X[c].dtype == np.float32 for c in X.columns)
    assert np.array_equal(X["x3"].to_numpy(), frame["x3"].to_numpy().astype(np.float32))
    assert peak < size + 8 * n * 2 + 2**20, (peak / 2**20, size / 2**20)  # the columns, and one column in float64
