"""The plain-language summary: the recommendation and its simpler alternative, and the caveats."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np

from kuai.engine import LeaderboardEntry, TaskSpec, TaskType, caveats, plain_summary, recommendation
from kuai.engine.types import ColumnType, Explanation


def _entry(model: str, score: float, std: float, ms: float, rank: int) -> LeaderboardEntry:
    return LeaderboardEntry(rank=rank, model=model, family=model.rsplit("_", 1)[0], score=score, score_std=std,
                            fit_time_s=1.0, predict_ms_per_1000_rows=ms, params={},
                            is_ensemble=model == "ensemble")


BOARD = [_entry("ensemble", 0.85, 0.02, 30.0, 1), _entry("lightgbm_0", 0.845, 0.02, 5.0, 2),
         _entry("linear_1", 0.84, 0.02, 1.0, 3), _entry("catboost_2", 0.80, 0.02, 0.5, 4)]


def test_a_faster_model_within_the_spread_is_named_as_the_alternative() -> None:
    text = recommendation(BOARD, "ensemble", "roc_auc")
    assert text.startswith("Ensemble (blend of models) is recommended and exported: it has the best ROC AUC")
    assert "LightGBM (boosted trees) #0 scores within the spread" in text and "6× faster" in text
    assert "CatBoost" not in text  # faster still, but outside the spread


def test_no_alternative_when_nothing_is_close_and_fast() -> None:
    spread_free = [replace(e, score_std=0.001) for e in BOARD]
    assert "within the spread" not in recommendation(spread_free, "ensemble", "roc_auc")


def test_when_the_best_could_not_be_refitted_the_reason_is_given() -> None:
    assert "could not be bagged or refitted within the time budget" in recommendation(BOARD, "lightgbm_0", "roc_auc")


def test_when_the_limits_chose_the_model_they_are_the_reason_given() -> None:
    note = ("Within the limits (0.002 ms a row): linear_1, rank 3, 0.001 ms a row; ensemble, lightgbm_0 scored "
            "better but would cost more.")
    text = recommendation(BOARD, "linear_1", "roc_auc", note)
    assert text.startswith("Linear / logistic model #1 is exported: Within the limits (0.002 ms a row): Linear / "
                           "logistic model #1, rank 3")
    assert "Ensemble (blend of models), LightGBM (boosted trees) #0 scored better" in text
    assert "could not be bagged" not in text


def _result(y: np.ndarray, importance: dict[str, float], dropped: dict[str, str]) -> SimpleNamespace:
    spec = TaskSpec(target="t", task=TaskType.BINARY, metric="roc_auc", features=tuple(importance),
                    feature_types={c: ColumnType.NUMERIC for c in importance}, dropped=dropped, classes=("no", "yes"))
    oof = np.column_stack([1 - y * 0.8 - 0.1, y * 0.8 + 0.1])
    explanation = Explanation(columns=tuple(importance), importance=importance, sample_values=[], base_values=[],
                              sample_index=[], explained_class=[], explained_model="lightgbm_0",
                              output_space="log-odds", method="shap.TreeExplainer")
    return SimpleNamespace(spec=spec, y=y, oof=oof, explanation=explanation, holdout=None, n_training_rows=len(y),
                           notes=["The ensemble was not refitted.", "The search stopped: lightgbm_0 scored 1."],
                           leaderboard=BOARD, model_name="lightgbm_0")


def test_caveats_name_rare_classes_few_rows_a_dominant_column_and_what_was_left_out() -> None:
    y = np.array([1] * 10 + [0] * 240)
    result = _result(y, {"discharge_code": 9.0, "age": 1.0}, {"patient_id": "id column: not used as a feature"})
    found = " ".join(caveats(result))  # type: ignore[arg-type]
    assert "Only 250 rows" in found and "'yes' is rare (10 of 250 rows)" in found
    assert "'discharge_code' alone carries 90%" in found
    assert "'patient_id' was left out (id column" in found and "The ensemble was not refitted." in found
    assert "The search stopped: LightGBM (boosted trees) #0 scored 1." in found  # the names the leaderboard shows
    assert plain_summary(result).endswith(found)  # type: ignore[arg-type]


def test_no_caveats_for_a_balanced_large_table_with_spread_importance() -> None:
    y = np.array([0, 1] * 500)
    result = _result(y, {"a": 1.0, "b": 1.0, "c": 1.0}, {})
    result.notes = []
    assert caveats(result) == []  # type: ignore[arg-type]
    assert "Caveats" not in plain_summary(result)  # type: ignore[arg-type]


def test_a_column_shap_ranks_high_but_the_shuffle_test_finds_useless_is_pointed_out() -> None:
    y = np.array([0, 1] * 500)
    result = _result(y, {"signup": 4.0, "tenure": 3.0, "contract": 1.0, "calls": 0.5, "region": 0.1}, {})
    result.notes = []
    result.explanation = replace(result.explanation, permutation_importance={
        "contract": 0.05, "calls": 0.04, "signup": 0.02, "tenure": 0.001, "region": 0.0})
    found = " ".join(caveats(result))  # type: ignore[arg-type]
    assert "SHAP ranks 'tenure' near the top" in found and "'signup'" not in found
    result.explanation = replace(result.explanation, permutation_importance={
        "signup": 0.05, "tenure": 0.04, "contract": 0.02, "calls": 0.001, "region": 0.0})
    assert caveats(result) == []  # type: ignore[arg-type]
