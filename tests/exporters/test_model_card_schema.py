"""``model_card.json`` read as a ``ModelCard``: a card as Kuai writes it reads back to the same JSON, an older card
(keys missing) reads with defaults, and a later version's keys are kept."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from kuai.app.services.summary import summary_from_card
from kuai.engine import ColumnType, InputColumn, LeaderboardEntry, TaskSpec, TaskType, TrainingResult
from kuai.engine.select.limits import LimitsOutcome, ModelCost
from kuai.engine.types import Limits
from kuai.exporters import ModelCard, build_model_card, decision_threshold_entry, explanation_entries
from kuai.exporters.card_schema import CARD_FILE, CardParity


def _result() -> TrainingResult:
    spec = TaskSpec(target="churn", task=TaskType.BINARY, metric="roc_auc", features=("age", "plan"),
                    feature_types={"age": ColumnType.NUMERIC, "plan": ColumnType.CATEGORICAL},
                    dropped={"id": "an identifier"}, classes=("no", "yes"))
    schema = (InputColumn("age", "age", ColumnType.NUMERIC, ("age",)),
              InputColumn("plan", "plan", ColumnType.CATEGORICAL, ("plan",), categories=("a", "b")))
    board = [LeaderboardEntry(rank=1, model="lightgbm_3", family="lightgbm", score=0.875, score_std=0.0125,
                              fit_time_s=1.5, predict_ms_per_1000_rows=2.0, params={"lightgbm__n_estimators": 100})]
    return TrainingResult(spec=spec, schema=schema, estimator=None, model_name="lightgbm_3", leaderboard=board,
                          trials=[], oof=np.zeros((4, 2)), y=np.array([0, 1, 0, 1]), model_frame=None,  # type: ignore[arg-type]
                          explanation=None, notes=["a note"], bagged_folds=5,
                          limits=LimitsOutcome(Limits(max_ms_per_row=1.0), ModelCost(0.2, 0.5), met=True))


def _written(tmp_path: Path) -> Path:
    """A card as ``kuai.app.services.outputs.write_outputs`` writes one (the entries added after it is built)."""
    data = tmp_path / "data.csv"
    data.write_text("age,plan,churn\n1,a,no\n")
    result = _result()
    parity = {"n_rows": 203, "max_abs_diff": 3e-08, "max_rel_diff": 3e-08, "labels_equal": True, "passed": True,
              "tolerance": 0.0001}
    card = build_model_card(result, parity=parity, data_path=data, seed=7, time_budget_s=60.0)
    card = card.with_entries(your_choices={"type_overrides": {}, "n_folds": None})
    threshold = {"threshold": 0.5, "positive_class": "yes", "source": "default"}
    card = card.with_entries(decision_threshold=threshold)
    card = card.with_entries(latency={"single_row_p50_ms": 0.25, "single_row_p99_ms": 0.5, "single_row_calls": 100.0,
                                      "batch_rows": 203.0, "batch_rows_per_s": 50000.0})
    card = card.with_entries(**explanation_entries(result))
    card = card.with_entries(timings_s={"search_s": 12.25})
    assert result.limits is not None
    card = card.with_entries(limits=result.limits.card(0.02, 0.4))
    path = tmp_path / CARD_FILE
    path.write_text(json.dumps(card.to_dict(), indent=2, default=str))
    return path


def test_a_written_card_reads_back_to_the_same_file(tmp_path: Path) -> None:
    path = _written(tmp_path)
    text = path.read_text()
    card = ModelCard.read(tmp_path)
    assert json.dumps(card.to_dict(), indent=2, default=str) == text  # byte for byte
    assert list(json.loads(text)) == [  # the keys, in the order Kuai has always written them
        "kuai_version", "created_at", "task", "target", "classes", "decision_rule", "metric", "cv_score",
        "cv_score_std", "cv_folds", "model", "input_schema", "onnx_outputs", "dropped_columns", "parity", "latency",
        "data_fingerprint", "seed", "time_budget_s", "library_versions", "warm_start", "memory", "notes",
        "explanation", "your_choices", "decision_threshold", "timings_s", "limits", "validation"]
    assert card.model.name == "lightgbm_3" and card.metric.label == "ROC AUC" and card.cv_score == pytest.approx(0.875)
    assert card.parity.passed and card.parity_figure == pytest.approx(3e-08) and card.classes == ["no", "yes"]
    assert card.limits is not None and card.limits.any and card.limits.met is True
    assert card.measured_latency is not None and card.measured_latency.batch_rows_per_s == 50000.0
    summary = summary_from_card(tmp_path, wall_time_s=1.0)
    assert (summary.model_name, summary.score, summary.metric) == ("lightgbm_3", 0.875, "roc_auc")


def test_an_older_card_reads_with_defaults_and_a_later_ones_keys_are_kept(tmp_path: Path) -> None:
    full = json.loads(_written(tmp_path).read_text())
    older = {k: v for k, v in full.items() if k not in ("latency", "limits", "timings_s", "your_choices",
                                                         "decision_threshold", "memory", "warm_start")}
    older["model"] = {k: v for k, v in full["model"].items() if k not in ("bagged_folds", "row_fraction")}
    card = ModelCard.from_dict(older)
    assert card.latency is None and card.measured_latency is None and card.limits is None and card.memory == []
    assert card.model.bagged_folds == 0 and card.model.row_fraction == 1.0
    assert card.to_dict() == {**older, "memory": [], "warm_start": None,
                              "model": {**older["model"], "bagged_folds": 0, "row_fraction": 1.0}}
    later = ModelCard.from_dict({**full, "carbon_g": 1.5, "metric": {**full["metric"], "unit": "%"}})
    assert later.to_dict() == {**full, "carbon_g": 1.5, "metric": {**full["metric"], "unit": "%"}}


def test_a_card_whose_latency_is_not_measured_yet_keeps_it_empty() -> None:
    card = ModelCard.from_dict({"latency": {}})
    assert card.to_dict()["latency"] == {} and card.measured_latency is None


def test_the_threshold_entry_is_kept_as_written() -> None:
    from kuai.engine import ThresholdChoice

    entry = decision_threshold_entry(ThresholdChoice(threshold=0.3, positive_class="yes", source="chosen"))
    assert ModelCard.from_dict({"decision_threshold": entry}).to_dict()["decision_threshold"] == entry


def test_a_null_where_a_value_is_expected_reads_as_the_default() -> None:
    """A regression card with ``"classes": null`` (hand-edited, or an earlier writer) and nulls in its parts read as
    if the keys were missing; a null the card allows stays a null."""
    from kuai.exporters.card_schema import ModelCard

    card = ModelCard.from_dict({"task": "regression", "classes": None, "notes": None, "decision_rule": None,
                                "parity": {"max_abs_diff": None, "passed": True}, "limits": {"note": None}})
    assert card.classes == [] and card.notes == [] and card.decision_rule is None
    assert card.parity.passed and card.limits is not None and card.limits.note == ""


def test_the_card_says_how_the_models_were_scored_and_why_whatever_the_folds(tmp_path: Path) -> None:
    """Plain folds too (a blind test found the card's reason empty unless a group or time column was used)."""
    validation = json.loads(_written(tmp_path).read_text())["validation"]
    assert validation["in_words"] == "5-fold stratified cross-validation"
    assert validation["reason"].startswith("5-fold stratified cross-validation: each model is trained 5 times")
    data = tmp_path / "data.csv"
    result = _result()
    grouped = replace(result.spec, group="customer", group_reason="customers repeat", folds_reason="5 folds")
    for spec, expected in [(replace(result.spec, folds_reason="why 5 folds"), "why 5 folds"),
                           (grouped, "customers repeat")]:
        card = build_model_card(replace(result, spec=spec), parity={}, data_path=data, seed=0, time_budget_s=60.0)
        assert card.to_dict()["validation"]["reason"] == expected


def test_the_parity_words_name_the_deciding_difference_and_for_values_the_training_rows_absolute_one() -> None:
    values = CardParity(n_rows=203, max_abs_diff=0.002, max_rel_diff=3.1e-07, passed=True, n_extreme_rows=3)
    assert values.figure() == pytest.approx(3.1e-07)
    assert values.words(classification=False) == ("largest relative difference 3.1e-07; 2.0e-03 in the target's "
                                                  "units on the training rows")
    older = CardParity(n_rows=203, max_abs_diff=2.3e23, max_rel_diff=3.1e-07, passed=True)  # before n_extreme_rows
    assert older.words(classification=False) == "largest relative difference 3.1e-07"
    probabilities = CardParity(n_rows=203, max_abs_diff=1e-08, max_rel_diff=3e-08, passed=True, n_extreme_rows=3)
    assert probabilities.words(classification=True) == "largest difference in a probability 3.0e-08"


def test_the_card_lists_every_category_so_a_seen_value_is_never_called_unseen() -> None:
    """Cut at 200, a column of 5,000 levels had most of a request's rows called 'never seen in training' by
    ``kuai predict`` (a blind tester's table), and the README pointed to the card for all of them."""
    from types import SimpleNamespace

    import pandas as pd

    from kuai.engine import unseen_categories
    from kuai.exporters.model_card import input_schema

    levels = tuple(f"c{i}" for i in range(5_000))
    column = InputColumn("city", "c00000", ColumnType.CATEGORICAL, ("c00000",), categories=levels)
    entry = input_schema(SimpleNamespace(schema=(column,)))[0]  # type: ignore[arg-type]
    assert entry["categories"] == list(levels)
    read_back = InputColumn("city", "c00000", ColumnType.CATEGORICAL, ("c00000",),
                            categories=tuple(entry["categories"]))
    request = pd.DataFrame({"city": ["c4321", "c137", "nowhere"]})
    assert unseen_categories(request, (read_back,)) == {"city": {"nowhere": 1}}
