"""A search that has a perfect model stops once every family has had its turn; equal scores rank the smaller first."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from kuai.engine import (
    SearchBudget,
    build_input_schema,
    build_task_spec,
    encode_target,
    profile_dataset,
    to_model_frame,
)
from kuai.engine.models import Deadline, default_order
from kuai.engine.search.optimize import SearchInputs, SearchResult, TrialOutcome, run_search
from kuai.engine.select.leaderboard import build_leaderboard
from kuai.engine.select.stacking import STACK_NAME
from kuai.engine.types import Limits
from tests.engine.search_data import search_data


def _separable(n: int = 300) -> pd.DataFrame:
    """The outcome is the sign of one column: every family ranks every fold's rows perfectly (ROC AUC 1)."""
    rng = np.random.default_rng(3)
    signal = rng.normal(size=n)
    return pd.DataFrame({"signal": signal.round(3), "noise": rng.normal(size=n).round(3),
                         "outcome": np.where(signal > 0, "yes", "no")})


def _prepared(frame: pd.DataFrame):  # type: ignore[no-untyped-def]
    profile = profile_dataset(frame)
    spec = build_task_spec(frame, profile.columns, target="outcome", n_folds=3)
    schema = build_input_schema(frame, spec)
    return spec, schema, to_model_frame(frame, schema), encode_target(frame["outcome"], spec)


def test_the_search_stops_at_a_perfect_score_once_every_family_had_its_turn() -> None:
    spec, schema, X, y = _prepared(_separable())
    assert spec.metric == "roc_auc"
    started = time.monotonic()
    result = run_search(SearchInputs(X, y, spec=spec, schema=schema, deadline=Deadline(started + 120.0)))
    assert time.monotonic() - started < 60.0, "the search went on to its deadline"
    assert {t.family for t in result.trials} == set(default_order())  # the leaderboard still compares every family
    perfect = sorted(n for n, o in result.outcomes.items() if all(s == 1.0 for s in o.fold_scores))
    assert perfect, [o.fold_scores for o in result.outcomes.values()]
    first = result.outcomes[perfect[0]]
    assert result.stopped_early.startswith("The search stopped with")
    who = f"{first.name} scored" if len(perfect) == 1 else f"{len(perfect)} models, {first.name} first, scored"
    assert f"{who} the best possible ROC AUC (1) on every fold" in result.stopped_early
    # it stopped at the first trial that had both: no trial after the portfolio's round
    assert max(t.number for t in result.trials) == max(perfect[0], len(default_order()) - 1)


def test_without_the_stop_the_search_goes_on() -> None:
    spec, schema, X, y = _prepared(_separable())
    result = run_search(SearchInputs(X, y, spec=spec, schema=schema, deadline=Deadline(time.monotonic() + 120.0),
                        families=("linear",), max_trials=4, stop_when_perfect=False))
    assert len(result.trials) == 4 and not result.stopped_early


def test_a_search_short_of_perfect_does_not_stop_early(mixed_frame: pd.DataFrame) -> None:
    spec, schema, X, y = search_data(mixed_frame, n_folds=3)
    result = run_search(SearchInputs(X, y, spec=spec, schema=schema, deadline=Deadline(time.monotonic() + 120.0),
                        families=("linear",), max_trials=3))
    assert len(result.trials) == 3 and not result.stopped_early


def test_training_says_why_it_stopped_and_limits_keep_it_searching() -> None:
    from kuai.engine import train

    frame = _separable()
    profile = profile_dataset(frame)
    spec = build_task_spec(frame, profile.columns, target="outcome", n_folds=3)
    started = time.monotonic()
    result = train(frame, spec, budget=SearchBudget(time_budget_s=90, families=("linear", "lightgbm")))
    assert time.monotonic() - started < 45.0
    assert any(note.startswith("The search stopped with") for note in result.notes), result.notes
    assert len(result.trials) == 2
    assert STACK_NAME not in [row.model for row in result.leaderboard]  # no time spent on a stack
    # a perfect model may be too slow or too big for a user's limits: the search goes on looking
    limited = train(frame, spec, budget=SearchBudget(time_budget_s=90, families=("linear", "lightgbm"), max_trials=4,
                                                     limits=Limits(max_size_mb=100.0)))
    assert not any(note.startswith("The search stopped with") for note in limited.notes)
    assert len(limited.trials) == 4


def _outcome(number: int, family: str, scores: list[float], kb: float | None) -> TrialOutcome:
    # prediction times the other way round: a time measured once must not decide (a second run measures another)
    return TrialOutcome(number=number, family=family, params={}, oof=np.zeros(4), fold_scores=scores,
                        best_iterations=[], fit_time_s=1.0, predict_ms_per_1000_rows=1000.0 - (kb or 0.0), size_kb=kb)


def test_equal_scores_rank_the_steadier_then_the_smaller_model_first(mixed_frame: pd.DataFrame) -> None:
    spec = search_data(mixed_frame, n_folds=2)[0]
    result = SearchResult(folds=[(np.arange(2), np.arange(2, 4)), (np.arange(2, 4), np.arange(2))])
    result.outcomes = {0: _outcome(0, "lightgbm", [1.0, 1.0], 20.0), 1: _outcome(1, "catboost", [1.0, 1.0], 1.0),
                       2: _outcome(2, "linear", [0.9, 1.0], 0.1), 3: _outcome(3, "extra_trees", [0.95, 0.95], 0.2),
                       4: _outcome(4, "random_forest", [0.96, 0.96], 5.0), 5: _outcome(5, "hist_gb", [1.0, 1.0], None)}
    board = build_leaderboard(result, None, spec)
    # ROC AUC first; equal means: the smaller spread, then the smaller model (an unknown size last)
    assert [row.model for row in board] == ["catboost_1", "lightgbm_0", "hist_gb_5", "random_forest_4",
                                            "extra_trees_3", "linear_2"]  # 0.95 both: extra trees' folds agree
    assert [row.rank for row in board] == [1, 2, 3, 4, 5, 6]


def test_equal_scores_keep_the_fold_models_of_the_trials_the_leaderboard_ranks_first() -> None:
    from kuai.engine.metrics import get_metric
    from kuai.engine.search.optimize import keep_fold_models

    result = SearchResult(folds=[(np.arange(2), np.arange(2, 4)), (np.arange(2, 4), np.arange(2))])
    for number, kb in enumerate((9.0, 3.0, 1.0, 5.0)):  # four perfect trials
        result.outcomes[number] = _outcome(number, "lightgbm", [1.0, 1.0], kb)
        result.outcomes[number].fold_models = [("prep", "model"), ("prep", "model")]
    keep_fold_models(result, get_metric("roc_auc"), max_models=2)
    assert sorted(n for n, o in result.outcomes.items() if o.fold_models) == [1, 2]  # the two smallest
