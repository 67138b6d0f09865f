"""Thousands of columns: what is capped (types, the columns kept for the search, segments, the tail) and that the
cap is said (docs/reliability.md: "thousands of columns: the budget still holds; what was capped is said")."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from kuai.engine.budget import inputs_tail_s
from kuai.engine.data.column_facts import column_facts
from kuai.engine.data.column_selection import (
    CELLS_PER_BUDGET_S,
    MIN_KEPT,
    columns_for,
    kept_count,
    read_by_model,
    select_columns,
)
from kuai.engine.data.column_types import MODEL_COLUMNS, profile_column, type_columns
from kuai.engine.metrics import get_metric
from kuai.engine.models.preprocessing import build_input_schema, build_preprocessor, to_model_frame
from kuai.engine.report.evaluation import MAX_SEGMENT_COLUMNS, evaluate
from kuai.engine.report.summary import no_better_note
from kuai.engine.search.trials import make_folds
from kuai.engine.types import ColumnType, TaskSpec, TaskType


def _spec(frame: pd.DataFrame, task: TaskType = TaskType.BINARY, n_folds: int = 3) -> TaskSpec:
    features = tuple(c for c in frame.columns if c != "target")
    types = {c: ColumnType.NUMERIC if frame[c].dtype.kind == "f" else ColumnType.CATEGORICAL for c in features}
    classes = ("no", "yes") if task is TaskType.BINARY else ()
    metric = "roc_auc" if task is TaskType.BINARY else "rmse"
    return TaskSpec(target="target", task=task, metric=metric, features=features, feature_types=types,
                    classes=classes, n_folds=n_folds)


def _wide(n_rows: int, n_columns: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Noise columns; the target follows 'signal' (numbers) and 'colour' (categories)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(n_rows, n_columns)), columns=[f"noise_{i}" for i in range(n_columns)])
    signal = rng.normal(size=n_rows)
    colour = rng.choice(["red", "blue"], size=n_rows)
    y = ((signal + 2 * (colour == "red") + 0.3 * rng.normal(size=n_rows)) > 1).astype(int)
    frame.insert(min(37, n_columns), "signal", signal)
    frame.insert(min(211, n_columns + 1), "colour", colour)
    frame["target"] = np.where(y == 1, "yes", "no")
    return frame, y


# --- how many columns the search keeps -----------------------------------------------------------------------

def test_the_search_keeps_every_column_unless_they_far_outnumber_the_rows() -> None:
    assert kept_count(1_000, 40) is None and kept_count(20, MIN_KEPT) is None
    assert kept_count(200, 1_000) is None  # five columns per row are kept
    assert kept_count(20, 5_000) == (MIN_KEPT, "5,000 columns for 20 rows")
    assert kept_count(200, 2_000) == (1_000, "2,000 columns for 200 rows")


def test_a_short_budget_keeps_fewer_columns_of_a_tall_wide_table() -> None:
    kept, why = kept_count(1_000, 3_000, budget_s=30) or (0, "")
    assert kept == CELLS_PER_BUDGET_S * 30 // 1_000 and "30 s budget" in why
    assert kept_count(1_000, 3_000, budget_s=300) is None  # ten times the budget affords them all
    assert kept_count(10, 3_000, budget_s=1)[0] == MIN_KEPT  # type: ignore[index]


def test_the_columns_related_to_the_target_are_kept() -> None:
    frame, y = _wide(60, 800)
    spec = _spec(frame)
    selection = select_columns(frame, y, spec, make_folds(y, spec))
    assert selection is not None and selection.n_kept == 300  # 5 per row
    assert {"signal", "colour"} <= set(selection.kept)
    assert all({"signal", "colour"} <= set(fold) for fold in selection.by_fold)
    assert list(selection.kept) == [c for c in spec.features if c in set(selection.kept)]  # in the table's order
    assert "802 columns for 60 rows" in selection.note() and "each fold's training rows" in selection.note()


def test_a_fold_keeps_the_same_columns_whatever_its_held_out_rows_hold() -> None:
    """Honest cross-validation: the rows a fold is scored on never help choose its columns."""
    frame, y = _wide(60, 800)
    spec = _spec(frame)
    folds = make_folds(y, spec)
    before = select_columns(frame, y, spec, folds)
    _, held_out = folds[0]
    changed = frame.copy()
    noise = [f"noise_{i}" for i in range(800)]
    changed.loc[held_out, noise] = np.random.default_rng(9).normal(size=(len(held_out), 800))
    after = select_columns(changed, y, spec, folds)
    assert before is not None and after is not None
    assert after.by_fold[0] == before.by_fold[0]
    assert after.kept != before.kept  # the choice on all rows does see them (it is only used to refit)


def test_regression_targets_and_missing_values_are_scored() -> None:
    frame, _ = _wide(40, 400, seed=3)
    target = frame["signal"] * 3 + np.random.default_rng(1).normal(size=40)
    frame = frame.assign(target=target)
    frame.loc[::4, "signal"] = np.nan
    spec = _spec(frame, TaskType.REGRESSION)
    selection = select_columns(frame, target.to_numpy(), spec, make_folds(target.to_numpy(), spec))
    assert selection is not None and "signal" in selection.kept


def test_each_fold_learns_from_its_own_columns_and_the_model_reads_only_those() -> None:
    frame, y = _wide(30, 500)
    spec = _spec(frame)
    selection = select_columns(frame, y, spec, make_folds(y, spec))
    assert selection is not None
    schema = build_input_schema(frame, spec, only=selection.union)
    assert {c.name for c in schema} == selection.union
    assert [c.safe_name for c in schema if c.name == "colour"] == ["c00211"]  # named by its place among all
    fold_schema = columns_for(schema, selection, 1)
    assert {c.name for c in fold_schema} == set(selection.by_fold[1])
    X = to_model_frame(frame, schema)
    model = Pipeline([("prep", build_preprocessor(fold_schema, encoding="ordinal", scale=False)),
                      ("model", FunctionTransformer())]).fit(X)
    narrowed, read = read_by_model(model, spec, schema, selection)
    assert [c.name for c in read] == [c.name for c in fold_schema] == list(narrowed.features)
    left_out = set(spec.features) - set(selection.by_fold[1])
    assert set(narrowed.dropped) == left_out and narrowed.dropped[next(iter(left_out))] == selection.reason()
    assert "not among the 200 columns most related to the target (502 columns for 30 rows)" == selection.reason()


# --- the profile of a wide table --------------------------------------------------------------------------------

def test_a_wide_table_is_typed_by_rule_beyond_the_model_columns_and_says_so() -> None:
    rng = np.random.default_rng(0)
    n_rows = 30
    parts = {f"x{i}": rng.normal(size=n_rows) for i in range(MODEL_COLUMNS)}
    parts |= {f"code{i}": rng.choice(["a", "b", "c"], size=n_rows) for i in range(40)}
    parts |= {f"key{i}": [f"k{i}_{r}" for r in range(n_rows)] for i in range(20)}
    parts["label"] = rng.choice(["p", "q", "r"], size=n_rows)
    frame = pd.DataFrame(parts)
    typed = type_columns(frame, read_first=["label"])
    by_rule = [(name, found) for name, found in zip(frame.columns, typed.detections, strict=True)
               if "typed by rule" in found[1]]
    assert len(by_rule) == len(frame.columns) - MODEL_COLUMNS
    assert "label" not in {name for name, _ in by_rule}  # the target is among the columns the model reads
    kinds = {name.rstrip("0123456789"): found[0] for name, found in by_rule}
    assert kinds == {"x": ColumnType.NUMERIC, "code": ColumnType.CATEGORICAL, "key": ColumnType.ID}
    assert f"the type model read {MODEL_COLUMNS}" in typed.note and f"{len(by_rule)} were typed by rule" in typed.note


def test_a_narrow_table_has_no_typing_note() -> None:
    frame = pd.DataFrame({"a": [1.5, 2.5, 3.5, 4.5], "b": ["x", "y", "x", "y"]})
    assert type_columns(frame).note == ""


def test_column_facts_match_the_column_by_column_profile() -> None:
    frame = pd.DataFrame({
        "decimals": [1.5, np.nan, np.inf, 1.5, -2.0, 7.25],
        "whole": [3, 1, 3, 2, 2, 9],
        "text": ["b", None, "a", "b", "c", "a"],
        "flags": [True, False, True, True, False, True],
        "when": pd.to_datetime(["2024-01-01", None, "2024-02-01", "2024-01-01", "2024-03-01", "2024-01-01"]),
        "empty": [np.nan] * 6,
    })
    for name, facts in zip(frame.columns, column_facts(frame), strict=True):
        series = frame[name]
        values = series.dropna()
        assert facts.n_missing == int(series.isna().sum()), name
        assert facts.n_unique == int(values.nunique()), name
        assert [str(v) for v in facts.first_values] == [str(v) for v in values.drop_duplicates().iloc[:5]], name
        profile = profile_column(series)
        assert (profile.minimum, profile.maximum) == ((facts.minimum, facts.maximum) if profile.minimum is not None
                                                      else (None, None)), name
    decimals = column_facts(frame[["decimals"]])[0]
    assert (decimals.minimum, decimals.maximum, decimals.all_whole) == (-2.0, 7.25, False)  # inf left out
    assert column_facts(frame[["whole"]])[0].all_whole



def test_a_tall_tables_numbers_are_hashed_to_the_same_facts(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"decimals": np.round(rng.normal(size=3000), 1), "whole": rng.integers(0, 40, 3000),
                          "few": rng.choice([0.5, np.nan, np.inf, -1.0], 3000), "none": np.full(3000, np.nan),
                          "zeros": rng.choice([0.0, -0.0, np.nan], 3000)})
    sorted_facts = column_facts(frame)
    monkeypatch.setattr("kuai.engine.data.column_facts.HASH_ROWS", 1)
    hashed = column_facts(frame)
    assert hashed == sorted_facts
    assert [f.n_unique for f in hashed] == [int(frame[c].nunique()) for c in frame]

# --- what the export and the report cover ----------------------------------------------------------------------

def test_error_by_segment_covers_the_columns_relied_on_most_and_says_so() -> None:
    frame, y = _wide(40, 120)
    spec = _spec(frame)
    schema = build_input_schema(frame, spec)
    oof = np.column_stack([1 - y * 0.8, y * 0.8]).astype(float)
    evaluation = evaluate(spec, y, oof, model_frame=to_model_frame(frame, schema), schema=schema,
                          columns_first=["colour", "noise_5", "unknown"])
    assert len(evaluation.segments) == MAX_SEGMENT_COLUMNS
    assert list(evaluation.segments)[:2] == ["colour", "noise_5"]
    assert evaluation.segments_note.startswith(f"Error by segment for {MAX_SEGMENT_COLUMNS} of the 122 columns")
    narrow = evaluate(spec, y, oof, model_frame=to_model_frame(frame, schema[:5]), schema=schema[:5])
    assert len(narrow.segments) == 5 and narrow.segments_note == ""


def test_the_tail_reserves_more_time_for_a_model_over_more_inputs() -> None:
    assert inputs_tail_s(0) == 0.0
    assert 0.0 < inputs_tail_s(200) < inputs_tail_s(3_000) <= 10.0


# --- a model no better than a constant is called so ------------------------------------------------------------

@pytest.mark.parametrize("task", [TaskType.BINARY, TaskType.REGRESSION])
def test_a_model_no_better_than_a_constant_prediction_is_called_so(task: TaskType) -> None:
    frame, y = _wide(50, 3)
    spec = _spec(frame, task)
    target = y if task is TaskType.BINARY else frame["signal"].to_numpy()
    metric = get_metric(spec.metric)
    constant = metric.compute(target, np.tile([0.5, 0.5], (50, 1)) if task is TaskType.BINARY
                              else np.full(50, target.mean()))
    note = no_better_note(spec, target, constant + (0.01 if metric.greater_is_better else -0.01), 0.05)
    assert note.startswith("The model does no better than always predicting")
    assert ("most common class" if task is TaskType.BINARY else "the mean of 'target'") in note
    better = constant + (0.2 if metric.greater_is_better else -0.5)
    assert no_better_note(spec, target, better, 0.05) == ""


def test_shap_explains_fewer_rows_of_a_model_over_thousands_of_columns() -> None:
    from kuai.engine.explain.step import SHAP_MIN_ROWS, SHAP_SAMPLE_ROWS, shap_rows

    assert shap_rows(20) == shap_rows(1_000) == SHAP_SAMPLE_ROWS
    assert shap_rows(3_000) == 100 and shap_rows(20_000) == SHAP_MIN_ROWS


def test_thousands_of_left_out_columns_are_listed_by_reason() -> None:
    from kuai.engine.report.summary import left_out_by_reason

    why = "not among the 200 columns most related to the target (5,000 columns for 20 rows)"
    dropped = {f"f{i}": why for i in range(4_800)} | {"id": "an identifier", "f9999": why}
    assert left_out_by_reason(dropped, shown=3) == [(why, ("f0", "f1", "f2"), 4_801), ("an identifier", ("id",), 1)]
