"""A 10 MB cell stays out of everything written for people; files are written whole or not at all."""

from __future__ import annotations

import errno
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kuai.engine import ColumnType, TaskType, atomic_path, build_input_schema, clip, profile_dataset, write_atomically
from kuai.engine.explain.shap_values import sample_data
from kuai.engine.types import TaskSpec


def _frame_with_a_huge_cell() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"plan": rng.choice(["basic", "plus"], 300).astype(object), "x": rng.normal(size=300),
                          "y": rng.choice(["a", "b"], 300)})
    frame.loc[7, "plan"] = "z" * 5_000_000
    return frame


def test_a_huge_value_is_no_category_and_is_named_by_a_check() -> None:
    frame = _frame_with_a_huge_cell()
    spec = TaskSpec(target="y", task=TaskType.BINARY, metric="roc_auc", features=("plan", "x"),
                    feature_types={"plan": ColumnType.CATEGORICAL, "x": ColumnType.NUMERIC}, classes=("a", "b"))
    schema = build_input_schema(frame, spec)
    assert sorted(schema[0].categories) == ["basic", "plus"]
    profile = profile_dataset(frame, target="y")
    long_values = [w for w in profile.warnings if w.code == "LONG_VALUES"]
    assert [w.column for w in long_values] == ["plan"] and "5,000,000" in long_values[0].message


def test_shown_values_are_clipped() -> None:
    assert clip("short") == "short"
    shown = clip("z" * 5_000_000)
    assert len(shown) < 250 and shown.endswith("(5,000,000 characters)")
    frame = pd.DataFrame({"c00000": ["z" * 10_000, ""]})
    schema = (build_input_schema(pd.DataFrame({"plan": ["a"]}), TaskSpec(
        target="y", task=TaskType.BINARY, metric="roc_auc", features=("plan",),
        feature_types={"plan": ColumnType.CATEGORICAL})))
    rows = sample_data(frame, schema)
    assert isinstance(rows[0][0], str) and len(rows[0][0]) < 250 and rows[1][0] is None


def test_a_failed_write_keeps_the_old_file_and_leaves_no_partial(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    write_atomically(target, "complete old report")
    with pytest.raises(OSError), atomic_path(target) as partial:
        partial.write_text("half of a new")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert target.read_text() == "complete old report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
