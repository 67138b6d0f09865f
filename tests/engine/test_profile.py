"""Column types, target suggestion, task and metric, and pre-flight checks — with reasons."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kuai.engine import ColumnType, TargetError, TaskType, build_task_spec, profile_dataset
from kuai.engine.data.column_types import detect_column_type
from kuai.engine.data.task import detect_task


def test_profile_types_and_reasons(mixed_frame: pd.DataFrame) -> None:
    profile = profile_dataset(mixed_frame)
    types = {c.name: c.type for c in profile.columns}
    assert types == {"row_id": ColumnType.ID, "amount": ColumnType.NUMERIC, "colour": ColumnType.CATEGORICAL,
                     "visited": ColumnType.DATETIME, "outcome": ColumnType.BOOLEAN}
    assert all(c.reason for c in profile.columns)
    assert profile.column("amount").missing_fraction == pytest.approx(31 / 400)


def test_target_task_metric_suggested_with_reasons(mixed_frame: pd.DataFrame) -> None:
    profile = profile_dataset(mixed_frame)
    assert profile.target.suggested == "outcome"
    assert "usual name" in profile.target.reason or "last column" in profile.target.reason
    assert profile.task is TaskType.BINARY and "two distinct values" in profile.task_reason
    assert profile.metric == "roc_auc"
    assert any(w.code == "ID_COLUMN" and w.column == "row_id" for w in profile.warnings)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["a", "b", "c"] * 20, ColumnType.CATEGORICAL),
        ([1.5, 2.5, 3.25] * 20, ColumnType.NUMERIC),
        (["$1,200", "$35", "$7"] * 20, ColumnType.NUMERIC),
        (["7"] * 60, ColumnType.CONSTANT),
        ([None] * 60, ColumnType.CONSTANT),
        (["yes", "no"] * 30, ColumnType.BOOLEAN),
        ([0, 1] * 30, ColumnType.BOOLEAN),
        ([f"this is a longer free text sentence number {i}" for i in range(60)], ColumnType.TEXT),
        (list(range(1000, 1060)), ColumnType.ID),
        (["2024-01-05", "2023-12-31", "2022-06-01"] * 20, ColumnType.DATETIME),
    ],
)
def test_column_type_rules(values: list[object], expected: ColumnType) -> None:
    column_type, reason = detect_column_type(pd.Series(values, name="column"))
    assert column_type is expected, reason


def test_task_detection() -> None:
    assert detect_task(pd.Series([1.5, 2.25, 3.0, 4.75] * 10), ColumnType.NUMERIC)[0] is TaskType.REGRESSION
    assert detect_task(pd.Series([3, 4, 5, 6, 7] * 10), ColumnType.NUMERIC)[0] is TaskType.MULTICLASS
    assert detect_task(pd.Series(["a", "b", "c"] * 10), ColumnType.CATEGORICAL)[0] is TaskType.MULTICLASS
    with pytest.raises(TargetError) as caught:
        detect_task(pd.Series(["a"] * 10), ColumnType.CATEGORICAL)
    assert caught.value.code == "SINGLE_CLASS_TARGET"


def test_imbalanced_binary_gets_pr_auc() -> None:
    frame = pd.DataFrame({"x": np.arange(400.0), "fraud": ["no"] * 390 + ["yes"] * 10})
    profile = profile_dataset(frame)
    assert profile.metric == "pr_auc"


def test_task_spec_drops_non_features_and_rejects_bad_metric(mixed_frame: pd.DataFrame) -> None:
    profile = profile_dataset(mixed_frame)
    spec = build_task_spec(mixed_frame, profile.columns, target="outcome")
    assert spec.features == ("amount", "colour", "visited")
    assert "row_id" in spec.dropped and spec.classes == ("no", "yes")
    with pytest.raises(TargetError) as caught:
        build_task_spec(mixed_frame, profile.columns, target="outcome", metric="rmse")
    assert caught.value.code == "BAD_METRIC"


def test_leakage_check_flags_a_copy_of_the_target(mixed_frame: pd.DataFrame) -> None:
    frame = mixed_frame.assign(outcome_code=(mixed_frame["outcome"] == "yes").astype(int) * 7 + 3)
    profile = profile_dataset(frame, target="outcome")
    assert any(w.code == "TARGET_LEAKAGE" and w.column == "outcome_code" for w in profile.warnings)


def test_mixed_time_zones_parse_instead_of_crashing() -> None:
    from kuai.engine.data.column_types import parse_datetimes

    values = pd.Series(["2020-01-01T00:00:00+01:00", "2020-01-02T00:00:00+02:00", "not a date"] * 10)
    stamps = parse_datetimes(values)
    assert stamps.dt.tz is None and stamps.iloc[0] == pd.Timestamp("2019-12-31 23:00")
    assert stamps.isna().sum() == 10


def test_text_numbers_are_a_regression_target() -> None:
    rng = np.random.default_rng(0)
    area = rng.uniform(30, 200, 200)
    frame = pd.DataFrame({"area": area, "price": [f"${v:,.0f}" for v in area * 3000]})
    profile = profile_dataset(frame, target="price")
    assert profile.task is TaskType.REGRESSION
    spec = build_task_spec(frame, profile.columns, target="price")
    assert spec.metric == "rmse"


@pytest.mark.parametrize(
    ("labels", "positive"),
    [(["ok"] * 95 + ["fraud"] * 5, "fraud"), (["no"] * 50 + ["yes"] * 50, "yes"),
     (["healthy"] * 60 + ["sick"] * 40, "sick"), (["a"] * 30 + ["b"] * 70, "a")],
)
def test_positive_class_is_second(labels: list[str], positive: str) -> None:
    frame = pd.DataFrame({"x": np.random.default_rng(0).normal(size=len(labels)), "outcome": labels})
    profile = profile_dataset(frame, target="outcome")
    spec = build_task_spec(frame, profile.columns, target="outcome")
    assert spec.classes[1] == positive


def test_categories_are_labelled_per_value() -> None:
    from kuai.engine.models.preprocessing import _as_category

    assert _as_category(pd.Series([1.0, 2.0, np.nan])).tolist() == ["1", "2", ""]
    assert _as_category(pd.Series([1.0, 2.5])).tolist() == ["1", "2.5"]


def test_profile_with_fixes_and_resources_is_plain_json(mixed_frame: pd.DataFrame) -> None:
    import json

    frame = pd.concat([mixed_frame, mixed_frame.head(3)], ignore_index=True)
    payload = json.loads(json.dumps(profile_dataset(frame, target="outcome").to_dict(), allow_nan=False))
    duplicates = next(w for w in payload["warnings"] if w["code"] == "DUPLICATE_ROWS")
    assert duplicates["fix"] == {"action": "drop_duplicate_rows", "label": "Remove 3 repeated rows", "columns": [],
                                 "values": [], "amount": None}
    assert payload["resources"]["peak_memory_mb"] > 0 and payload["validation_reason"]
    assert len(payload["target"]["candidate_reasons"]) == len(payload["target"]["candidates"])


def test_unseen_categories_counts_values_training_never_saw(mixed_frame) -> None:  # type: ignore[no-untyped-def]
    from kuai.engine import build_input_schema, build_task_spec, profile_dataset, unseen_categories

    spec = build_task_spec(mixed_frame, profile_dataset(mixed_frame).columns, target="outcome")
    schema = build_input_schema(mixed_frame, spec)
    new = mixed_frame.head(6).copy()
    new["colour"] = ["red", "purple", "purple", None, " red ", "teal"]
    assert unseen_categories(new, schema) == {"colour": {"purple": 2, "teal": 1}}  # trimmed ' red ' is known
    assert unseen_categories(mixed_frame, schema) == {}
