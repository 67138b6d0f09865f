"""Target suggestion, task, metric and validation — each with a reason — and the task spec's exclusions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kuai.engine import (
    ColumnProfile,
    ColumnType,
    OptionError,
    TargetError,
    TaskType,
    build_task_spec,
    profile_dataset,
    read_table,
)
from kuai.engine.data.task import choose_metric, choose_validation, detect_task, outlier_share, suggest_target

TARGET_SET = Path(__file__).resolve().parents[1] / "data" / "targets"
TOP1_FLOOR = 0.85  # measured 43/46 (93.5 %) when the set was written
TOP3_FLOOR = 0.95  # measured 46/46


def column(name: str, kind: ColumnType = ColumnType.NUMERIC, *, n_unique: int = 50, missing: float = 0.0,
           examples: tuple[str, ...] = ()) -> ColumnProfile:
    return ColumnProfile(name=name, type=kind, reason="test", missing_fraction=missing, n_unique=n_unique,
                         examples=examples)


# --- target suggestion ---------------------------------------------------------------------------------------------

def test_outcome_name_beats_last_position() -> None:
    columns = (column("PassengerId", ColumnType.ID, n_unique=300), column("Survived", ColumnType.BOOLEAN, n_unique=2,
                                                                         examples=("0", "1")),
               column("Pclass", n_unique=3), column("Fare"), column("Embarked", ColumnType.CATEGORICAL, n_unique=3))
    suggestion = suggest_target(columns, 300)
    assert suggestion.suggested == "Survived"
    assert "usual name for what to predict" in suggestion.reason and "yes/no answer" in suggestion.reason
    assert suggestion.candidates[0] == "Survived" and "Embarked" in suggestion.candidates
    assert len(suggestion.candidate_reasons) == len(suggestion.candidates)
    assert "last column" in suggestion.candidate_reasons[suggestion.candidates.index("Embarked")]


def test_without_name_cues_the_last_column_wins() -> None:
    columns = (column("season", n_unique=4), column("temp"), column("casual"), column("registered"), column("cnt"))
    suggestion = suggest_target(columns, 300)
    assert suggestion.suggested == "cnt" and "last column" in suggestion.reason


@pytest.mark.parametrize("kind", [ColumnType.ID, ColumnType.TEXT, ColumnType.CONSTANT, ColumnType.DATETIME])
def test_never_suggests_identifiers_constants_text_or_dates(kind: ColumnType) -> None:
    columns = (column("age"), column("target", kind, n_unique=1 if kind is ColumnType.CONSTANT else 300))
    suggestion = suggest_target(columns, 300)
    assert suggestion.suggested == "age" and "target" not in suggestion.candidates


def test_no_usable_column_gives_no_suggestion() -> None:
    suggestion = suggest_target((column("id", ColumnType.ID), column("notes", ColumnType.TEXT)), 100)
    assert suggestion.suggested is None and suggestion.candidates == () and "pick one" in suggestion.reason


def test_coordinates_named_y_are_not_a_target() -> None:
    columns = (column("carat"), column("price"), column("x"), column("y"), column("z"))
    assert suggest_target(columns, 300).suggested == "price"
    assert suggest_target((column("x1"), column("x2"), column("y")), 300).suggested == "y"


def test_the_value_of_a_house_is_a_price_and_places_are_inputs() -> None:
    columns = (column("longitude"), column("median_income"), column("median_house_value"),
               column("ocean_proximity", ColumnType.CATEGORICAL, n_unique=5))
    suggestion = suggest_target(columns, 300)
    assert suggestion.suggested == "median_house_value"
    ocean = suggestion.candidate_reasons[suggestion.candidates.index("ocean_proximity")]
    assert "describes an input" in ocean


def test_mostly_missing_and_near_unique_labels_count_against() -> None:
    columns = (column("outcome", ColumnType.CATEGORICAL, n_unique=3, missing=0.6),
               column("result_code", ColumnType.CATEGORICAL, n_unique=90), column("score"))
    suggestion = suggest_target(columns, 100)
    assert suggestion.suggested == "score"
    reasons = dict(zip(suggestion.candidates, suggestion.candidate_reasons, strict=True))
    assert "60% of its values are missing" in reasons["outcome"]
    assert "almost every row has its own label" in reasons["result_code"]


def test_names_split_into_words() -> None:
    columns = (column("LIMIT_BAL"), column("default.payment.next.month", ColumnType.BOOLEAN, n_unique=2),
               column("PAY_AMT6"))
    assert suggest_target(columns, 200).suggested == "default.payment.next.month"
    columns = (column("Id", ColumnType.ID), column("MSSubClass", n_unique=10), column("SalePrice"))
    assert suggest_target(columns, 200).suggested == "SalePrice"


def test_target_set_hit_rate_floor() -> None:
    """The labelled set (benchmarks/make_target_set.py): the top suggestion is right often enough."""
    manifest = json.loads((TARGET_SET / "manifest.json").read_text(encoding="utf-8"))
    entries = manifest["datasets"]
    assert len(entries) >= 30
    ranks = []
    for entry in entries:
        profile = profile_dataset(read_table(TARGET_SET / entry["file"]), with_checks=False)
        candidates = profile.target.candidates
        ranks.append(candidates.index(entry["target"]) + 1 if entry["target"] in candidates else None)
    top1 = sum(rank == 1 for rank in ranks) / len(ranks)
    top3 = sum(rank is not None and rank <= 3 for rank in ranks) / len(ranks)
    assert top1 >= TOP1_FLOOR, f"top-1 {top1:.1%}"
    assert top3 >= TOP3_FLOOR, f"top-3 {top3:.1%}"


# --- task ----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("values", "kind", "task", "words"), [
    ([0, 1] * 20, ColumnType.BOOLEAN, TaskType.BINARY, "two distinct values (0 and 1)"),
    (["M", "B", "B"] * 20, ColumnType.CATEGORICAL, TaskType.BINARY, "binary classification"),
    ([3, 4, 5, 6, 7, 8] * 10, ColumnType.NUMERIC, TaskType.MULTICLASS, "only 6 whole numbers (from 3 to 8)"),
    (["setosa", "versicolor", "virginica"] * 10, ColumnType.CATEGORICAL, TaskType.MULTICLASS, "3 labels"),
    (list(np.linspace(1121.9, 63770.4, 60)), ColumnType.NUMERIC, TaskType.REGRESSION, "predicts the number itself"),
    (list(range(100, 160)), ColumnType.NUMERIC, TaskType.REGRESSION, "whole numbers with 60 distinct values"),
])
def test_task_and_its_plain_reason(values: list[object], kind: ColumnType, task: TaskType, words: str) -> None:
    detected, reason = detect_task(pd.Series(values, name="outcome"), kind)
    assert detected is task and words in reason and "'outcome'" in reason


def test_untrainable_targets_raise_with_codes() -> None:
    with pytest.raises(TargetError) as caught:
        detect_task(pd.Series(["yes"] * 30, name="flag"), ColumnType.CATEGORICAL)
    assert caught.value.code == "SINGLE_CLASS_TARGET"
    with pytest.raises(TargetError) as caught:
        detect_task(pd.Series([f"label {i % 150}" for i in range(600)]), ColumnType.CATEGORICAL)
    assert caught.value.code == "TOO_MANY_CLASSES"


def test_a_table_of_one_row_is_said_to_be_short_of_rows_and_an_empty_target_counts_its_values() -> None:
    one_row = pd.DataFrame({"age": [40], "churn": ["yes"]})
    with pytest.raises(TargetError) as caught:
        build_task_spec(one_row, profile_dataset(one_row, with_checks=False).columns, target="churn")
    assert caught.value.code == "TOO_FEW_ROWS" and "1 row(s) of data" in str(caught.value)
    mostly_empty = pd.DataFrame({"age": range(50), "churn": ["yes"] + [None] * 49})
    with pytest.raises(TargetError) as caught:
        build_task_spec(mostly_empty, profile_dataset(mostly_empty, with_checks=False).columns, target="churn")
    assert caught.value.code == "EMPTY_TARGET" and "a value in only 1 of the 50 rows" in str(caught.value)


# --- metric and validation -----------------------------------------------------------------------------------------

def test_binary_metric_roc_auc_or_pr_auc_when_rare() -> None:
    metric, reason = choose_metric(pd.Series(["no"] * 60 + ["yes"] * 40), TaskType.BINARY)
    assert metric == "roc_auc" and "ROC" in reason
    metric, reason = choose_metric(pd.Series(["no"] * 97 + ["yes"] * 3), TaskType.BINARY)
    assert metric == "pr_auc" and "'yes'" in reason and "3.0%" in reason


def test_multiclass_metric_is_log_loss() -> None:
    metric, reason = choose_metric(pd.Series(["a", "b", "c"] * 20), TaskType.MULTICLASS)
    assert metric == "log_loss" and "3 classes" in reason


def test_regression_metric_rmse_with_r2_as_alternative() -> None:
    values = pd.Series(np.random.default_rng(0).normal(100, 15, 2000), name="charges")
    assert outlier_share(values) < 0.001
    metric, reason = choose_metric(values, TaskType.REGRESSION)
    assert metric == "rmse" and "R²" in reason and "'charges'" in reason


def test_regression_metric_mae_under_heavy_outliers() -> None:
    values = pd.Series(np.random.default_rng(0).lognormal(12, 1.0, 2000), name="price")
    share = outlier_share(values)
    assert share >= 0.01  # log-normal(σ = 1): about 3 % beyond Q3 + 3·IQR
    metric, reason = choose_metric(values, TaskType.REGRESSION)
    assert metric == "mae" and f"{share:.1%}" in reason and "RMSE and R²" in reason


def test_outlier_share_ignores_constant_spread() -> None:
    assert outlier_share(pd.Series([5.0] * 95 + [500.0] * 5)) == 0.0  # IQR 0: no fences


@pytest.mark.parametrize(("n_rows", "folds", "words"), [
    (50, 5, "vary between folds"), (5_000, 5, "5-fold"), (20_000, 3, "3-fold"), (99_999, 3, "3-fold"),
    (100_000, 2, "twice on half the rows"), (2_000_000, 2, "held-out half"),
])
def test_validation_by_size_with_a_reason(n_rows: int, folds: int, words: str) -> None:
    n_folds, reason = choose_validation(n_rows)
    assert n_folds == folds and words in reason
    assert "stratified" in choose_validation(n_rows, task=TaskType.BINARY)[1]
    assert "stratified" not in choose_validation(n_rows, task=TaskType.REGRESSION)[1]


# --- task spec -----------------------------------------------------------------------------------------------------

def test_task_spec_drops_columns_the_user_excluded(mixed_frame: pd.DataFrame) -> None:
    profile = profile_dataset(mixed_frame, with_checks=False)
    spec = build_task_spec(mixed_frame, profile.columns, target="outcome", excluded=["colour"])
    assert spec.features == ("amount", "visited") and spec.dropped["colour"] == "excluded by you"
    with pytest.raises(TargetError) as caught:
        build_task_spec(mixed_frame, profile.columns, target="outcome", excluded=["amount", "colour", "visited"])
    assert caught.value.code == "NO_FEATURES"
    with pytest.raises(OptionError) as refused:
        build_task_spec(mixed_frame, profile.columns, target="outcome", n_folds=1)
    assert refused.value.code == "BAD_FOLDS"


def test_a_long_budget_gives_small_data_eight_folds_and_says_so() -> None:
    """The budget plan's folds: five at 60 s, eight from 240 s on data under 20,000 rows folded row by row, as many
    as the rarest class allows; a fold count the user chose, a group or a time order is left as it is."""
    rng = np.random.default_rng(0)
    n = 600
    frame = pd.DataFrame({"x": rng.normal(size=n), "y": rng.choice(["a", "b"], size=n),
                          "day": pd.date_range("2024-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
                          "patient": np.repeat(np.arange(60), 10)})
    columns = profile_dataset(frame, with_checks=False).columns

    def spec(**kw):  # type: ignore[no-untyped-def]
        return build_task_spec(frame, columns, target="y", group="", **kw)

    assert spec(time_budget_s=60).n_folds == 5 and spec().n_folds == 5
    assert spec().folds_reason == choose_validation(n, task=TaskType.BINARY)[1]  # the spec says why: as profiled
    long = spec(time_budget_s=300)
    assert long.n_folds == 8 and long.folds_reason.startswith("Cross-validation uses 8 folds rather than 5")
    assert spec(n_folds=4).folds_reason.startswith("4-fold stratified cross-validation, the folds you chose")
    assert any("8 folds rather than 5" in note and "300 s budget" in note and "7/8" in note for note in long.notes)
    assert spec(time_budget_s=3600).n_folds == 8
    assert spec(time_budget_s=300, n_folds=4).n_folds == 4  # the user's choice stands
    assert build_task_spec(frame, columns, target="y", group="patient", time_budget_s=300).n_folds == 5
    assert build_task_spec(frame, columns, target="y", time="day", time_budget_s=300).n_folds == 5
    rare = frame.assign(y=["r"] * 6 + ["c"] * (n - 6))  # six rows of the rarest class: six folds at most
    assert build_task_spec(rare, columns, target="y", group="", time_budget_s=300).n_folds == 6
    lowered = build_task_spec(rare.assign(y=["r"] * 3 + ["c"] * (n - 3)), columns, target="y", group="")
    assert lowered.n_folds == 3 and lowered.folds_reason.startswith("Kuai's 5 cross-validation folds were lowered to 3")
    sparse = pd.DataFrame({"x": np.arange(600.0), "v": [1.0, 2.0] * 6 + [np.nan] * 588})  # 12 values to learn
    assert build_task_spec(sparse, profile_dataset(sparse, with_checks=False).columns, target="v", group="",
                           time_budget_s=300).n_folds == 6  # half the rows with a value, not of all rows
    big = pd.DataFrame({"x": np.arange(20_000.0), "y": np.arange(20_000) % 2})
    assert build_task_spec(big, profile_dataset(big, with_checks=False).columns, target="y",
                           time_budget_s=3600).n_folds == 3  # large data keeps its three


def test_profile_carries_validation_and_metric_reasons(mixed_frame: pd.DataFrame) -> None:
    profile = profile_dataset(mixed_frame)
    assert profile.n_folds == 5 and "5-fold stratified" in profile.validation_reason
    assert profile.metric == "roc_auc" and profile.metric_reason
