"""Learning from past runs: similar data is matched on its traits, and the search starts from its best models."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd

from kuai.engine import PastRun, SearchBudget, best_configs, past_run_from_dict, train
from kuai.engine.search.warm_start import MAX_DISTANCE, DataTraits, distance, nearest_run
from tests.engine.search_data import search_data

TRAITS = DataTraits(task="binary", metric="roc_auc", n_rows=2000, n_features=11, numeric_share=0.6, n_classes=2,
                    minority_share=0.25)
LGBM = {"family": "lightgbm", "lightgbm__learning_rate": 0.07, "lightgbm__num_leaves": 12,
        "lightgbm__min_child_samples": 9, "lightgbm__n_estimators": 300}


def test_distance_is_zero_for_alike_data_and_infinite_across_tasks_metrics_and_classes() -> None:
    assert distance(TRAITS, TRAITS) == 0.0
    assert TRAITS.text() == "2,000 rows, 11 columns, binary"  # as the note names the earlier data
    assert distance(TRAITS, replace(TRAITS, n_rows=20_000)) == 1.0  # ten times the rows
    for other in (replace(TRAITS, task="regression"), replace(TRAITS, metric="log_loss"),
                  replace(TRAITS, n_classes=3)):
        assert math.isinf(distance(TRAITS, other))


def test_the_nearest_run_within_reach_gives_its_configurations_for_the_families_searched() -> None:
    near = PastRun("near.csv", replace(TRAITS, n_rows=2500), (LGBM, {"family": "linear", "linear__C": 3.0}))
    nearer_but_other_task = PastRun("other.csv", replace(TRAITS, task="multiclass", n_classes=2), (LGBM,))
    far = PastRun("far.csv", replace(TRAITS, n_rows=200_000), (LGBM,))
    assert distance(TRAITS, far.traits) > MAX_DISTANCE
    chosen = nearest_run(TRAITS, [far, nearer_but_other_task, near], families=("linear", "catboost"))
    assert chosen is not None and chosen.name == "near.csv" and chosen.configs == ({"family": "linear",
                                                                                   "linear__C": 3.0},)
    assert nearest_run(TRAITS, [far], families=("lightgbm",)) is None
    assert past_run_from_dict(near.to_dict()) == near  # as the home folder keeps it


def _table(n: int = 400, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    outcome = np.where(x1 - x2 + rng.normal(0, 0.7, size=n) > 0.3, "yes", "no")
    return pd.DataFrame({"x1": x1, "x2": x2, "colour": rng.choice(["a", "b", "c"], size=n), "outcome": outcome})


def test_a_training_on_similar_data_starts_from_the_earlier_ones_best_models() -> None:
    frame = _table()
    spec, _, _, _ = search_data(frame, n_folds=3)
    budget = SearchBudget(time_budget_s=30, max_trials=4, families=("lightgbm", "linear"))
    first = train(frame, spec, budget=budget)
    assert first.traits is not None and first.warm_start is None
    configs = best_configs(first.leaderboard, first.trials)
    assert configs and all(c["family"] in ("lightgbm", "linear") for c in configs)
    best_single = next(e for e in first.leaderboard if not e.is_ensemble)
    assert f"{configs[0]['family']}_" in best_single.model  # the best single model's parameters come first
    lightgbm = next(t for t in first.trials if t.family == "lightgbm" and t.state == "complete")
    tuned = {"family": "lightgbm", **lightgbm.params, "lightgbm__learning_rate": 0.031}  # not the portfolio's
    past = [PastRun("earlier.csv", first.traits, (tuned, *configs))]
    second = train(_table(seed=2), spec, budget=budget, past=past)
    assert second.warm_start is not None and second.warm_start.name == "earlier.csv"
    assert {"family": second.trials[0].family, **second.trials[0].params} == tuned  # queued before the portfolio
    assert second.notes[0].startswith("The search started from the") and "earlier.csv" in second.notes[0]
    alone = train(_table(seed=2), spec, budget=budget)
    # without a past run: the portfolio's LightGBM (its default learning rate) first, the families' order as named
    assert alone.trials[0].family == "lightgbm" and alone.trials[0].params["lightgbm__learning_rate"] == 0.1
