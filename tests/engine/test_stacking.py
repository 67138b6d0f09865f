"""The stacking layer: a top model on the inputs and the base models' out-of-fold predictions, bagged at both
levels, scored like every leaderboard row and exported as one ONNX graph."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest

from kuai.engine import train
from kuai.engine.explain.shap_values import explain_model
from kuai.engine.metrics import get_metric
from kuai.engine.models import Deadline
from kuai.engine.search.optimize import SearchInputs, predict_output, run_search
from kuai.engine.select.bagging import bagged_model
from kuai.engine.select.final import clearly_better, final_model
from kuai.engine.select.leaderboard import build_leaderboard
from kuai.engine.select.stacking import (
    MAX_BASE,
    STACK_MARGIN,
    STACK_NAME,
    STACK_NUMBER,
    TOP_FAMILY,
    StackedClassifier,
    StackedRegressor,
    base_features,
    fit_stack,
    held_out_stack,
    stack_base,
)
from kuai.engine.types import Limits, SearchBudget, TaskType
from kuai.exporters import check_parity, to_onnx_model
from tests.engine.fake_clock import FakeClock, plan_ending_in
from tests.engine.search_data import search_data
from tests.engine.test_bagging import _table


@pytest.fixture(scope="module", params=list(TaskType), ids=str)
def stacked(request):  # type: ignore[no-untyped-def]
    spec, schema, X, y = search_data(_table(request.param), n_folds=4)
    result = run_search(SearchInputs(X, y, spec=spec, schema=schema, deadline=Deadline(time.monotonic() + 60),
                        families=("lightgbm", "linear", "extra_trees"), max_trials=5))
    stack = fit_stack(X, y, spec, schema, result, Deadline(time.monotonic() + 60))
    assert stack is not None
    return spec, schema, X, y, result, stack


def test_the_base_is_the_best_model_of_each_family(stacked) -> None:  # type: ignore[no-untyped-def]
    spec, _, _, _, result, stack = stacked
    loss = get_metric(spec.metric).loss
    families = [o.family for o in stack.base]
    assert len(families) == len(set(families)) == len({o.family for o in result.outcomes.values()}) <= MAX_BASE
    for outcome in stack.base:  # no trial of its family scored better
        rivals = [o for o in result.outcomes.values() if o.family == outcome.family]
        assert loss(np.mean(outcome.fold_scores)) == min(loss(np.mean(o.fold_scores)) for o in rivals)
    scores = [loss(np.mean(o.fold_scores)) for o in stack.base]
    assert scores == sorted(scores)


def test_each_top_fold_model_scored_its_held_out_rows_from_the_base_out_of_fold_predictions(stacked) -> None:  # type: ignore[no-untyped-def]
    spec, _, X, y, result, stack = stacked
    top = stack.top
    assert top.number == STACK_NUMBER and top.family == TOP_FAMILY and top.fold_models is not None
    extra = base_features([o.oof for o in stack.base], len(spec.classes) == 2, stack.grid)
    width = len(stack.base) * (1 if len(spec.classes) in (0, 2) else len(spec.classes))
    assert extra.shape == (len(y), width)
    metric = get_metric(spec.metric)
    for (prep, model), (_, valid), score in zip(top.fold_models, result.folds, top.fold_scores, strict=True):
        inputs = np.hstack([np.asarray(prep.transform(X.iloc[valid]), np.float32), extra[valid]])
        predicted = predict_output(model, inputs, spec)
        np.testing.assert_allclose(predicted, top.oof[valid], atol=1e-9)
        assert score == pytest.approx(metric.compute(y[valid], predicted))


def test_the_stacked_model_averages_its_top_fold_models_over_the_bagged_base(stacked) -> None:  # type: ignore[no-untyped-def]
    spec, _, X, _, _, stack = stacked
    model = stack.estimator(spec)
    rows = X.iloc[:40]
    bases = [predict_output(bagged_model([(o, 1.0)], spec), rows, spec) for o in stack.base]
    extra = base_features(bases, len(spec.classes) == 2, stack.grid)
    assert stack.top.fold_models is not None
    expected = np.mean([predict_output(m, np.hstack([np.asarray(p.transform(rows), np.float32), extra]), spec)
                        for p, m in stack.top.fold_models], axis=0)
    np.testing.assert_allclose(predict_output(model, rows, spec), expected, rtol=1e-6, atol=1e-9)
    if spec.task.is_classification:
        np.testing.assert_allclose(model.predict_proba(rows).sum(axis=1), 1.0, atol=1e-9)
        assert set(model.predict(rows)) <= set(range(len(spec.classes)))


def test_the_stacked_model_exports_to_one_onnx_graph_with_parity(stacked) -> None:  # type: ignore[no-untyped-def]
    spec, schema, X, _, _, stack = stacked
    model = stack.estimator(spec)
    graph = to_onnx_model(model, schema, spec.task)
    report = check_parity(model, graph, X, spec.task)
    assert report.passed and report.labels_equal, report
    assert report.max_abs_diff < 1e-4, report


def test_no_stack_without_two_base_families_or_time(stacked) -> None:  # type: ignore[no-untyped-def]
    spec, schema, X, y, result, _ = stacked
    lone = type(result)(trials=result.trials, folds=result.folds, memory=result.memory,
                        outcomes={n: o for n, o in result.outcomes.items() if o.family == "lightgbm"})
    assert len(stack_base(lone, spec)) == 1
    assert fit_stack(X, y, spec, schema, lone, Deadline(time.monotonic() + 60)) is None
    assert fit_stack(X, y, spec, schema, result, Deadline(time.monotonic() - 1)) is None


def test_the_held_out_stack_predicts_its_fold_as_the_stack_was_scored(stacked) -> None:  # type: ignore[no-untyped-def]
    spec, _, X, _, result, stack = stacked
    held_out = held_out_stack(stack, result, spec)
    assert held_out is not None and list(held_out.rows) == list(result.folds[0][1])
    np.testing.assert_allclose(held_out.predict(X.iloc[held_out.rows]), stack.top.oof[held_out.rows], atol=1e-9)


def test_the_stack_is_exported_when_it_leads_and_passed_over_beyond_the_limits(stacked) -> None:  # type: ignore[no-untyped-def]
    spec, schema, X, y, result, stack = stacked
    board = build_leaderboard(result, None, spec, stack)
    row = next(r for r in board if r.model == STACK_NAME)
    assert row.family == "stack" and row.score == pytest.approx(np.mean(stack.top.fold_scores))
    assert set(row.members) == {o.name for o in stack.base}
    metric = get_metric(spec.metric)
    others = [b for b in board if b is not row]
    runner_up = min(others, key=lambda r: metric.loss(r.score))
    error = 1 - runner_up.score if metric.greater_is_better else runner_up.score
    by = 0.1 * error if metric.greater_is_better else -0.1 * error  # a clear lead: 10 % of the runner-up's error
    first = [replace(row, rank=1, score=runner_up.score + by), *[replace(r, rank=i + 2) for i, r in enumerate(others)]]
    clock = FakeClock()
    chosen = final_model(X, y, spec, schema, result, leaderboard=first, plan=plan_ending_in(clock, 60, budget_s=60.0),
                         stack=stack, clock=clock)
    notes = chosen.notes
    assert chosen.name == STACK_NAME and chosen.bagged_folds == len(result.folds)
    assert isinstance(chosen.estimator, (StackedClassifier, StackedRegressor))
    assert any("stacks a LightGBM" in n for n in notes)
    # the stack predicts with every base model's fold models and its own: over a limit the next row is
    # chosen, and the note names the stack as passed over
    tight = Limits(max_ms_per_row=0.999 * chosen.cost.ms_per_row)
    other = final_model(X, y, spec, schema, result, leaderboard=first, plan=plan_ending_in(clock, 60, budget_s=60.0),
                        limits=tight, stack=stack, clock=clock)
    assert other.name != STACK_NAME and STACK_NAME in other.limits_note


def test_a_stack_is_explained_through_its_base_models(stacked) -> None:  # type: ignore[no-untyped-def]
    spec, schema, X, _, _, stack = stacked
    explanation = explain_model(stack.estimator(spec), X, spec=spec, schema=schema, model_name=STACK_NAME,
                                sample_size=20)
    assert "explained through its" in explanation.note and len(explanation.sample_values) == 20
    assert set(explanation.importance) == {c.name for c in schema}


def test_a_stack_that_leads_by_less_than_the_margin_is_not_exported(stacked) -> None:  # type: ignore[no-untyped-def]
    spec, schema, X, y, result, stack = stacked
    board = build_leaderboard(result, None, spec, stack)
    row = next(r for r in board if r.model == STACK_NAME)
    others = [b for b in board if b is not row]
    runner_up = min(others, key=lambda r: get_metric(spec.metric).loss(r.score))
    error = 1 - runner_up.score if get_metric(spec.metric).greater_is_better else runner_up.score
    by = 0.5 * STACK_MARGIN * error * (1 if get_metric(spec.metric).greater_is_better else -1)
    assert not clearly_better(runner_up.score + by, runner_up.score, spec.metric)
    assert clearly_better(runner_up.score + 3 * by, runner_up.score, spec.metric)
    first = [replace(row, rank=1, score=runner_up.score + by), *[replace(r, rank=i + 2) for i, r in enumerate(others)]]
    clock = FakeClock()
    chosen = final_model(X, y, spec, schema, result, leaderboard=first, plan=plan_ending_in(clock, 60, budget_s=60.0),
                         stack=stack, clock=clock)
    notes = chosen.notes
    assert chosen.name == runner_up.model
    assert any("margin a stack must win by" in n for n in notes)
    assert "margin a stack must win by" in notes[0]  # in the order decided: the stack passed over, then the export


def test_training_fits_the_stack_when_time_is_left_and_not_without_lightgbm() -> None:
    frame = _table(TaskType.MULTICLASS, n=400)
    spec, _, _, _ = search_data(frame, n_folds=4)
    trained = train(frame, spec, budget=SearchBudget(time_budget_s=40, max_trials=6,
                                                     families=("lightgbm", "linear", "extra_trees")))
    row = next(r for r in trained.leaderboard if r.model == STACK_NAME)  # the search ended early: time for it
    assert row.family == "stack" and len(row.members) >= 2
    assert STACK_NAME in trained.model_oofs and trained.model_oofs[STACK_NAME].shape == trained.oof.shape
    without = train(frame, spec,
                    budget=SearchBudget(time_budget_s=40, max_trials=6, families=("linear", "extra_trees")))
    assert all(r.model != STACK_NAME for r in without.leaderboard)  # the user left its top model's family out


def test_no_stack_is_fitted_in_the_time_the_ensembles_bag_or_refit_needs(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The stack is fitted only when it leaves the final model's bag or refit its time (``final_blend_s``): a stack
    that then lost, or broke the limits, would otherwise leave the ensemble too little time, and a single model
    would be exported in its place."""
    frame = _table(TaskType.MULTICLASS, n=400)
    spec, _, _, _ = search_data(frame, n_folds=4)
    budget = SearchBudget(time_budget_s=40, max_trials=6, families=("lightgbm", "linear", "extra_trees"))
    asked: list[float] = []

    def blend_takes_the_stacks_time(*args, **kwargs) -> float:  # type: ignore[no-untyped-def]
        asked.append(1.0)
        return 40.0

    monkeypatch.setattr("kuai.engine.select.tail_cost.final_blend_s", blend_takes_the_stacks_time)
    trained = train(frame, spec, budget=budget)
    assert asked and all(r.model != STACK_NAME for r in trained.leaderboard)
