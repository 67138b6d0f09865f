"""The pages' plain helpers: leaderboards in the metric's direction, labels, joins, loaders."""

from __future__ import annotations

import pandas as pd
import pytest

from kuai.app.components.labels import model_label, short_model_label
from kuai.app.components.results import in_plain_units, plain_number, task_spec_from_json
from kuai.app.components.tables import join_predictions, leaderboard_table, live_leaderboard, metric_of_run, runs_table
from kuai.engine import ColumnType, LeaderboardEntry, TaskType
from kuai.storage import RunConfig, RunRecord, RunSummary


def _trial(number: int, family: str, score: float | None, state: str = "complete") -> dict:
    return {"stage": "trial", "message": "", "fraction": 0.1, "elapsed_s": 1.0, "data": {"trial": {
        "number": number, "family": family, "params": {}, "score": score, "score_std": 0.01, "fit_time_s": 0.1,
        "predict_ms_per_1000_rows": 0.01, "state": state, "message": ""}}}


def test_live_leaderboard_sorts_in_the_metric_direction_and_skips_pruned_trials() -> None:
    events = [_trial(0, "lightgbm", 3.0), _trial(1, "linear", 2.0), _trial(2, "catboost", None, "pruned"),
              _trial(3, "random_forest", 4.0)]
    lower_is_better = live_leaderboard(events, "rmse")
    assert list(lower_is_better["RMSE"]) == [2.0, 3.0, 4.0]
    assert list(lower_is_better["model"]) == ["Linear / logistic model #1", "LightGBM (boosted trees) #0",
                                              "Random forest #3"]
    higher_is_better = live_leaderboard(events, "roc_auc")
    assert list(higher_is_better["ROC AUC"]) == [4.0, 3.0, 2.0]
    assert list(higher_is_better["rank"]) == [1, 2, 3]
    assert live_leaderboard([], "rmse").empty


def test_the_leaderboard_shows_the_share_of_rows_only_when_memory_cut_it() -> None:
    def entry(rank: int, family: str, fraction: float) -> LeaderboardEntry:
        return LeaderboardEntry(rank=rank, model=f"{family}_{rank}", family=family, score=0.9, score_std=0.01,
                                fit_time_s=1.0, predict_ms_per_1000_rows=0.1, params={}, row_fraction=fraction)

    full = leaderboard_table([entry(1, "lightgbm", 1.0)], "roc_auc")
    assert "rows used" not in full.columns
    cut = leaderboard_table([entry(1, "lightgbm", 1.0), entry(2, "random_forest", 0.35)], "roc_auc")
    assert cut["rows used"].isna().tolist() == [True, False] and cut["rows used"][1] == "35%"


def test_metric_of_run_prefers_the_config_then_the_profiling_event() -> None:
    profiling = {"stage": "profiling", "message": "Target 'price', regression, metric rmse, 10 features"}
    assert metric_of_run(RunConfig.from_dict({"metric": "mae"}), [profiling]) == "mae"
    assert metric_of_run(RunConfig.from_dict({"metric": None}), [profiling]) == "rmse"
    assert metric_of_run(RunConfig.from_dict({}), []) is None


def test_model_labels_are_plain_words() -> None:
    assert model_label("hist_gb_2") == "Gradient boosting (scikit-learn) #2"
    assert model_label("ensemble") == "Ensemble (blend of models)"
    assert model_label("something_else") == "something_else"
    assert short_model_label("extra_trees_11") == "Extra trees"


def test_join_predictions_keeps_row_order_and_renames_clashing_inputs() -> None:
    predictions = pd.DataFrame({"prediction": ["a", "b"], "proba_a": [0.9, 0.2]})
    inputs = pd.DataFrame({"prediction": [1, 2], "x": [5, 6]}, index=[10, 11])
    joined = join_predictions(predictions, inputs)
    assert list(joined.columns) == ["prediction", "proba_a", "prediction (input)", "x"]
    assert list(joined["x"]) == [5, 6]


def test_outputs_in_plain_units() -> None:
    assert in_plain_units(0.0, "log-odds") == "50% chance"
    assert in_plain_units(0.25, "probability") == "25% chance"
    assert in_plain_units(123456.4, "predicted value") == "123,456"
    assert in_plain_units(-0.5, "raw class score") is None
    assert plain_number(3.14159) == "3.14" and plain_number(0.012345) == "0.01235"


def test_task_spec_is_rebuilt_with_enums() -> None:
    spec = task_spec_from_json({"target": "y", "task": "binary", "metric": "roc_auc", "features": ["a"],
                                "feature_types": {"a": "numeric"}, "classes": ["no", "yes"]})
    assert spec.task is TaskType.BINARY and spec.feature_types["a"] is ColumnType.NUMERIC
    assert spec.classes == ("no", "yes") and isinstance(spec.features, tuple)


@pytest.mark.parametrize("status", ["queued", "running", "finished", "failed", "cancelled"])
def test_runs_table_has_one_plain_row_per_run(status: str) -> None:
    config = RunConfig.from_dict({"dataset_name": "d.csv", "target": "y"})
    summary = RunSummary(model="linear_1", score=0.5, metric="r2") if status == "finished" else None
    record = RunRecord(run_id="abc123", status=status, config=config, created_at=0.0, summary=summary,
                       error="boom" if status == "failed" else "")
    row = runs_table([record]).iloc[0]
    assert row["status"] == {"queued": "waiting", "running": "training"}.get(status, status)
    assert row["best model"] == ("Linear / logistic model #1" if status == "finished" else "")
    assert row["score"] == ("R² 0.5000" if status == "finished" else "")


def test_literal_markdown_keeps_column_names_as_written() -> None:
    import re

    from kuai.app.components.labels import literal_markdown

    text = "is_member *2 costs $5 [draft] (net) :material/home: :streamlit: #1 a\\b"
    escaped = literal_markdown(text)
    assert all(part in escaped for part in ("is\\_member", "\\*2", "\\$5"))  # none left to format
    assert ":material/" not in escaped and ":streamlit:" not in escaped  # no icon either
    assert re.sub(r"\\(.)", r"\1", escaped).replace("\u2060", "") == text  # every character shown as written
