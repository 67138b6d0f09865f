"""The data fingerprint a resume checks (``kuai.engine.data.fingerprint``): numbers hashed a run of columns at a time
give the fingerprint they gave one column at a time, and still change with any value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kuai.engine.data.fingerprint as fingerprint
from kuai.engine.types import ColumnType, TaskSpec, TaskType


def _table() -> tuple[pd.DataFrame, TaskSpec]:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "a": rng.normal(size=40), "b": rng.integers(0, 5, 40), "c": rng.integers(0, 5, 40), "d": rng.normal(size=40),
        "e": rng.normal(size=40), "s": ["x", "y"] * 20, "t": pd.array([1, None] * 20, dtype="Int64"),
        "u": rng.random(40) > 0.5, "u2": rng.random(40) > 0.5, "v": rng.normal(size=40).astype("float32"),
        "v2": rng.normal(size=40).astype("float32"), "w": rng.normal(size=40)})
    frame.loc[3, "d"] = np.nan
    frame.loc[5, "v"] = -0.0
    features = ("a", "b", "c", "d", "e", "s", "t", "u", "u2", "v", "v2")
    spec = TaskSpec(target="w", task=TaskType.REGRESSION, metric="rmse", features=features,
                    feature_types=dict.fromkeys(features, ColumnType.NUMERIC))
    return frame, spec


def test_columns_hashed_together_give_the_fingerprint_they_gave_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    frame, spec = _table()
    assert [len(b) for b in fingerprint._batches(frame, [*spec.features, spec.target])] == [1, 2, 2, 1, 1, 2, 2, 1]
    together = fingerprint.data_fingerprint(frame, spec)
    monkeypatch.setattr(fingerprint, "BATCH_VALUES", 1)  # a run of one column: every column hashed alone
    assert [len(b) for b in fingerprint._batches(frame, [*spec.features, spec.target])] == [1] * 12
    assert fingerprint.data_fingerprint(frame, spec) == together


@pytest.mark.parametrize("column", ["b", "c", "d", "e", "v2"])
def test_a_value_changed_in_a_run_of_columns_changes_the_fingerprint(column: str) -> None:
    frame, spec = _table()
    before = fingerprint.data_fingerprint(frame, spec)
    changed = frame.copy()
    changed.loc[7, column] = changed.loc[7, column] + 1
    assert fingerprint.data_fingerprint(changed, spec) != before
    swapped = frame.rename(columns={"b": "c", "c": "b"})[frame.columns]  # the same values under the other name
    assert fingerprint.data_fingerprint(swapped, spec) != before
