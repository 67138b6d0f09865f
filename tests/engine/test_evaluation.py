"""Evaluation from out-of-fold predictions: counts, curves, calibration, cost-chosen threshold, segments."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as sk

from kuai.engine import (
    TaskSpec,
    TaskType,
    best_threshold,
    build_input_schema,
    build_task_spec,
    confusion_at,
    encode_target,
    evaluate,
    evaluation_from_dict,
    profile_dataset,
    threshold_choice,
    to_jsonable,
    to_model_frame,
)
from kuai.engine.report.evaluation import calibration_curve


def _scores(n: int = 600, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(int)
    score = np.clip(0.35 * y + rng.beta(2, 5, n), 0, 1).round(3)  # rounded: many ties
    return y, score


def _brute_force_cost(y: np.ndarray, score: np.ndarray, threshold: float, c_fp: float, c_fn: float) -> float:
    called = score >= threshold
    return float(c_fp * np.sum(called & (y == 0)) + c_fn * np.sum(~called & (y == 1)))


@pytest.mark.parametrize(("c_fp", "c_fn"), [(1.0, 1.0), (1.0, 5.0), (7.0, 1.0), (0.0, 1.0), (1.0, 0.0), (2.5, 3.0)])
def test_cost_chosen_threshold_minimises_the_cost_on_the_predictions(c_fp: float, c_fn: float) -> None:
    y, score = _scores()
    choice = best_threshold(y, score, cost_false_positive=c_fp, cost_false_negative=c_fn, positive_class="yes")
    candidates = np.concatenate([np.unique(score), np.linspace(0, 1.0001, 2001)])
    brute = min(_brute_force_cost(y, score, t, c_fp, c_fn) for t in candidates)
    chosen = _brute_force_cost(y, score, choice.threshold, c_fp, c_fn)
    assert chosen == pytest.approx(brute)
    assert choice.expected_cost == pytest.approx(brute / len(y))
    assert choice.source == "costs" and choice.positive_class == "yes"


def test_costly_misses_lower_the_threshold_and_raise_recall() -> None:
    y, score = _scores()
    cheap_misses = best_threshold(y, score, cost_false_positive=5, cost_false_negative=1)
    costly_misses = best_threshold(y, score, cost_false_positive=1, cost_false_negative=5)
    assert costly_misses.threshold < cheap_misses.threshold
    assert costly_misses.recall is not None and cheap_misses.recall is not None
    assert costly_misses.recall > cheap_misses.recall


def test_negative_costs_are_refused() -> None:
    y, score = _scores()
    with pytest.raises(ValueError, match="negative"):
        best_threshold(y, score, cost_false_positive=-1, cost_false_negative=1)


def test_confusion_at_matches_sklearn_at_every_threshold() -> None:
    y, score = _scores()
    thresholds = [0.0, 0.2, 0.35, 0.5, 0.731, 1.0, 1.5]
    tp, fp, fn, tn = confusion_at(y, score, thresholds)
    for i, t in enumerate(thresholds):
        (tn_ref, fp_ref), (fn_ref, tp_ref) = sk.confusion_matrix(y, (score >= t).astype(int), labels=[0, 1])
        assert (tp[i], fp[i], fn[i], tn[i]) == (tp_ref, fp_ref, fn_ref, tn_ref), t
    choice = threshold_choice(y, score, 0.5, positive_class="yes", source="chosen")
    assert choice.precision == pytest.approx(sk.precision_score(y, score >= 0.5))
    assert choice.recall == pytest.approx(sk.recall_score(y, score >= 0.5))


def test_calibration_bins_hold_every_row_and_their_observed_share() -> None:
    rng = np.random.default_rng(1)
    probability = rng.random(5000)
    happened = rng.random(5000) < probability  # calibrated by construction
    curve = calibration_curve(happened, probability, "yes")
    assert sum(curve.counts) == 5000 and len(curve.x) == 10
    assert np.allclose(curve.x, curve.y, atol=0.06)
    assert curve.x == sorted(curve.x)


def _binary_spec() -> TaskSpec:
    return TaskSpec(target="t", task=TaskType.BINARY, metric="roc_auc", features=(), feature_types={},
                    classes=("no", "yes"))


def test_binary_evaluation_holds_matrix_curves_and_threshold_table() -> None:
    y, score = _scores()
    evaluation = evaluate(_binary_spec(), y, np.column_stack([1 - score, score]))
    assert evaluation.confusion is not None
    counts = np.asarray(evaluation.confusion.counts)
    assert counts.sum() == len(y) and counts[1].sum() == y.sum()
    assert evaluation.roc[0].area == pytest.approx(sk.roc_auc_score(y, score))
    assert evaluation.precision_recall[0].area == pytest.approx(sk.average_precision_score(y, score))
    table = evaluation.thresholds
    assert table is not None and table.positive_class == "yes"
    at_half = table.thresholds.index(0.5)
    assert table.true_positives[at_half] == np.sum((score >= 0.5) & (y == 1))
    assert evaluation_from_dict(json.loads(json.dumps(to_jsonable(evaluation)))) == evaluation


def test_multiclass_evaluation_has_one_curve_per_class_and_rates() -> None:
    rng = np.random.default_rng(2)
    y = rng.integers(0, 3, 300)
    proba = rng.dirichlet([1, 1, 1], 300) + np.eye(3)[y]
    proba /= proba.sum(axis=1, keepdims=True)
    spec = TaskSpec(target="t", task=TaskType.MULTICLASS, metric="log_loss", features=(), feature_types={},
                    classes=("a", "b", "c"))
    evaluation = evaluate(spec, y, proba)
    assert [c.label for c in evaluation.roc] == ["a", "b", "c"] and evaluation.thresholds is None
    assert evaluation.confusion is not None
    assert np.allclose(np.asarray(evaluation.confusion.rates()).sum(axis=1), 1.0)


def test_regression_and_segments_on_real_columns(mixed_frame: pd.DataFrame) -> None:
    frame = mixed_frame.drop(columns="outcome")
    frame["value"] = frame["amount"].fillna(50) * 3
    spec = build_task_spec(frame, profile_dataset(frame).columns, target="value", n_folds=3)
    schema = build_input_schema(frame, spec)
    X, y = to_model_frame(frame, schema), encode_target(frame["value"], spec)
    predicted = y + np.where(frame["colour"] == "red", 10.0, 1.0)  # worse on red rows
    evaluation = evaluate(spec, y, predicted, model_frame=X, schema=schema)
    assert evaluation.confusion is None and evaluation.actual == pytest.approx(list(y), abs=1e-5)
    colour = {s.segment: s for s in evaluation.segments["colour"]}
    assert colour["red"].error == pytest.approx(10.0) and colour["green"].error == pytest.approx(1.0)
    assert colour["missing"].n_rows == frame["colour"].isna().sum()
    assert sum(s.n_rows for s in evaluation.segments["amount"]) == len(y)
    assert evaluation.segments["amount"][-1].segment == "missing"
    assert {s.segment for s in evaluation.segments["visited"]} == {"2021", "2022"}


def test_segments_keep_a_category_named_like_kuais_own_and_numbers_that_print_alike() -> None:
    """A loan's purpose 'other' once crashed the report (a blind test): the data's own 'other' and 'missing' are
    segments of their own, apart from the rows Kuai groups under those names."""
    purposes = ["car", "other", "missing", "home", None] * 40 + [f"rare {i}" for i in range(30)]
    frame = pd.DataFrame({"purpose": purposes, "rate": [1.0000001, 1.0000002, 1.0000003, 2.0, np.nan] * 40 + [3.0] * 30,
                          "amount": np.arange(len(purposes), dtype=float)})
    spec = build_task_spec(frame, profile_dataset(frame).columns, target="amount", n_folds=3)
    schema = build_input_schema(frame, spec)
    X, y = to_model_frame(frame, schema), encode_target(frame["amount"], spec)
    predicted = y + np.where(frame["purpose"] == "other", 5.0, 1.0)
    segments = evaluate(spec, y, predicted, model_frame=X, schema=schema).segments
    purpose = {s.segment: s for s in segments["purpose"]}
    assert purpose["other"].n_rows == 40 and purpose["other"].error == pytest.approx(5.0)  # the data's 'other'
    assert purpose["missing"].n_rows == 40 and purpose["missing (2)"].n_rows == 40  # its 'missing', and the empty
    assert sum(s.n_rows for s in segments["purpose"]) == len(y)
    rate = [s.segment for s in segments["rate"]]
    assert len(rate) == len(set(rate)) and sum(s.n_rows for s in segments["rate"]) == len(y)
