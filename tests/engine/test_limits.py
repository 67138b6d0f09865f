"""Limits on the exported model: the best leaderboard row within them, refitted when only that fits (real search)."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from kuai.engine.models import Deadline
from kuai.engine.search.optimize import SearchInputs, run_search
from kuai.engine.select.bagging import OPSET5_SIZE, onnx_mb
from kuai.engine.select.final import final_model
from kuai.engine.select.leaderboard import build_leaderboard
from kuai.engine.select.limits import LimitsOutcome, ModelCost, blend_cost, pareto_front, within
from kuai.engine.select.tail_cost import members_to_bag
from kuai.engine.types import LeaderboardEntry, Limits, TaskType
from tests.engine.fake_clock import FakeClock, plan_ending_in
from tests.engine.search_data import search_data


def _table(task: TaskType, n: int = 360, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.uniform(-2, 2, size=n)
    colour = rng.choice(["red", "green", "blue"], size=n)
    signal = x1 + np.sin(2 * x2) + (colour == "red") + rng.normal(0, 0.4, size=n)
    outcome: object = 10 * signal if task is TaskType.REGRESSION else np.where(signal > 0.5, "yes", "no")
    return pd.DataFrame({"x1": x1, "x2": x2, "colour": colour, "outcome": outcome})


@pytest.fixture(scope="module", params=[TaskType.BINARY, TaskType.REGRESSION], ids=str)
def searched(request):  # type: ignore[no-untyped-def]
    spec, schema, X, y = search_data(_table(request.param), n_folds=4)
    result = run_search(SearchInputs(X, y, spec=spec, schema=schema, deadline=Deadline(time.monotonic() + 60),
                        families=("lightgbm", "linear", "extra_trees"), max_trials=3))
    return spec, schema, X, y, result


def _refit_ms(result, entry: LeaderboardEntry) -> float:  # type: ignore[no-untyped-def]
    return blend_cost([o for o in result.outcomes.values() if o.name == entry.model], set(), TaskType.BINARY).ms_per_row


def test_the_first_row_within_a_time_limit_is_exported_and_the_note_names_those_passed_over(searched) -> None:  # type: ignore[no-untyped-def]
    spec, schema, X, y, result = searched
    board = build_leaderboard(result, None, spec)
    board = sorted(board, key=lambda e: -_refit_ms(result, e))  # the slowest first: it must be passed over
    limit = _refit_ms(result, board[-1]) * 1.01
    expected = next(e for e in board if _refit_ms(result, e) <= limit)
    assert expected.model != board[0].model
    clock = FakeClock()
    chosen = final_model(X, y, spec, schema, result, leaderboard=board, plan=plan_ending_in(clock, 120, budget_s=120.0),
                         limits=Limits(max_ms_per_row=limit), clock=clock)
    notes = chosen.notes
    assert chosen.name == expected.model and chosen.within_limits is True
    assert chosen.cost.ms_per_row <= limit
    assert board[0].model in chosen.limits_note and chosen.limits_note in notes


def test_a_model_whose_bag_is_over_the_limit_is_exported_refitted(searched) -> None:  # type: ignore[no-untyped-def]
    spec, schema, X, y, result = searched
    board = build_leaderboard(result, None, spec)
    bagged = next(e for e in board
                  if members_to_bag([o for o in result.outcomes.values() if o.name == e.model], spec, 120.0))
    board = [bagged] + [e for e in board if e is not bagged]
    clock = FakeClock()
    plan = plan_ending_in(clock, 120, budget_s=120.0)
    free = final_model(X, y, spec, schema, result, leaderboard=board, plan=plan, clock=clock)
    assert free.name == bagged.model and free.bagged_folds == len(result.folds) and free.within_limits is None
    limit = _refit_ms(result, bagged) * 1.5  # one model fits; its four fold models together do not
    assert free.cost.ms_per_row > limit
    chosen = final_model(X, y, spec, schema, result, leaderboard=board, plan=plan,
                         limits=Limits(max_ms_per_row=limit), clock=clock)
    assert chosen.name == bagged.model and chosen.bagged_folds == 0 and chosen.within_limits is True
    assert hasattr(chosen.estimator, "steps")  # one pipeline, refitted on all rows


def test_when_no_model_is_within_the_limits_the_closest_is_exported_and_said_to_be_over(searched) -> None:  # type: ignore[no-untyped-def]
    spec, schema, X, y, result = searched
    board = build_leaderboard(result, None, spec)
    fastest = min(board, key=lambda e: _refit_ms(result, e))
    limit = _refit_ms(result, fastest) / 2
    clock = FakeClock()
    chosen = final_model(X, y, spec, schema, result, leaderboard=board, plan=plan_ending_in(clock, 120, budget_s=120.0),
                         limits=Limits(max_ms_per_row=limit), clock=clock)
    notes = chosen.notes
    assert chosen.name == fastest.model and chosen.within_limits is False and chosen.bagged_folds == 0
    assert chosen.limits_note.startswith("No model is within the limits") and chosen.limits_note in notes


def test_a_size_limit_counts_every_fold_model_of_a_bag(searched) -> None:  # type: ignore[no-untyped-def]
    spec, _, _, _, result = searched
    outcome = next(o for o in result.outcomes.values() if o.fold_models and o.size_kb)
    one, bag = blend_cost([outcome], set(), spec.task), blend_cost([outcome], {outcome.number}, spec.task)
    assert one.size_mb is not None and bag.size_mb == pytest.approx(len(outcome.fold_models) * one.size_mb)
    assert bag.ms_per_row == pytest.approx(len(outcome.fold_models) * one.ms_per_row)
    limit = Limits(max_size_mb=2 * one.size_mb)
    assert within(one, limit) and not within(bag, limit)


def test_sizes_are_the_opset_5_graphs_unless_a_multiclass_model_has_a_forest(searched) -> None:  # type: ignore[no-untyped-def]
    """The export writes trees as ONNX-ML opset 5, a third of opset 3's bytes, except in a multiclass model with a
    forest or CatBoost (tests/exporters/test_tree_opset5.py checks which families those are)."""
    _, _, _, _, result = searched
    forest = next(o for o in result.outcomes.values() if o.family == "extra_trees" and o.size_kb)
    booster = next(o for o in result.outcomes.values() if o.family == "lightgbm" and o.size_kb)
    opset3 = blend_cost([forest, booster], set(), TaskType.MULTICLASS).size_mb
    assert opset3 is not None and opset3 > 0
    for task in (TaskType.BINARY, TaskType.REGRESSION):
        assert blend_cost([forest, booster], set(), task).size_mb == pytest.approx(OPSET5_SIZE * opset3)
    alone = blend_cost([booster], set(), TaskType.MULTICLASS).size_mb
    assert alone == pytest.approx(OPSET5_SIZE * onnx_mb("lightgbm", booster.size_kb))


def _entry(model: str, score: float, ms: float) -> LeaderboardEntry:
    return LeaderboardEntry(rank=0, model=model, family="x", score=score, score_std=0.0, fit_time_s=0.0,
                            predict_ms_per_1000_rows=1000 * ms, params={})


def test_the_pareto_front_keeps_only_models_no_other_beats_on_both_score_and_time() -> None:
    board = [_entry("fast_weak", 0.70, 0.001), _entry("slow_best", 0.90, 0.1), _entry("mid", 0.85, 0.01),
             _entry("slow_worse", 0.80, 0.05), _entry("tie_slower", 0.70, 0.002)]
    assert pareto_front(board, "roc_auc") == ["fast_weak", "mid", "slow_best"]
    errors = [_entry("a", 3.0, 0.001), _entry("b", 2.0, 0.01), _entry("c", 2.5, 0.1)]  # rmse: lower is better
    assert pareto_front(errors, "rmse") == ["a", "b"]


def test_the_card_entry_holds_the_limits_against_the_exported_model_as_measured() -> None:
    outcome = LimitsOutcome(Limits(max_ms_per_row=0.01), ModelCost(0.005, 0.2), met=True, note="within")
    kept = outcome.card(onnx_ms_per_row=0.008, onnx_size_mb=0.3)
    assert kept["met"] is True and kept["note"] == "within"
    over = outcome.card(onnx_ms_per_row=0.02, onnx_size_mb=0.3)  # the ONNX graph, with its preprocessing, is slower
    assert over["met"] is False and "over the limits" in over["note"]
    assert LimitsOutcome(Limits(), ModelCost(0.005, 0.2), met=None).card(1.0, 1.0)["met"] is None
